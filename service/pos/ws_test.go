package pos

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
)

func TestWSRoundTrip(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	conn := dialWS(t, s, nil)
	for _, mt := range []int{websocket.TextMessage, websocket.BinaryMessage} {
		want := frame(protocol.CodeCreditApproval, `{"priceAmt":1000,"ptxid":"한글-1"}`)
		if err := conn.WriteMessage(mt, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if got := wsRead(t, conn).String(); got != want {
			t.Fatalf("echo = %q, want %q", got, want)
		}
	}
	if n := len(rec.got()); n != 2 {
		t.Fatalf("handler got %d frames, want 2", n)
	}
}

func TestWSBadMessageKeepsConnection(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	conn := dialWS(t, s, nil)
	for _, bad := range []string{"hello", "0006990001extra", "0020990001{}", "0006"} {
		conn.WriteMessage(websocket.TextMessage, []byte(bad))
		f := wsRead(t, conn)
		if r := result(t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultInvalid {
			t.Fatalf("%q answered %s %+v, want 000000 9002", bad, f.Code, r)
		}
	}
	want := frame(protocol.CodeConfirm, "")
	conn.WriteMessage(websocket.TextMessage, []byte(want))
	if got := wsRead(t, conn).String(); got != want {
		t.Fatalf("echo = %q", got)
	}
	if len(rec.got()) != 1 {
		t.Fatalf("handler got %v", rec.got())
	}
}

func TestWSTooBigMessage(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	conn := dialWS(t, s, nil)
	conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("9", protocol.MaxFrame+1)))
	f := wsRead(t, conn)
	if r := result(t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultInvalid {
		t.Fatalf("answered %s %+v, want 000000 9002", f.Code, r)
	}
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("after the answer: %v, want close 1009", err)
	}
	waitFor(t, "Closed", func() bool { return rec.closedCount() == 1 })
}

// A message of exactly MaxFrame bytes is within the limit.
func TestWSLargestMessage(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{}, rec)
	conn := dialWS(t, s, nil)
	want := frame(protocol.CodePrint, strings.Repeat("x", protocol.MaxBody))
	conn.WriteMessage(websocket.TextMessage, []byte(want))
	if got := wsRead(t, conn).String(); got != want {
		t.Fatalf("echo of %d bytes differs", len(want))
	}
}

func TestWSStalledMessageTimesOut(t *testing.T) {
	const timeout = 50 * time.Millisecond
	rec := newRecorder(t)
	s, _ := start(t, Config{FrameTimeout: timeout}, rec)
	d := websocket.Dialer{WriteBufferSize: 64}
	conn, _, err := d.Dial(wsURL(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	// More than the write buffer: the first fragment goes out, the final
	// one never does.
	w.Write([]byte(frame(protocol.CodePrint, strings.Repeat("x", 200))))
	sent := time.Now()
	f := wsRead(t, conn)
	if elapsed := time.Since(sent); elapsed < timeout {
		t.Fatalf("answered after %v, before the timeout", elapsed)
	}
	if r := result(t, f); f.Code != protocol.CodeFrameError || r.ResultCode != protocol.ResultInvalid {
		t.Fatalf("answered %s %+v, want 000000 9002", f.Code, r)
	}
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("after the answer: %v, want close 1008", err)
	}
}

func TestWSIdleConnectionSurvives(t *testing.T) {
	const timeout = 50 * time.Millisecond
	rec := newRecorder(t)
	s, _ := start(t, Config{FrameTimeout: timeout}, rec)
	conn := dialWS(t, s, nil)
	// Wait on the raw socket: a timed-out read does not spoil it, whereas
	// gorilla's conn is spent after one. Any byte, close frame or EOF from
	// the server ends the wait early and fails.
	nc := conn.NetConn()
	nc.SetReadDeadline(time.Now().Add(6 * timeout))
	if n, err := nc.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("idle read: %d bytes, %v; want our own timeout", n, err)
	}
	nc.SetReadDeadline(time.Time{})
	want := frame(protocol.CodeConfirm, "")
	conn.WriteMessage(websocket.TextMessage, []byte(want))
	if got := wsRead(t, conn).String(); got != want {
		t.Fatalf("echo after idling = %q", got)
	}
}

func TestWSOrigins(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{WSOrigins: []string{"https://pos.example.com"}}, rec)
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"", http.StatusSwitchingProtocols},
		{"http://localhost", http.StatusSwitchingProtocols},
		{"http://localhost:3000", http.StatusSwitchingProtocols},
		{"https://127.0.0.1:8443", http.StatusSwitchingProtocols},
		{"http://[::1]:8080", http.StatusSwitchingProtocols},
		{"https://pos.example.com", http.StatusSwitchingProtocols},
		{"https://evil.example.com", CloseForbidden},
		{"http://localhost.evil.com", CloseForbidden},
		{"null", CloseForbidden},
		{"https://pos.example.com:444", CloseForbidden},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		if tc.status == CloseForbidden {
			if code, _ := wsRefusal(t, wsURL(s), h); code != CloseForbidden {
				t.Errorf("Origin %q: closed %d, want %d", tc.origin, code, CloseForbidden)
			}
			continue
		}
		if got := wsStatus(t, wsURL(s), h); got != tc.status {
			t.Errorf("Origin %q: HTTP %d, want %d", tc.origin, got, tc.status)
		}
	}
	if len(rec.got()) != 0 {
		t.Fatal("frames from a handshake test")
	}
}

func TestWSOtherPathNotFound(t *testing.T) {
	s, _ := start(t, Config{}, newRecorder(t))
	if got := wsStatus(t, "ws://"+s.WSAddr().String()+"/other", nil); got != http.StatusNotFound {
		t.Fatalf("HTTP %d, want 404", got)
	}
}

func TestWSTokenForRemotePeers(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{Token: "s3cret"}, rec, func(s *Server) { s.policy.Trusted = untrusted })
	bearer := http.Header{"Authorization": {"Bearer s3cret"}}
	wrong := http.Header{"Authorization": {"Bearer nope"}}
	for _, tc := range []struct {
		name   string
		url    string
		h      http.Header
		status int
	}{
		{"none", wsURL(s), nil, CloseUnauthorized},
		{"wrong", wsURL(s), wrong, CloseUnauthorized},
		{"bearer", wsURL(s), bearer, http.StatusSwitchingProtocols},
		{"query", wsURL(s) + "?token=s3cret", nil, http.StatusSwitchingProtocols},
	} {
		if tc.status == CloseUnauthorized {
			if code, _ := wsRefusal(t, tc.url, tc.h); code != CloseUnauthorized {
				t.Errorf("%s: closed %d, want %d", tc.name, code, CloseUnauthorized)
			}
			continue
		}
		if got := wsStatus(t, tc.url, tc.h); got != tc.status {
			t.Errorf("%s: HTTP %d, want %d", tc.name, got, tc.status)
		}
	}
	conn := dialWS(t, s, bearer)
	want := frame(protocol.CodeConfirm, "")
	conn.WriteMessage(websocket.TextMessage, []byte(want))
	if got := wsRead(t, conn).String(); got != want {
		t.Fatalf("echo = %q", got)
	}
}

// TestWSForeignHostRefused: a handshake naming this PC by a name that is
// not a loopback one (a DNS-rebinding page) is refused; with the token it
// is a remote POS and is let in.
func TestWSForeignHostRefused(t *testing.T) {
	s, _ := start(t, Config{Token: "0123456789abcdef"}, newRecorder(t))
	dial := func(host string, h http.Header) int {
		t.Helper()
		d := websocket.Dialer{NetDial: func(network, _ string) (net.Conn, error) { return net.Dial(network, s.WSAddr().String()) }}
		conn, resp, err := d.Dial("ws://"+host+WSPath, h)
		if resp == nil {
			t.Fatalf("dial as %s: %v", host, err)
		}
		if err == nil {
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := conn.ReadMessage(); websocket.IsCloseError(err, CloseForbidden) {
				return CloseForbidden
			}
		}
		return resp.StatusCode
	}
	if got := dial("evil.example:9932", nil); got != CloseForbidden {
		t.Errorf("Host evil.example: %d, want close %d", got, CloseForbidden)
	}
	if got := dial("localhost:9932", nil); got != http.StatusSwitchingProtocols {
		t.Errorf("Host localhost: HTTP %d, want 101", got)
	}
	if got := dial("pos-pc.lan:9932", http.Header{"Authorization": {"Bearer 0123456789abcdef"}}); got != http.StatusSwitchingProtocols {
		t.Errorf("Host pos-pc.lan with the token: HTTP %d, want 101", got)
	}
}
