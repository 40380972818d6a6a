package device

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol/link"
)

// enqAnswerer plays a terminal's link layer that only answers ENQ, while
// alive; a dead one (powered off, cable still in) stays silent.
func enqAnswerer(c net.Conn, alive *atomic.Bool) {
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		for _, b := range buf[:n] {
			if b == link.ENQ && alive.Load() {
				c.Write([]byte{link.ACK})
			}
		}
	}
}

func TestHeartbeatTellsADeadTerminalFromAnIdleOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var alive atomic.Bool
		alive.Store(true)
		open := func(ctx context.Context) (FrameConn, error) {
			a, b := net.Pipe()
			go enqAnswerer(b, &alive)
			return link.NewConn(a, link.Options{}), nil
		}
		d := NewDriver(open, zaptest.NewLogger(t), Options{Heartbeat: 3 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		if ev := next(t, d); ev.Kind != EventUp {
			t.Fatalf("got %v, want up", ev.Kind)
		}
		// Idle for a minute, answering every ENQ: the link stays up.
		time.Sleep(time.Minute)
		synctest.Wait()
		select {
		case ev := <-d.Events():
			t.Fatalf("idle terminal reported %v", ev.Kind)
		default:
		}

		alive.Store(false)
		start := time.Now()
		ev := <-d.Events()
		if ev.Kind != EventDown {
			t.Fatalf("got %v, want down", ev.Kind)
		}
		// At most one heartbeat interval, then four unanswered ENQs of 1 s.
		if took := time.Since(start); took > 3*time.Second+4*time.Second {
			t.Fatalf("dead terminal noticed after %v", took)
		}
		// It is reopened and probed; a dead terminal does not come up.
		time.Sleep(30 * time.Second)
		synctest.Wait()
		select {
		case ev := <-d.Events():
			t.Fatalf("dead terminal reported %v", ev.Kind)
		default:
		}
		alive.Store(true)
		if ev := <-d.Events(); ev.Kind != EventUp {
			t.Fatalf("got %v, want up once the terminal answers", ev.Kind)
		}
	})
}
