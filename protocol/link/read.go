package link

import (
	"errors"
	"fmt"
	"io"

	"github.com/termd/termd/protocol"
)

var errClosed = errors.New("closed")

// readLoop owns reading the stream: it answers packets and ENQs, hands
// frames to ReadFrame and the peer's ACK/NAK to the waiting sender.
func (c *Conn) readLoop() {
	defer close(c.done)
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 1024)
	for {
		n, err := c.rw.Read(chunk)
		c.stats.bytesIn.Add(int64(n))
		buf = append(buf, chunk[:n]...)
		rest, ferr := c.consume(buf)
		buf = append(buf[:0], rest...)
		if ferr != nil {
			err = ferr
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			c.err = fmt.Errorf("link: %w", err)
			return
		}
	}
}

// consume handles every complete unit in buf and returns what is left.
func (c *Conn) consume(buf []byte) ([]byte, error) {
	for {
		u, n := Scan(buf)
		c.stats.noise.Add(int64(u.Skipped))
		if err := c.handle(u); err != nil {
			return nil, err
		}
		buf = buf[n:]
		if u.Kind == None {
			return buf, nil
		}
	}
}

func (c *Conn) handle(u Unit) error {
	switch u.Kind {
	case Ack, Nak:
		select {
		case c.answers <- u.Kind:
		default: // nobody is waiting: a stray or late answer
		}
	case Enq:
		return c.write([]byte{ACK})
	case Bad:
		c.stats.naks.Add(1)
		return c.write([]byte{NAK})
	case Packet:
		// The frame aliases the read buffer: parse a copy.
		f, err := protocol.Parse(append([]byte(nil), u.Frame...))
		if werr := c.write([]byte{ACK}); werr != nil {
			return werr
		}
		if err != nil {
			// Intact on the wire, so resending would not help; the peer
			// is told nothing and the frame is counted as lost.
			c.stats.unparsed.Add(1)
			return nil
		}
		c.stats.framesIn.Add(1)
		select {
		case c.frames <- f:
		case <-c.closing:
			return errClosed
		}
	}
	return nil
}
