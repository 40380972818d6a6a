package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
)

// TestServeLine: on a serial line the terminal speaks the link protocol,
// retries a line that cannot be opened with backoff, and answers again
// after the line breaks and comes back.
func TestServeLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		term := New(Config{}, zaptest.NewLogger(t))
		ctx, cancel := context.WithCancel(context.Background())
		lines := make(chan net.Conn)
		var mu sync.Mutex
		var opens []time.Time
		fail := 2
		open := func() (io.ReadWriteCloser, error) {
			mu.Lock()
			opens = append(opens, time.Now())
			failing := fail > 0
			fail--
			mu.Unlock()
			if failing {
				return nil, errors.New("no such port")
			}
			select {
			case c := <-lines:
				return c, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			term.ServeLine(ctx, open)
		}()

		plug := func() *link.Conn {
			t.Helper()
			daemonEnd, termEnd := net.Pipe()
			select {
			case lines <- termEnd:
			case <-time.After(time.Minute):
				t.Fatal("ServeLine did not open the line again")
			}
			return link.NewConn(daemonEnd, link.Options{})
		}
		status := func(c *link.Conn) {
			t.Helper()
			if err := c.WriteFrame(protocol.Frame{Code: protocol.DevStatus}); err != nil {
				t.Fatalf("write over the link: %v", err)
			}
			f, err := c.ReadFrame()
			var a protocol.DevStatusAnswer
			if err != nil || f.Code != protocol.DevStatus || json.Unmarshal(f.Body, &a) != nil || a.ResultCode != protocol.ResultOK {
				t.Fatalf("status over the link: %s %s (%v)", f.Code, f.Body, err)
			}
		}

		c := plug()
		status(c)
		mu.Lock()
		if len(opens) != 3 || opens[1].Sub(opens[0]) != 100*time.Millisecond || opens[2].Sub(opens[1]) != 200*time.Millisecond {
			t.Errorf("opens at %v: want two failures, retried after 100ms then 200ms", opens)
		}
		mu.Unlock()

		c.Close() // the cable is pulled, then plugged back
		c = plug()
		status(c)

		cancel()
		c.Close()
		<-done
	})
}
