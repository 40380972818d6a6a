package emulator

import (
	"io"
	"sync"
)

// pipeLimit bounds the bytes one direction holds unread, as a serial
// port's driver buffer does: a writer whose peer stops reading waits.
const pipeLimit = 64 << 10

// newPipe returns the two ends of an in-memory duplex byte stream.
//
// Unlike net.Pipe, a write does not wait for the peer to read: it leaves
// its bytes in a bounded buffer and returns. A terminal answering with a
// phase report and then its final answer, or the daemon sending a frame,
// goes on at once instead of handing control to the other side for every
// write, which is how a serial port behaves too. Closing either end cuts
// both directions: reads and writes on both ends fail, what was unread is
// dropped, like a pulled cable.
func newPipe() (a, b io.ReadWriteCloser) {
	link := &pipeLink{}
	ab, ba := newPipeHalf(), newPipeHalf()
	link.halves = [2]*pipeHalf{ab, ba}
	return &pipeEnd{r: ba, w: ab, link: link}, &pipeEnd{r: ab, w: ba, link: link}
}

// pipeLink is what both ends share: whether the cable is cut.
type pipeLink struct {
	once   sync.Once
	halves [2]*pipeHalf
}

func (l *pipeLink) cut() {
	l.once.Do(func() {
		for _, h := range l.halves {
			h.close()
		}
	})
}

// pipeHalf is one direction: bytes written and not yet read.
type pipeHalf struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	// readable and writable each hold one wake-up at most; a waiter
	// checks the state again under mu after waking, so a wake-up sent
	// while nobody waits is never lost and a stale one costs a loop.
	readable chan struct{}
	writable chan struct{}
}

func newPipeHalf() *pipeHalf {
	return &pipeHalf{readable: make(chan struct{}, 1), writable: make(chan struct{}, 1)}
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (h *pipeHalf) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			wake(h.readable) // the next reader waiting, if any (see close)
			return 0, io.EOF
		}
		if len(h.buf) > 0 {
			n := copy(p, h.buf)
			// Keep the array: move the rest to the front (a frame or two).
			h.buf = h.buf[:copy(h.buf, h.buf[n:])]
			h.mu.Unlock()
			wake(h.writable)
			return n, nil
		}
		h.mu.Unlock()
		<-h.readable
	}
}

func (h *pipeHalf) write(p []byte) (int, error) {
	written := 0
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			wake(h.writable) // the next writer waiting, if any (see close)
			return written, io.ErrClosedPipe
		}
		room := min(pipeLimit-len(h.buf), len(p)-written)
		h.buf = append(h.buf, p[written:written+room]...)
		written += room
		h.mu.Unlock()
		if room > 0 {
			wake(h.readable)
		}
		if written == len(p) {
			return written, nil
		}
		<-h.writable
	}
}

// close ends the half. Its one wake-up each way lets go of one waiter; a
// waiter that finds the half closed passes the wake-up on, so every
// waiter leaves, without making the waits themselves any dearer.
func (h *pipeHalf) close() {
	h.mu.Lock()
	h.closed, h.buf = true, nil
	h.mu.Unlock()
	wake(h.readable)
	wake(h.writable)
}

// pipeEnd is one end: it reads what the other end writes.
type pipeEnd struct {
	r, w *pipeHalf
	link *pipeLink
}

var _ io.ReadWriteCloser = (*pipeEnd)(nil)

func (e *pipeEnd) Read(p []byte) (int, error)  { return e.r.read(p) }
func (e *pipeEnd) Write(p []byte) (int, error) { return e.w.write(p) }

// Close cuts the link for both ends; it never fails.
func (e *pipeEnd) Close() error {
	e.link.cut()
	return nil
}
