package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/protocol"
)

// The tests drive a real emulated terminal in manual mode, with no delays:
// they play the daemon over an in-process link (Dial + protocol.Conn) and a
// person through the panel's HTTP API.

// patience bounds every wait for something that should happen at once; it
// is a deadline, never a pause.
const patience = 5 * time.Second

const creditBody = `{"priceAmt":60000,"taxAmt":5455,"tipAmt":0,"taxFreeAmt":0,"installment":0,"ptxid":"p1"}`

type rig struct {
	t     *testing.T
	term  *emulator.Terminal
	panel *Panel
	srv   *httptest.Server
	conn  *protocol.Conn      // the daemon's end of the link
	in    chan protocol.Frame // frames from the terminal; closed when the link ends
}

// newRig starts a manual terminal, its panel behind an httptest.Server
// (made by serve, or a plain one), and dials the terminal.
func newRig(t *testing.T, journal func() any, serve func(http.Handler) *httptest.Server) *rig {
	t.Helper()
	term := emulator.New(emulator.Config{Manual: true}, zaptest.NewLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := term.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })

	p := New(term, journal, zaptest.NewLogger(t))
	if serve == nil {
		serve = httptest.NewServer
	}
	srv := serve(p)
	t.Cleanup(func() {
		srv.Close()
		waitStreams(t, p)
	})
	r := &rig{t: t, term: term, panel: p, srv: srv}
	r.dial()
	return r
}

// waitStreams fails the test if an event stream outlives its client.
func waitStreams(t *testing.T, p *Panel) {
	t.Helper()
	ended := make(chan struct{})
	go func() { p.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(patience):
		t.Error("an /api/events handler is still running")
	}
}

func (r *rig) dial() {
	r.t.Helper()
	c, err := r.term.Dial(context.Background())
	if err != nil {
		r.t.Fatalf("Dial: %v", err)
	}
	conn := protocol.NewConn(c)
	in := make(chan protocol.Frame, 64)
	go func() {
		defer close(in)
		for {
			f, err := conn.ReadFrame()
			if err != nil {
				return
			}
			in <- f
		}
	}()
	r.t.Cleanup(func() { conn.Close() })
	r.conn, r.in = conn, in
}

// next returns the next frame from the terminal.
func (r *rig) next() protocol.Frame {
	r.t.Helper()
	select {
	case f, ok := <-r.in:
		if !ok {
			r.t.Fatal("the link ended")
		}
		return f
	case <-time.After(patience):
		r.t.Fatal("no frame from the terminal")
	}
	panic("unreachable")
}

// phase waits for the terminal to report phase for p1.
func (r *rig) phase(want string) {
	r.t.Helper()
	f := r.next()
	var rep protocol.DevPhaseReport
	if f.Code != protocol.DevPhase || json.Unmarshal(f.Body, &rep) != nil || rep.Phase != want || rep.Ptxid != "p1" {
		r.t.Fatalf("got %s %s, want phase %s of p1", f.Code, f.Body, want)
	}
}

// final waits for the final answer to p1 and returns its result code.
func (r *rig) final() string {
	r.t.Helper()
	f := r.next()
	var h protocol.ResultHeader
	if f.Code != protocol.CodeCreditApproval || json.Unmarshal(f.Body, &h) != nil {
		r.t.Fatalf("got %s %s, want the final answer", f.Code, f.Body)
	}
	return h.ResultCode
}

// start begins a 60,000 won credit approval (it needs a signature) and
// waits until the terminal reads.
func (r *rig) start() {
	r.t.Helper()
	if err := r.conn.WriteFrame(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(creditBody)}); err != nil {
		r.t.Fatalf("send: %v", err)
	}
	r.phase(protocol.PhaseReading)
}

// do makes one request; origin "" sends no Origin header.
func (r *rig) do(method, path, origin string) (int, http.Header, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// post expects status from POST path and, for 409, an error text.
func (r *rig) post(path string, status int) {
	r.t.Helper()
	got, _, body := r.do(http.MethodPost, path, "")
	if got != status {
		r.t.Fatalf("POST %s: %d %s, want %d", path, got, body, status)
	}
	switch status {
	case http.StatusOK:
		if strings.TrimSpace(string(body)) != `{"ok":true}` {
			r.t.Errorf("POST %s answered %s", path, body)
		}
	case http.StatusConflict:
		var e apiError
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			r.t.Errorf("POST %s: 409 without an error text: %s", path, body)
		}
	}
}

func (r *rig) state() State {
	r.t.Helper()
	status, h, body := r.do(http.MethodGet, "/api/state", "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		r.t.Fatalf("GET /api/state: %d %s %s", status, h.Get("Content-Type"), body)
	}
	var s State
	if err := json.Unmarshal(body, &s); err != nil {
		r.t.Fatalf("state %s: %v", body, err)
	}
	return s
}

// events opens /api/events.
func (r *rig) events() *websocket.Conn {
	r.t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+"/api/events", nil)
	if err != nil {
		r.t.Fatalf("dial events: %v (%v)", err, resp)
	}
	r.t.Cleanup(func() { ws.Close() })
	return ws
}

// until reads states from the stream until one satisfies ok.
func until(t *testing.T, ws *websocket.Conn, what string, ok func(State) bool) State {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(patience))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		var s State
		if err := json.Unmarshal(msg, &s); err != nil {
			t.Fatalf("event %s: %v", msg, err)
		}
		if ok(s) {
			return s
		}
	}
}

// TestCustomerActions walks a signed credit approval through the panel:
// each action works only when the terminal waits for it.
func TestCustomerActions(t *testing.T) {
	r := newRig(t, nil, nil)
	r.post("/api/card/remove", http.StatusConflict) // idle: nothing to remove
	r.start()

	s := r.state()
	want := Screen{Phase: protocol.PhaseReading, Code: "010010", Ptxid: "p1", Amount: 60000, Message: s.Screen.Message}
	if s.Screen != want || s.Screen.Message == "" || !s.Plugged {
		t.Fatalf("state while reading: %+v", s)
	}

	r.post("/api/sign", http.StatusConflict) // no signature asked for yet
	r.post("/api/card", http.StatusOK)
	r.phase(protocol.PhaseSigning)
	if s := r.state(); s.Screen.Phase != protocol.PhaseSigning || s.Screen.Ptxid != "p1" {
		t.Fatalf("after inserting the card: %+v", s.Screen)
	}
	r.post("/api/card", http.StatusConflict) // the card is in already

	r.post("/api/sign", http.StatusOK)
	r.phase(protocol.PhaseAuthorizing)
	if got := r.final(); got != protocol.ResultOK {
		t.Fatalf("final answer %s, want %s", got, protocol.ResultOK)
	}
	if s := r.state(); s.Screen.Phase != "" {
		t.Errorf("after the answer the screen is %+v, want idle", s.Screen)
	}
	r.post("/api/sign", http.StatusConflict)
}

// TestRemoveCard: pulling the card while reading ends the transaction
// with 9999, and the screen goes idle.
func TestRemoveCard(t *testing.T) {
	r := newRig(t, nil, nil)
	r.start()
	r.post("/api/card/remove", http.StatusOK)
	if got := r.final(); got != protocol.ResultFailed {
		t.Fatalf("final answer %s, want %s", got, protocol.ResultFailed)
	}
	if s := r.state(); s.Screen.Phase != "" {
		t.Errorf("screen %+v, want idle", s.Screen)
	}
	r.post("/api/card/remove", http.StatusConflict)
}

// TestUnplugPlug: unplugging cuts the daemon's link and refuses new ones;
// the state says so; plugging back lets the daemon dial again.
func TestUnplugPlug(t *testing.T) {
	r := newRig(t, nil, nil)
	r.start()
	r.post("/api/unplug", http.StatusOK)
	deadline := time.After(patience)
	for open := true; open; {
		select {
		case f, ok := <-r.in:
			if ok && f.Code != protocol.DevPhase {
				t.Fatalf("got %s %s while waiting for the link to end", f.Code, f.Body)
			}
			open = ok
		case <-deadline:
			t.Fatal("the link survived the unplug")
		}
	}
	if s := r.state(); s.Plugged {
		t.Errorf("state after unplug says plugged: %+v", s)
	}
	if _, err := r.term.Dial(context.Background()); !errors.Is(err, emulator.ErrUnplugged) {
		t.Fatalf("Dial while unplugged: %v, want ErrUnplugged", err)
	}
	r.post("/api/unplug", http.StatusOK) // idempotent

	r.post("/api/plug", http.StatusOK)
	if s := r.state(); !s.Plugged {
		t.Errorf("state after plug says unplugged: %+v", s)
	}
	r.dial()
	if err := r.conn.WriteFrame(protocol.Frame{Code: protocol.DevStatus}); err != nil {
		t.Fatalf("status after plugging back: %v", err)
	}
	if f := r.next(); f.Code != protocol.DevStatus {
		t.Fatalf("status after plugging back answered %s %s", f.Code, f.Body)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	r := newRig(t, nil, nil)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/card", http.StatusMethodNotAllowed, "POST"},
		{http.MethodGet, "/api/unplug", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/api/plug", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/api/state", http.StatusMethodNotAllowed, "GET"},
		{http.MethodDelete, "/", http.StatusMethodNotAllowed, "GET"},
		{http.MethodGet, "/api/nope", http.StatusNotFound, ""},
		{http.MethodPost, "/api/card/remove/now", http.StatusNotFound, ""},
		{http.MethodGet, "/index.html", http.StatusNotFound, ""},
		{http.MethodGet, "/api/journal", http.StatusNotFound, ""}, // no journal attached
		{http.MethodHead, "/api/state", http.StatusOK, ""},
	} {
		status, h, body := r.do(tc.method, tc.path, "")
		if status != tc.status || h.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q %s, want %d Allow %q", tc.method, tc.path, status, h.Get("Allow"), body, tc.status, tc.allow)
		}
		if tc.status != http.StatusOK {
			var e apiError
			if json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("%s %s: error body %q", tc.method, tc.path, body)
			}
		}
	}
	if s := r.state(); !s.Plugged {
		t.Error("GET /api/unplug unplugged the terminal")
	}
}

// TestEvents: the stream sends the state on connect and each change.
func TestEvents(t *testing.T) {
	r := newRig(t, nil, nil)
	ws := r.events()
	until(t, ws, "the first state", func(s State) bool { return s.Plugged && s.Screen.Phase == "" })

	r.start()
	s := until(t, ws, "reading", func(s State) bool { return s.Screen.Phase == protocol.PhaseReading })
	if s.Screen.Ptxid != "p1" || s.Screen.Amount != 60000 {
		t.Errorf("event while reading: %+v", s.Screen)
	}
	r.post("/api/card", http.StatusOK)
	until(t, ws, "signing", func(s State) bool { return s.Screen.Phase == protocol.PhaseSigning })
	r.post("/api/unplug", http.StatusOK)
	until(t, ws, "unplugged and idle", func(s State) bool { return !s.Plugged && s.Screen.Phase == "" })

	if err := r.term.Printer().Print(&protocol.PrintRequest{Commands: []protocol.PrintCommand{
		{Command: protocol.PrintLeft, Message: []string{"감사합니다"}},
	}}); err != nil {
		t.Fatal(err)
	}
	s = until(t, ws, "a receipt", func(s State) bool { return s.Printed == 1 })
	if len(s.Receipts) != 1 || !strings.Contains(s.Receipts[0].Text, "감사합니다") {
		t.Errorf("receipts %+v", s.Receipts)
	}
}

// TestEventsUnchanged: nothing is sent while nothing changes.
func TestEventsUnchanged(t *testing.T) {
	r := newRig(t, nil, nil)
	ws := r.events()
	until(t, ws, "the first state", func(State) bool { return true })
	// Several polls pass in this window; an unchanged state must not be
	// sent again.
	ws.SetReadDeadline(time.Now().Add(5 * pollEvery))
	if _, msg, err := ws.ReadMessage(); err == nil {
		t.Fatalf("sent an unchanged state: %s", msg)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("stream ended: %v", err)
	}
}

// TestEventsEndWithClient: the handler goroutine ends when the browser
// goes away.
func TestEventsEndWithClient(t *testing.T) {
	r := newRig(t, nil, nil)
	ws := r.events()
	until(t, ws, "the first state", func(State) bool { return true })
	ws.Close()
	waitStreams(t, r.panel)
}

// TestEventsEndWithServer: a stream ends, with a going-away close, when
// its request context ends (the server's BaseContext is cancelled).
func TestEventsEndWithServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRig(t, nil, func(h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
		srv.Start()
		return srv
	})
	ws := r.events()
	until(t, ws, "the first state", func(State) bool { return true })
	cancel()
	ws.SetReadDeadline(time.Now().Add(patience))
	_, _, err := ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after the server's context ended: %v, want a going-away close", err)
	}
	waitStreams(t, r.panel)
}

func TestPage(t *testing.T) {
	r := newRig(t, nil, nil)
	status, h, body := r.do(http.MethodGet, "/", "")
	if status != http.StatusOK || h.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", status, h.Get("Content-Type"))
	}
	page := string(body)
	for _, want := range []string{"<!doctype html>", `<meta charset="utf-8">`, "api/events", "api/state", "api/journal", "api/card/remove", "api/unplug", "원"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, external := range []string{"<script src", "<link ", "http://", "https://"} {
		if strings.Contains(page, external) {
			t.Errorf("the page loads something from outside: %q", external)
		}
	}
}

// TestPOSPage: the example POS page is served, counts bytes with
// TextEncoder, confirms with 980001 and loads nothing from outside.
func TestPOSPage(t *testing.T) {
	r := newRig(t, nil, nil)
	status, h, body := r.do(http.MethodGet, "/pos", "")
	if status != http.StatusOK || h.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /pos: %d %q", status, h.Get("Content-Type"))
	}
	page := string(body)
	for _, want := range []string{"<!doctype html>", "new TextEncoder()", `request("980001")`, `"010010"`, `"010020"`, `"555555"`, `"0010"`, "api/pos"} {
		if !strings.Contains(page, want) {
			t.Errorf("the POS page lacks %q", want)
		}
	}
	for _, external := range []string{"<script src", "<link ", "http://", "https://"} {
		if strings.Contains(page, external) {
			t.Errorf("the POS page loads something from outside: %q", external)
		}
	}
	if status, _, body := r.do(http.MethodGet, "/api/pos", ""); status != http.StatusNotFound || !strings.Contains(string(body), "listen.ws") {
		t.Errorf("/api/pos without a WebSocket: %d %s", status, body)
	}
	r.panel.SetPOSWebSocket("ws://127.0.0.1:9932/ws")
	if status, _, body := r.do(http.MethodGet, "/api/pos", ""); status != http.StatusOK || string(body) != `{"ws":"ws://127.0.0.1:9932/ws"}`+"\n" {
		t.Errorf("/api/pos: %d %s", status, body)
	}
}

func TestJournal(t *testing.T) {
	var mu sync.Mutex
	rows := []map[string]any{{"ptxid": "p0", "status": "approved", "cardNo": "5409-****-****-1234"}}
	r := newRig(t, func() any {
		mu.Lock()
		defer mu.Unlock()
		return rows
	}, nil)
	status, h, body := r.do(http.MethodGet, "/api/journal", "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/journal: %d %s", status, body)
	}
	var got []map[string]any
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || got[0]["ptxid"] != "p0" || got[0]["cardNo"] != "5409-****-****-1234" {
		t.Fatalf("journal %s (%v)", body, err)
	}

	mu.Lock()
	rows = append(rows, map[string]any{"ptxid": "p1"})
	mu.Unlock()
	_, _, body = r.do(http.MethodGet, "/api/journal", "")
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 2 {
		t.Fatalf("journal is not read afresh: %s", body)
	}
}

// TestReceipts: the state carries the latest MaxReceipts receipts, oldest
// first, and the count of all.
func TestReceipts(t *testing.T) {
	r := newRig(t, nil, nil)
	const n = MaxReceipts + 5
	for i := range n {
		req := &protocol.PrintRequest{Alert: i == n-1, Commands: []protocol.PrintCommand{
			{Command: protocol.PrintLeft, Message: []string{fmt.Sprintf("영수증 %d", i)}},
		}}
		if err := r.term.Printer().Print(req); err != nil {
			t.Fatal(err)
		}
	}
	s := r.state()
	if s.Printed != n || len(s.Receipts) != MaxReceipts {
		t.Fatalf("printed %d, %d receipts; want %d, %d", s.Printed, len(s.Receipts), n, MaxReceipts)
	}
	first, last := s.Receipts[0], s.Receipts[MaxReceipts-1]
	if !strings.Contains(first.Text, "영수증 5\n") || !strings.Contains(last.Text, fmt.Sprintf("영수증 %d\n", n-1)) {
		t.Errorf("receipts run %q … %q", first.Text, last.Text)
	}
	if first.Alert || !last.Alert || last.At.IsZero() {
		t.Errorf("alert/time not carried: first %+v, last %+v", first, last)
	}
}

func TestNoNewStreamOnceClosing(t *testing.T) {
	term := emulator.New(emulator.Config{}, zaptest.NewLogger(t))
	p := New(term, nil, zaptest.NewLogger(t))
	p.Wait()
	srv := httptest.NewServer(p)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a stream after Wait: %s", resp.Status)
	}
}
