package pos

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// Answers from the reader (inside Handler.Frame) and from two senders off
// the reader (the engine's loop, a broadcast) race for one TCP client whose
// socket fills now and then: each source's frames arrive whole, once, and
// in the order that source sent them, while the write side passes between
// direct writes, writer goroutines and the reader.
func TestConcurrentSendersKeepEachOnesOrder(t *testing.T) {
	rec := newRecorder(t) // echoes every frame from inside Frame
	const perSender, echoes, senders = 500, 200, 2
	s, _ := start(t, Config{QueueLen: 4 * (perSender + echoes)}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, `{"s":9,"i":-1}`))
	c.read()
	cl := rec.lastClient()
	pad := strings.Repeat("p", 8000) // the socket fills at times
	body := func(src, i int) []byte { return fmt.Appendf(nil, `{"s":%d,"i":%d,"pad":%q}`, src, i, pad) }

	var wg, sending sync.WaitGroup
	for g := range senders {
		sending.Go(func() {
			for i := range perSender {
				if err := cl.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: body(g, i)}); err != nil {
					t.Errorf("sender %d frame %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Go(func() { // the POS asks meanwhile; the reader answers each
		for i := range echoes {
			c.write(frame(protocol.CodeLastTransaction, string(body(senders, i))))
		}
	})
	next := map[int]int{}
	deadline := time.Now().Add(20 * time.Second)
	for total := 0; total < senders*perSender+echoes; total++ {
		c.conn.SetReadDeadline(deadline)
		f, err := c.r.ReadFrame()
		if err != nil {
			t.Fatalf("after %d frames: %v (expected %v)", total, err, next)
		}
		var m struct{ S, I int }
		if err := json.Unmarshal(f.Body, &m); err != nil {
			t.Fatalf("frame %d is not whole: %v", total, err)
		}
		if m.I != next[m.S] {
			t.Fatalf("source %d: got frame %d, want %d (duplicated, lost or reordered)", m.S, m.I, next[m.S])
		}
		next[m.S]++
	}
	sending.Wait()
	wg.Wait()
}

// A client that closes while a direct write was cut short and a writer is
// finishing it: the writer's write fails, the client is closed once, its
// writers return, and later Sends are refused instead of queued for ever.
func TestClientClosingMidDirectWriteEndsCleanly(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{QueueLen: 2000}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, ""))
	c.read()
	cl := rec.lastClient()
	big := fmt.Appendf(nil, `{"pad":%q}`, strings.Repeat("p", protocol.MaxBody-20))
	for range 1000 { // ~10 MB: the socket takes part, a writer waits with the rest
		if err := cl.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: big}); err != nil {
			t.Fatal(err)
		}
	}
	cl.out.mu.Lock()
	short, writing := cl.out.shortDirect, cl.out.writing
	cl.out.mu.Unlock()
	if short == 0 || !writing {
		t.Fatalf("short direct writes %d, writing %v: the test did not reach the case it is for", short, writing)
	}
	c.conn.(*net.TCPConn).SetLinger(0) // a reset, as a POS that crashes
	c.conn.Close()
	waitFor(t, "the client closed once", func() bool { return rec.closedCount() == 1 })
	done := make(chan struct{})
	go func() { cl.waitWritten(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the client's writers did not return")
	}
	if err := cl.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: []byte(`{}`)}); err == nil {
		t.Fatal("Send to a closed client was accepted")
	}
}
