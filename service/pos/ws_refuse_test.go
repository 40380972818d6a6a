package pos

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
)

// wsRefusal dials a handshake that must be refused, sends one frame (which
// must never be handled) and returns the close code and reason.
func wsRefusal(t testing.TB, url string, h http.Header) (int, string) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("a refused handshake must be accepted, then closed: %v (HTTP %d)", err, status)
	}
	defer conn.Close()
	conn.WriteMessage(websocket.TextMessage, []byte(frame(protocol.CodeLastTransaction, "")))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := conn.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("want a close, got message %q, error %v", msg, err)
	}
	return ce.Code, ce.Text
}

// TestWSRefusalNamesTheFix: a page refused for its Origin learns why, in
// the close reason, with the key that would let it in; nothing it sends
// reaches the handler, and it holds no client slot.
func TestWSRefusalNamesTheFix(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{MaxClients: 1}, rec)
	long := "https://" + strings.Repeat("한", 80) + ".example"
	for _, tc := range []struct{ origin, want string }{
		{"null", `origin "null" is not allowed: add it to listen.wsOrigins`},
		{"https://shop.example", `origin "https://shop.example" is not allowed: add it to listen.wsOrigins`},
		{long, `origin "https://\ud55c`},
	} {
		code, reason := wsRefusal(t, wsURL(s), http.Header{"Origin": {tc.origin}})
		if code != CloseForbidden || !strings.HasPrefix(reason, tc.want) || len(reason) > 123 {
			t.Errorf("Origin %.20q: closed %d %q, want %d %q", tc.origin, code, reason, CloseForbidden, tc.want)
		}
	}
	if !strings.HasSuffix(mustRefusal(t, s, long), "listen.wsOrigins") {
		t.Error("a long origin must still name listen.wsOrigins")
	}
	if n := len(rec.got()); n != 0 {
		t.Fatalf("the handler got %d frames from refused pages", n)
	}
	conn := dialWS(t, s, http.Header{"Origin": {"http://localhost:3000"}}) // the one slot is free
	want := frame(protocol.CodeConfirm, "")
	conn.WriteMessage(websocket.TextMessage, []byte(want))
	if got := wsRead(t, conn).String(); got != want {
		t.Fatalf("echo = %q", got)
	}
}

func mustRefusal(t *testing.T, s *Server, origin string) string {
	_, reason := wsRefusal(t, wsURL(s), http.Header{"Origin": {origin}})
	return reason
}

// TestWSRefusalForToken: a remote page without the token is closed with
// 4401, and the reason says how to send it (never the token itself).
func TestWSRefusalForToken(t *testing.T) {
	rec := newRecorder(t)
	s, _ := start(t, Config{Token: "0123456789abcdef"}, rec, func(s *Server) { s.policy.Trusted = untrusted })
	code, reason := wsRefusal(t, wsURL(s), nil)
	if code != CloseUnauthorized || !strings.Contains(reason, "auth.token") || !strings.Contains(reason, "?token=") {
		t.Fatalf("closed %d %q", code, reason)
	}
	if n := len(rec.got()); n != 0 {
		t.Fatalf("the handler got %d frames", n)
	}
}

// A plain HTTP request (no upgrade) is still answered with the status.
func TestWSRefusalPlainHTTP(t *testing.T) {
	s, _ := start(t, Config{}, newRecorder(t))
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.WSAddr().String()+WSPath, nil)
	req.Header.Set("Origin", "null")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("HTTP %d, want 403", resp.StatusCode)
	}
}
