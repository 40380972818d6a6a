package pos

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/termd/termd/protocol"
)

// An answer sent from outside the reader (the engine's loop answering a
// payment) to an idle TCP client is written by the sender itself: no
// writer goroutine starts, and the frames arrive in order.
func TestOffReaderSendWritesDirectly(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, ""))
	waitFor(t, "the client's first frame", func() bool { return len(rec.got()) == 1 })
	cl := rec.lastClient()
	c.read() // the recorder's own answer
	cl.out.mu.Lock()
	before := cl.out.spawned
	cl.out.mu.Unlock()
	for i := range 3 {
		if err := cl.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: fmt.Appendf(nil, `{"seq":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
		if got := c.read(); string(got.Body) != fmt.Sprintf(`{"seq":%d}`, i) {
			t.Fatalf("frame %d: %s", i, got.Body)
		}
	}
	cl.out.mu.Lock()
	defer cl.out.mu.Unlock()
	if cl.out.spawned != before || cl.out.writing {
		t.Fatalf("writer goroutines started: %d → %d (writing %v); want none", before, cl.out.spawned, cl.out.writing)
	}
}

// When the socket takes a direct write only in part (the client stopped
// reading and its buffers are full), the rest goes to a writer goroutine
// ahead of anything queued after it: the client, reading again, gets every
// byte of every frame in order.
func TestShortDirectWriteIsFinishedInOrder(t *testing.T) {
	rec := newRecorder(t)
	const n = 1200 // 1200 × ~9 KB: more than loopback socket buffers hold
	s, _ := start(t, Config{QueueLen: n + 1}, rec)
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeLastTransaction, ""))
	waitFor(t, "the client's first frame", func() bool { return len(rec.got()) == 1 })
	cl := rec.lastClient()
	c.read()
	body := func(i int) []byte {
		return append(fmt.Appendf(nil, `{"seq":%d,"pad":"`, i), bytes.Repeat([]byte("p"), protocol.MaxBody-40)...)
	}
	sent := make(chan error, 1)
	go func() { // the engine's loop; the client is not reading meanwhile
		for i := range n {
			b := append(body(i), `"}`...)
			if err := cl.Send(protocol.Frame{Code: protocol.CodeLastTransaction, Body: b}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		got := c.read()
		if want := append(body(i), `"}`...); !bytes.Equal(got.Body, want) {
			t.Fatalf("frame %d differs (%d bytes, want %d)", i, len(got.Body), len(want))
		}
	}
	cl.out.mu.Lock()
	defer cl.out.mu.Unlock()
	if cl.out.shortDirect == 0 {
		t.Fatal("no direct write was short: the test did not reach the case it is for")
	}
}
