package protocol

import (
	"errors"
	"io"
)

// Reader reads frames from a byte stream (TCP, a serial link's payload,
// a pipe). It keeps what it has read past the end of a frame for the next
// call. It is not safe for concurrent use.
type Reader struct {
	r          io.Reader
	buf        []byte // read but not yet returned: buf[start:end]
	start, end int
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 4096)}
}

// Buffered reports how many bytes of an unfinished frame are held.
func (r *Reader) Buffered() int { return r.end - r.start }

// ReadFrame returns the next frame. Its body is a copy, safe to keep.
// A *HeaderError means the stream is out of step; io.ErrUnexpectedEOF means
// it ended inside a frame.
func (r *Reader) ReadFrame() (Frame, error) {
	for {
		f, n, err := Split(r.buf[r.start:r.end])
		if err != nil {
			return Frame{}, err
		}
		if n > 0 {
			r.start += n
			f.Body = append([]byte(nil), f.Body...)
			return f, nil
		}
		if err := r.fill(); err != nil {
			if errors.Is(err, io.EOF) && r.Buffered() > 0 {
				return Frame{}, io.ErrUnexpectedEOF
			}
			return Frame{}, err
		}
	}
}

// fill reads more bytes, first moving the unfinished frame to the front, and
// growing the buffer only as far as the longest possible frame.
func (r *Reader) fill() error {
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	if r.end == len(r.buf) {
		r.buf = append(r.buf, make([]byte, min(len(r.buf), MaxFrame-len(r.buf)))...)
	}
	// Like bufio, tolerate a few empty reads (a serial port's timeout
	// returns 0, nil) before calling the reader broken.
	for range 100 {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}
