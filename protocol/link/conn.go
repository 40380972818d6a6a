package link

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/termd/termd/protocol"
)

// ErrNoAck: the peer did not acknowledge a packet or an ENQ after every
// retry. The link is as good as dead.
var ErrNoAck = errors.New("link: no ACK from the peer")

// Options tune a Conn. Zero values take the defaults of the terminal link.
type Options struct {
	AckTimeout time.Duration // wait for ACK/NAK per attempt (1 s)
	Retries    int           // resends after the first attempt (3)
}

func (o *Options) fill() {
	if o.AckTimeout <= 0 {
		o.AckTimeout = time.Second
	}
	if o.Retries <= 0 {
		o.Retries = 3
	}
}

// Stats counts what crossed the link, for logs and for measuring it.
type Stats struct {
	BytesIn, BytesOut   int64 // on the wire, control bytes included
	FramesIn, FramesOut int64 // delivered / acknowledged frames
	Resent              int64 // packets and ENQs sent again
	NaksSent            int64 // damaged packets we asked for again
	Noise               int64 // bytes thrown away by the decoder
	Unparsed            int64 // packets intact on the link but not a 전문 frame
}

// Conn carries 전문 frames over a byte stream with the link protocol. It
// starts one goroutine, which owns reading the stream until Close or a
// read error. ReadFrame may be called by one goroutine while another calls
// WriteFrame and Ping.
type Conn struct {
	rw  io.ReadWriteCloser
	opt Options

	wmu  sync.Mutex // one packet or control byte on the wire at a time
	smu  sync.Mutex // one packet or ENQ awaiting its answer at a time
	wbuf []byte

	answers chan Kind           // ACK/NAK from the peer, for the waiting sender
	frames  chan protocol.Frame // good frames, for ReadFrame
	done    chan struct{}       // closed when the reader stops
	closing chan struct{}       // closed by Close
	err     error               // why the reader stopped; set before done closes

	closeOnce sync.Once
	stats     struct {
		bytesIn, bytesOut, framesIn, framesOut, resent, naks, noise, unparsed atomic.Int64
	}
}

// NewConn starts the link over rw.
func NewConn(rw io.ReadWriteCloser, opt Options) *Conn {
	opt.fill()
	c := &Conn{
		rw:      rw,
		opt:     opt,
		answers: make(chan Kind, 1),
		frames:  make(chan protocol.Frame, 16),
		done:    make(chan struct{}),
		closing: make(chan struct{}),
	}
	go c.readLoop()
	return c
}

// ReadFrame returns the next frame the peer sent.
func (c *Conn) ReadFrame() (protocol.Frame, error) {
	select {
	case f := <-c.frames:
		return f, nil
	default:
	}
	select {
	case f := <-c.frames:
		return f, nil
	case <-c.done:
		select {
		case f := <-c.frames: // delivered before the link broke
			return f, nil
		default:
			return protocol.Frame{}, c.err
		}
	}
}

// WriteFrame sends f and waits until the peer acknowledges it, resending on
// NAK or silence. It fails with ErrNoAck when every attempt went unanswered.
func (c *Conn) WriteFrame(f protocol.Frame) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	frame, err := f.Append(nil)
	if err != nil {
		return err
	}
	pkt, err := Append(c.wbuf[:0], frame)
	if err != nil {
		return err
	}
	c.wbuf = pkt
	if err := c.exchange(pkt); err != nil {
		return fmt.Errorf("link: send %s: %w", f.Code, err)
	}
	c.stats.framesOut.Add(1)
	return nil
}

// Ping sends ENQ and waits for ACK, retrying like a packet: it tells a
// terminal that is idle from one that is gone.
func (c *Conn) Ping() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if err := c.exchange([]byte{ENQ}); err != nil {
		return fmt.Errorf("link: ENQ: %w", err)
	}
	return nil
}

// exchange writes b until the peer ACKs it. The caller holds smu.
func (c *Conn) exchange(b []byte) error {
	timer := time.NewTimer(c.opt.AckTimeout)
	defer timer.Stop()
	for attempt := 0; attempt <= c.opt.Retries; attempt++ {
		if attempt > 0 {
			c.stats.resent.Add(1)
		}
		c.drainAnswers() // a late answer to an earlier attempt says nothing of this one
		if err := c.write(b); err != nil {
			return err
		}
		timer.Reset(c.opt.AckTimeout)
		select {
		case k := <-c.answers:
			if k == Ack {
				return nil
			}
		case <-timer.C:
		case <-c.done:
			return c.err
		}
	}
	return ErrNoAck
}

func (c *Conn) drainAnswers() {
	select {
	case <-c.answers:
	default:
	}
}

func (c *Conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n, err := c.rw.Write(b)
	c.stats.bytesOut.Add(int64(n))
	return err
}

// Close closes the stream and waits for the reader to stop.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closing)
		err = c.rw.Close()
	})
	<-c.done
	return err
}

// String sums the link up for a log line.
func (c *Conn) String() string {
	s := c.Stats()
	return fmt.Sprintf("frames in %d out %d, bytes in %d out %d, resent %d, NAKs sent %d, noise %d B, unparsed %d",
		s.FramesIn, s.FramesOut, s.BytesIn, s.BytesOut, s.Resent, s.NaksSent, s.Noise, s.Unparsed)
}

// Stats returns the counters so far.
func (c *Conn) Stats() Stats {
	s := &c.stats
	return Stats{
		BytesIn: s.bytesIn.Load(), BytesOut: s.bytesOut.Load(),
		FramesIn: s.framesIn.Load(), FramesOut: s.framesOut.Load(),
		Resent: s.resent.Load(), NaksSent: s.naks.Load(),
		Noise: s.noise.Load(), Unparsed: s.unparsed.Load(),
	}
}
