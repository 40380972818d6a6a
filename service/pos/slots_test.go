package pos

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
)

// holder is the test Handler with a Holder: the clients it is told to hold
// are Busy, as the engine's owner of a running transaction would be.
type holder struct {
	*recorder
	mu   sync.Mutex
	busy map[uint64]bool
}

var _ Holder = (*holder)(nil)

func newHolder(t testing.TB) *holder {
	return &holder{recorder: newRecorder(t), busy: map[uint64]bool{}}
}

func (h *holder) Busy(c *Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.busy[c.ID]
}

// hold marks the client of the latest frame busy.
func (h *holder) hold() {
	c := h.lastClient()
	h.mu.Lock()
	h.busy[c.ID] = true
	h.mu.Unlock()
}

var ping = frame(protocol.CodeConfirm, "")

// evicted reads what a client closed to make room gets: 000000 9001
// 연결 수 초과, then the end of the connection.
func (c *tcpClient) evicted() {
	c.t.Helper()
	f := c.read()
	if r := result(c.t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultBusy || r.ResultMessage != msgTooMany {
		c.t.Fatalf("evicted client got %s %+v, want 000000 9001 %s", f.Code, r, msgTooMany)
	}
	c.expectEOF()
}

// TestSlotsEvictIdleLongest: with every slot taken, a newcomer closes the
// client idle longest — by its latest frame in or out, not by when it
// connected — and the others stay.
func TestSlotsEvictIdleLongest(t *testing.T) {
	s, _ := start(t, Config{MaxClients: 3}, newRecorder(t))
	a, b, c := dialTCP(t, s), dialTCP(t, s), dialTCP(t, s)
	for _, cl := range []*tcpClient{c, a, b} { // c first: c is idle longest
		cl.write(ping)
		cl.read()
	}
	d := dialTCP(t, s)
	d.write(ping)
	if got := d.read().String(); got != ping {
		t.Fatalf("newcomer: %q", got)
	}
	c.evicted()
	for _, cl := range []*tcpClient{a, b} {
		cl.write(ping)
		if got := cl.read().String(); got != ping {
			t.Fatalf("a client that was not idle longest lost its connection: %q", got)
		}
	}
}

// TestSlotsNeverEvictBusy: a client the Handler says is busy (a running
// transaction, a result awaiting confirmation) is never closed; when every
// client is busy the newcomer is refused with 9001, over TCP and WebSocket.
func TestSlotsNeverEvictBusy(t *testing.T) {
	h := newHolder(t)
	s, _ := start(t, Config{MaxClients: 2}, h)
	a := dialTCP(t, s)
	a.write(ping)
	a.read()
	h.hold() // a is idle longest, but busy
	b := dialWS(t, s, nil)
	b.WriteMessage(websocket.TextMessage, []byte(ping))
	wsRead(t, b)

	c := dialTCP(t, s) // takes b's slot
	c.write(ping)
	c.read()
	h.hold()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := b.ReadMessage()
	if f, perr := protocol.Parse(msg); err != nil || perr != nil || result(t, f).ResultMessage != msgTooMany {
		t.Fatalf("evicted WebSocket client got %q %v, want 000000 9001 %s", msg, err, msgTooMany)
	}
	if _, _, err := b.ReadMessage(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("evicted WebSocket client: %v, want a close 1008", err)
	}

	over := dialTCP(t, s)
	f := over.read()
	if r := result(t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultBusy || r.ResultMessage != msgTooMany {
		t.Fatalf("all busy: %s %+v, want 000000 9001 %s", f.Code, r, msgTooMany)
	}
	over.expectEOF()
	if got := wsStatus(t, wsURL(s), nil); got != http.StatusServiceUnavailable {
		t.Fatalf("ws, all busy: HTTP %d, want 503", got)
	}
	for _, cl := range []*tcpClient{a, c} {
		cl.write(ping)
		if got := cl.read().String(); got != ping {
			t.Fatalf("a busy client lost its connection: %q", got)
		}
	}
}

// TestSlots40IdleThenPayment: 40 idle connections on 32 slots; each one
// past the 32nd closes the idle longest; a POS then pays, and the payment
// goes through on its connection.
func TestSlots40IdleThenPayment(t *testing.T) {
	h := newHolder(t)
	s, _ := start(t, Config{}, h)
	idle := make([]*tcpClient, 40)
	for i := range idle {
		idle[i] = dialTCP(t, s)
		if i >= DefaultMaxClients { // the slot taken was idle[i-32]'s
			idle[i-DefaultMaxClients].evicted()
		}
	}
	pos := dialTCP(t, s)
	idle[40-DefaultMaxClients].evicted()
	pay := frame(protocol.CodeCreditApproval, `{"priceAmt":1000,"ptxid":"after-40"}`)
	pos.write(pay)
	if got := pos.read().String(); got != pay {
		t.Fatalf("payment after 40 idle connections: %q", got)
	}
}

// TestSlotsLeakyPOS: a POS that opens a connection per message and never
// closes one keeps being served: 200 connections, one message each.
func TestSlotsLeakyPOS(t *testing.T) {
	s, _ := start(t, Config{}, newRecorder(t))
	for i := range 200 {
		c := dialTCP(t, s)
		msg := frame(protocol.CodeCreditApproval, fmt.Sprintf(`{"priceAmt":1000,"ptxid":"leak-%d"}`, i))
		c.write(msg)
		if got := c.read().String(); got != msg {
			t.Fatalf("message %d: %q", i, got)
		}
	}
	waitFor(t, "the leaked connections to be closed", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.clients) <= DefaultMaxClients
	})
}

// TestWSPortIdleKeepAlives: 200 idle HTTP keep-alive connections on the
// WebSocket port (plain requests, never upgraded) do not keep a POS from
// connecting and paying over WebSocket.
func TestWSPortIdleKeepAlives(t *testing.T) {
	s, _ := start(t, Config{}, newRecorder(t))
	for i := range 200 {
		conn, err := net.Dial("tcp", s.WSAddr().String())
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		resp.Body.Close()
	}
	if n := s.http.Open(); n > DefaultMaxClients+httpSpare {
		t.Fatalf("%d HTTP connections open, limit %d", n, DefaultMaxClients+httpSpare)
	}
	ws := dialWS(t, s, nil)
	pay := frame(protocol.CodeCreditApproval, `{"priceAmt":1000,"ptxid":"ws-after-200"}`)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(pay)); err != nil {
		t.Fatal(err)
	}
	if got := wsRead(t, ws).String(); got != pay {
		t.Fatalf("payment after 200 idle keep-alives: %q", got)
	}
}

// TestEvictedClientStartsNothing: frames that arrive on a connection after
// it was chosen to make room are not handed to the engine, so no payment
// can start on a connection whose answers would all be refused.
func TestEvictedClientStartsNothing(t *testing.T) {
	h := newRecorder(t)
	s, _ := start(t, Config{MaxClients: 1}, h)
	a := dialTCP(t, s)
	a.write(ping)
	a.read()
	c := h.lastClient()
	b := dialTCP(t, s) // takes a's slot
	b.write(ping)
	b.read()
	before := len(h.got())
	if err := c.deliver(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1000,"ptxid":"late"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := h.got(); len(got) != before {
		t.Fatalf("a frame on an evicted connection reached the engine: %v", got[before:])
	}
}
