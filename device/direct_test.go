package device

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime/debug"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
)

// writerConn notes, for each frame written, whether Send itself wrote it.
type writerConn struct {
	FrameConn
	mu      sync.Mutex
	bySend  []bool
	failing bool
}

func (c *writerConn) WriteFrame(f protocol.Frame) error {
	c.mu.Lock()
	c.bySend = append(c.bySend, bytes.Contains(debug.Stack(), []byte("(*Driver).Send")))
	failing := c.failing
	c.mu.Unlock()
	if failing {
		return errors.New("broken pipe")
	}
	return c.FrameConn.WriteFrame(f)
}

func (c *writerConn) writers() []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bool(nil), c.bySend...)
}

// startDirect starts a driver with opt over one pipe session and returns
// the link it wrote to and the terminal's end.
func startDirect(t *testing.T, opt Options) (*Driver, *writerConn, *protocol.Conn) {
	a, b := net.Pipe()
	link := &writerConn{FrameConn: protocol.NewConn(a)}
	term := protocol.NewConn(b)
	t.Cleanup(func() { term.Close() })
	opened := false
	open := func(context.Context) (FrameConn, error) {
		if opened {
			return nil, errors.New("no such port")
		}
		opened = true
		return link, nil
	}
	d := NewDriver(open, zaptest.NewLogger(t), opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, link, term
}

// With DirectWrite, Send writes the frames itself, in order; without it,
// the writer goroutine does.
func TestDirectWriteIsDoneBySend(t *testing.T) {
	for _, direct := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			d, link, term := startDirect(t, Options{DirectWrite: direct})
			next(t, d) // up
			got := make(chan protocol.Code, 3)
			go func() {
				for range 3 {
					f, err := term.ReadFrame()
					if err != nil {
						return
					}
					got <- f.Code
				}
			}()
			codes := []protocol.Code{protocol.CodeCreditApproval, protocol.DevCancel, protocol.DevStatus}
			for _, c := range codes {
				if err := d.Send(context.Background(), protocol.Frame{Code: c}); err != nil {
					t.Fatal(err)
				}
			}
			for _, want := range codes {
				if c := <-got; c != want {
					t.Fatalf("terminal got %s, want %s", c, want)
				}
			}
			for i, bySend := range link.writers() {
				if bySend != direct {
					t.Fatalf("DirectWrite %v: frame %d written by Send: %v", direct, i, bySend)
				}
			}
		})
	}
}

// A direct write that fails is reported to the caller as the terminal
// being unavailable, and the link is reported down.
func TestDirectWriteFailureBringsTheLinkDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, link, _ := startDirect(t, Options{DirectWrite: true})
		next(t, d) // up
		link.mu.Lock()
		link.failing = true
		link.mu.Unlock()
		if err := d.Send(context.Background(), protocol.Frame{Code: protocol.CodeCreditApproval}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("send on a broken link: %v, want ErrUnavailable", err)
		}
		if ev := next(t, d); ev.Kind != EventDown {
			t.Fatalf("got %v, want down", ev.Kind)
		}
	})
}

// A terminal that stops reading must not hold the caller of a direct Send
// (the engine's loop, which then answers no POS and cannot shut down, not
// even at once: its context never reaches the write). The queued path
// refuses at once when its queue is full; the direct path gives the
// terminal one heartbeat, then takes the link down, which ends the write.
func TestDirectWriteToATerminalThatStopsReadingEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const beat = time.Second
		d, _, _ := startDirect(t, Options{DirectWrite: true, Heartbeat: beat})
		next(t, d) // up
		sent := make(chan error, 1)
		go func() { // net.Pipe: the terminal's end is never read
			sent <- d.Send(context.Background(), protocol.Frame{Code: protocol.CodeCreditApproval})
		}()
		select {
		case err := <-sent:
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("send to a terminal that does not read: %v, want ErrUnavailable", err)
			}
		case <-time.After(10 * beat):
			t.Fatal("Send still blocked 10 heartbeats after the terminal stopped reading")
		}
		if ev := next(t, d); ev.Kind != EventDown {
			t.Fatalf("got %v, want down", ev.Kind)
		}
	})
}
