package device

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
)

// pipes hands the driver one end of a fresh pipe each time it opens the
// link; the test holds the terminal's end.
type pipes struct {
	ch    chan net.Conn
	opens int
	mu    sync.Mutex
}

func (p *pipes) open(ctx context.Context) (FrameConn, error) {
	p.mu.Lock()
	p.opens++
	p.mu.Unlock()
	select {
	case c := <-p.ch:
		return protocol.NewConn(c), nil
	default:
		return nil, errors.New("no such port") // like a serial port that is not there
	}
}

func (p *pipes) plug() *protocol.Conn {
	a, b := net.Pipe()
	p.ch <- a
	return protocol.NewConn(b)
}

func next(t *testing.T, d *Driver) Event {
	t.Helper()
	synctest.Wait()
	select {
	case ev := <-d.Events():
		return ev
	default:
		t.Fatal("no event")
		return Event{}
	}
}

// startDriver starts a driver whose terminal is plugged in.
func startDriver(t *testing.T) (*Driver, *pipes, *protocol.Conn) {
	p := &pipes{ch: make(chan net.Conn, 1)}
	term := p.plug()
	t.Cleanup(func() { term.Close() })
	d := NewDriver(p.open, zaptest.NewLogger(t), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, p, term
}

func (p *pipes) attempts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opens
}

func TestDriverCarriesFramesBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, _, term := startDriver(t)
		if ev := next(t, d); ev.Kind != EventUp {
			t.Fatalf("first event %v, want up", ev.Kind)
		}
		go func() {
			f, _ := term.ReadFrame()
			term.WriteFrame(protocol.Frame{Code: f.Code, Body: []byte(`{"echo":true}`)})
		}()
		if err := d.Send(context.Background(), protocol.Frame{Code: protocol.DevStatus}); err != nil {
			t.Fatal(err)
		}
		ev := next(t, d)
		if ev.Kind != EventFrame || ev.Frame.Code != protocol.DevStatus || string(ev.Frame.Body) != `{"echo":true}` {
			t.Fatalf("got %v %s %s", ev.Kind, ev.Frame.Code, ev.Frame.Body)
		}
	})
}

func TestDriverReportsDownAndReopensWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, p, term := startDriver(t)
		next(t, d) // up
		before := p.attempts()
		term.Close()
		if ev := next(t, d); ev.Kind != EventDown || !errors.Is(ev.Err, ErrUnavailable) {
			t.Fatalf("got %v %v, want down", ev.Kind, ev.Err)
		}
		if err := d.Send(context.Background(), protocol.Frame{Code: protocol.DevStatus}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("send while down: %v", err)
		}
		// The port stays missing: the driver keeps trying, ever slower.
		// Backoff 0.2, 0.4, 0.8, 1.6, 3.2 s then every 5 s: 10 tries in 30 s.
		time.Sleep(30 * time.Second)
		if tries := p.attempts() - before; tries < 8 || tries > 11 {
			t.Fatalf("%d open attempts in 30 s, want about 10", tries)
		}
		term = p.plug()
		defer term.Close()
		time.Sleep(6 * time.Second)
		if ev := next(t, d); ev.Kind != EventUp {
			t.Fatalf("got %v, want up again", ev.Kind)
		}
	})
}

func TestDriverDropsNothingQueuedAcrossSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, p, term := startDriver(t)
		next(t, d)
		term.Close()
		next(t, d) // down
		// A frame sent while down fails at once rather than reaching the
		// next terminal session, where it would be stale.
		if err := d.Send(context.Background(), protocol.Frame{Code: protocol.CodeCreditApproval}); err == nil {
			t.Fatal("send while down succeeded")
		}
		term = p.plug()
		defer term.Close()
		time.Sleep(6 * time.Second)
		next(t, d) // up
		got := make(chan protocol.Frame, 1)
		go func() { f, _ := term.ReadFrame(); got <- f }()
		d.Send(context.Background(), protocol.Frame{Code: protocol.DevStatus})
		synctest.Wait()
		if f := <-got; f.Code != protocol.DevStatus {
			t.Fatalf("terminal got %s first, want the fresh frame", f.Code)
		}
	})
}

// A terminal that stops reading leaves the writer blocked in the conn,
// where no context reaches it: stopping the driver must still end the
// session (it closes the conn) instead of waiting forever.
func TestStopEndsASessionBlockedOnATerminalThatDoesNotRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pipes{ch: make(chan net.Conn, 1)}
		term := p.plug() // never read: a write to it blocks
		defer term.Close()
		d := NewDriver(p.open, zaptest.NewLogger(t), Options{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		if ev := next(t, d); ev.Kind != EventUp {
			t.Fatalf("first event %v, want up", ev.Kind)
		}
		if err := d.Send(context.Background(), protocol.Frame{Code: protocol.DevStatus}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the writer is now blocked in the pipe
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("the driver did not stop: its session waits for a writer blocked in the conn")
		}
	})
}
