package pos

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/termd/termd/protocol"
)

func TestTCPTokenForRemotePeers(t *testing.T) {
	remote := func(s *Server) { s.policy.Trusted = untrusted }
	auth := func(tok string) string { return frame(protocol.CodeAuth, `{"token":"`+tok+`"}`) }
	ping := frame(protocol.CodeConfirm, "")

	for _, tc := range []struct{ name, first string }{
		{"no auth frame", ping},
		{"wrong token", auth("nope")},
		{"not JSON", frame(protocol.CodeAuth, "s3cret")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			s, _ := start(t, Config{Token: "s3cret"}, rec, remote)
			c := dialTCP(t, s)
			c.write(tc.first + ping)
			f := c.read()
			if r := result(t, f); f.Code != protocol.CodeAuth || r.ResultCode != protocol.ResultInvalid {
				t.Fatalf("answer %s %+v, want 000001 9002", f.Code, r)
			}
			c.expectEOF()
			c.conn.Close()
			if len(rec.got()) != 0 {
				t.Fatalf("handler got %v from an unauthenticated client", rec.got())
			}
		})
	}

	t.Run("right token", func(t *testing.T) {
		rec := newRecorder(t)
		s, _ := start(t, Config{Token: "s3cret"}, rec, remote)
		c := dialTCP(t, s)
		c.write(auth("s3cret") + ping)
		f := c.read()
		if r := result(t, f); f.Code != protocol.CodeAuth || r.ResultCode != protocol.ResultOK || r.ResultMessage != "인증 완료" {
			t.Fatalf("answer %s %+v, want 000001 0000 인증 완료", f.Code, r)
		}
		if got := c.read().String(); got != ping {
			t.Fatalf("after auth: %q", got)
		}
		// A wrong token later is answered but does not drop the client.
		c.write(auth("nope") + ping)
		if r := result(t, c.read()); r.ResultCode != protocol.ResultInvalid {
			t.Fatalf("second, wrong auth: %+v", r)
		}
		if got := c.read().String(); got != ping {
			t.Fatalf("after a wrong second auth: %q", got)
		}
		if fs := rec.got(); len(fs) != 2 || fs[0].Code != protocol.CodeConfirm {
			t.Fatalf("handler got %v, want the two pings only", fs)
		}
	})

	t.Run("loopback needs no token", func(t *testing.T) {
		rec := newRecorder(t)
		s, _ := start(t, Config{Token: "s3cret"}, rec)
		c := dialTCP(t, s)
		c.write(ping)
		if got := c.read().String(); got != ping {
			t.Fatalf("echo = %q", got)
		}
	})
}

func TestTokenNeverLogged(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	rec := newRecorder(t)
	s, stop := startLog(t, Config{Token: "s3cret-token"}, rec, zap.New(core), func(s *Server) { s.policy.Trusted = untrusted })
	c := dialTCP(t, s)
	c.write(frame(protocol.CodeAuth, `{"token":"s3cret-token"}`) + frame(protocol.CodeAuth, `{"token":"wrong-guess"}`))
	c.read()
	c.read()
	if code, reason := wsRefusal(t, wsURL(s)+"?token=bad-query-token", http.Header{"Authorization": {"Bearer bad-bearer"}}); code != CloseUnauthorized || strings.Contains(reason, "bad-") {
		t.Fatalf("closed %d %q", code, reason)
	}
	c.conn.Close()
	stop()
	sawFrame := false
	for _, e := range logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + toString(v)
		}
		sawFrame = sawFrame || e.Message == logIn
		for _, secret := range []string{"s3cret-token", "wrong-guess", "bad-query-token", "bad-bearer"} {
			if strings.Contains(line, secret) {
				t.Errorf("log line holds a token: %s", line)
			}
		}
	}
	if !sawFrame {
		t.Fatal("no frame was logged at all; the test proves nothing")
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func TestListenRefusesNonLoopbackWithoutToken(t *testing.T) {
	for _, cfg := range []Config{
		{TCP: "0.0.0.0:0"},
		{WS: ":0"},
		{TCP: "127.0.0.1:0", WS: "[::]:0"},
	} {
		_, err := Listen(cfg, newRecorder(t), nil)
		addr := cfg.TCP
		if cfg.WS != "" {
			addr = cfg.WS
		}
		if !errors.Is(err, ErrTokenRequired) || !strings.Contains(err.Error(), addr) {
			t.Errorf("Listen(%+v) = %v, want ErrTokenRequired naming %s", cfg, err, addr)
		}
	}
	// With a token it binds; an already cancelled Serve releases it.
	s, err := Listen(Config{TCP: "0.0.0.0:0", Token: "t"}, newRecorder(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ctx); !errors.Is(err, ErrServing) {
		t.Fatalf("second Serve: %v", err)
	}
}

func TestListenErrorNamesAddress(t *testing.T) {
	s, _ := start(t, Config{}, newRecorder(t))
	taken := s.TCPAddr().String()
	_, err := Listen(Config{WS: taken}, newRecorder(t), nil)
	if err == nil || !strings.Contains(err.Error(), taken) {
		t.Fatalf("Listen on a taken port: %v, want an error naming %s", err, taken)
	}
}

// Shutdown closes every kind of connection — idle, mid-frame, WebSocket —
// calls Closed for each, and leaves no goroutine behind.
func TestServeShutdownLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	rec := newRecorder(t)
	s, stop := start(t, Config{}, rec)
	idle := dialTCP(t, s)
	mid := dialTCP(t, s)
	mid.write("0050010010{")
	ws := dialWS(t, s, nil)
	ws.WriteMessage(websocket.TextMessage, []byte(frame(protocol.CodeConfirm, "")))
	wsRead(t, ws)
	idle.write(frame(protocol.CodeConfirm, ""))
	idle.read()
	waitFor(t, "three clients", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.clients) == 3
	})
	client := rec.lastClient()

	stop() // returns only after Serve did
	if n := rec.closedCount(); n != 3 {
		t.Fatalf("Closed called %d times, want 3", n)
	}
	if err := client.Send(protocol.Frame{Code: protocol.CodeConfirm}); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after shutdown: %v", err)
	}
	idle.expectEOF()
	mid.expectEOF()
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("ws still open")
	}
	idle.conn.Close()
	mid.conn.Close()
	ws.Close()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestFrameLogMasksPersonalNumbers: "frame in" and "frame out" never hold a
// cash receipt's customer number, over TCP or WebSocket.
func TestFrameLogMasksPersonalNumbers(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s, stop := startLog(t, Config{}, newRecorder(t), zap.New(core))
	req := frame(protocol.CodeCashReceipt, `{"priceAmt":1000,"traderType":"1","approvalNumber":"01099998888","ptxid":"r"}`)
	c := dialTCP(t, s)
	c.write(req)
	c.read()
	ws := dialWS(t, s, nil)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		t.Fatal(err)
	}
	wsRead(t, ws)
	c.conn.Close()
	ws.Close()
	stop()
	seen := 0
	for _, e := range logs.All() {
		if e.Message != logIn && e.Message != logOut {
			continue
		}
		seen++
		if body := toString(e.ContextMap()["body"]); strings.Contains(body, "099998") {
			t.Errorf("%s logs %s", e.Message, body)
		}
	}
	if seen != 4 {
		t.Fatalf("%d frame lines, want 4: the test proves nothing", seen)
	}
}
