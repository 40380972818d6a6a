package protocol

import (
	"io"
	"sync"
)

// Conn carries frames over a plain byte stream (a pipe or a socket): frames
// follow each other with nothing between them. The serial link wraps frames
// in STX/ETX instead (package link) and offers the same methods.
//
// ReadFrame and WriteFrame may be called from two goroutines at once (one
// reader, one writer).
type Conn struct {
	rw  io.ReadWriteCloser
	r   *Reader
	mu  sync.Mutex // serialises writers
	buf []byte
}

// NewConn returns a Conn over rw.
func NewConn(rw io.ReadWriteCloser) *Conn {
	return &Conn{rw: rw, r: NewReader(rw)}
}

// ReadFrame returns the next frame from the stream.
func (c *Conn) ReadFrame() (Frame, error) { return c.r.ReadFrame() }

// WriteFrame writes one frame with a single Write call.
func (c *Conn) WriteFrame(f Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := f.Append(c.buf[:0])
	if err != nil {
		return err
	}
	c.buf = b
	_, err = c.rw.Write(b)
	return err
}

// Close closes the stream, which ends a blocked ReadFrame.
func (c *Conn) Close() error { return c.rw.Close() }
