package scenario

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// historyKeep is how many frames of each connection a failure shows.
const historyKeep = 8

// conn is one named POS connection and the frames it has seen. A reader
// goroutine receives frames into in, so a step can wait with a deadline.
type conn struct {
	name, transport string
	c               *posclient.Conn
	in              chan protocol.Frame // closed when the connection ends
	poke            chan<- struct{}     // the run's "something arrived"
	done            chan struct{}       // the reader has stopped

	mu      sync.Mutex
	history []string
	err     error
	last    protocol.Frame   // the last frame a step consumed
	held    []protocol.Frame // frames await set aside, for the steps after
}

func dial(ctx context.Context, name, transport string, ep Endpoints, poke chan<- struct{}) (*conn, error) {
	var (
		c   *posclient.Conn
		err error
	)
	switch {
	case transport == "ws" && ep.WS == "":
		return nil, fmt.Errorf("connection %s: no WebSocket address (--ws)", name)
	case transport == "ws":
		c, err = posclient.DialWS(ctx, ep.WS, nil)
	case ep.TCP == "":
		return nil, fmt.Errorf("connection %s: no TCP address (--addr)", name)
	default:
		c, err = posclient.Dial(ctx, ep.TCP)
	}
	if err != nil {
		return nil, fmt.Errorf("connection %s (%s): %w", name, transport, err)
	}
	k := &conn{name: name, transport: transport, c: c, in: make(chan protocol.Frame, 64), poke: poke, done: make(chan struct{})}
	go k.read()
	return k, nil
}

func (k *conn) read() {
	defer close(k.done)
	defer close(k.in)
	for {
		f, err := k.c.Receive(time.Time{})
		if err != nil {
			k.mu.Lock()
			k.err = err
			k.mu.Unlock()
			k.note("(closed)")
			return
		}
		k.note("< " + f.String())
		k.in <- f
		select {
		case k.poke <- struct{}{}:
		default:
		}
	}
}

func (k *conn) note(s string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.history = append(k.history, s)
	if len(k.history) > historyKeep {
		k.history = k.history[len(k.history)-historyKeep:]
	}
}

func (k *conn) frames() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.history...)
}

func (k *conn) send(f protocol.Frame) error {
	k.note("> " + f.String())
	return k.c.Send(f)
}

func (k *conn) sendRaw(b []byte) error {
	k.note(fmt.Sprintf("> (raw) %q", b))
	return k.c.SendRaw(b)
}

// next waits until a frame comes or the timer fires; ok is false on a
// timeout, closed true when the connection ended.
func (k *conn) next(wait <-chan time.Time) (f protocol.Frame, ok, closed bool) {
	k.mu.Lock()
	if len(k.held) > 0 {
		f, k.held = k.held[0], k.held[1:]
		k.last = f
		k.mu.Unlock()
		return f, true, false
	}
	k.mu.Unlock()
	select {
	case f, open := <-k.in:
		if !open {
			return f, false, true
		}
		k.mu.Lock()
		k.last = f
		k.mu.Unlock()
		return f, true, false
	case <-wait:
		return f, false, false
	}
}

func (k *conn) close() {
	k.c.Close()
	<-k.done
}

// answer waits for the next frame with code, holding any other for later.
func (k *conn) answer(code protocol.Code, deadline time.Time) (protocol.Frame, string) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		select {
		case f, open := <-k.in:
			if !open {
				return f, "the connection closed"
			}
			if f.Code == code {
				return f, ""
			}
			k.mu.Lock()
			k.held = append(k.held, f)
			k.mu.Unlock()
		case <-t.C:
			return protocol.Frame{}, "no answer to " + string(code)
		}
	}
}
