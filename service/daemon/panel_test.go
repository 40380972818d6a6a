package daemon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
	"github.com/termd/termd/service/config"
)

const testToken = "0123456789abcdef-panel"

// startPanel runs a daemon with the emulator's control panel on a free
// loopback port and returns the panel's host:port.
func startPanel(t *testing.T, token string, log *zap.Logger) (*Daemon, string) {
	t.Helper()
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Emulator.CardDelay, cfg.Emulator.SignDelay, cfg.Emulator.AuthDelay = 0, 0, 0
	cfg.Emulator.Control = "127.0.0.1:0"
	cfg.Auth.Token = token
	d, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return d, d.panelLn.Addr().String()
}

// get sends one request to the panel with the given Host, Origin and
// headers ("" leaves them out) and returns the status.
func get(t *testing.T, method, addr, path, host string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp
}

// TestPanelRefusesForeignHostAndOrigin: on loopback, a request whose Host
// is not a loopback name (DNS rebinding) is refused, GET included, and so
// is one from another site's page; the terminal stays plugged.
func TestPanelRefusesForeignHostAndOrigin(t *testing.T) {
	d, addr := startPanel(t, "", zap.NewNop())
	_, port, _ := net.SplitHostPort(addr)
	for _, path := range []string{"/", "/api/state", "/api/journal"} {
		if r := get(t, http.MethodGet, addr, path, "evil.example:"+port); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with Host evil.example: %d, want 403", path, r.StatusCode)
		}
		if r := get(t, http.MethodGet, addr, path, "localhost:"+port); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s with Host localhost: %d, want 200", path, r.StatusCode)
		}
	}
	for _, origin := range []string{"https://evil.example", "null", "http://localhost.evil.example"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			path := map[string]string{http.MethodGet: "/api/journal", http.MethodPost: "/api/unplug"}[method]
			if r := get(t, method, addr, path, "", "Origin", origin); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s from %s: %d, want 403", method, path, origin, r.StatusCode)
			}
		}
		ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/events", http.Header{"Origin": {origin}})
		if err == nil {
			ws.Close()
			t.Errorf("event stream opened from %s", origin)
		} else if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("event stream from %s: %v, want 403", origin, err)
		}
	}
	if !d.emu.Plugged() {
		t.Fatal("a refused unplug unplugged the terminal")
	}
	local := "http://" + addr
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/events", http.Header{"Origin": {local}})
	if err != nil {
		t.Fatalf("event stream from the panel's own page: %v", err)
	}
	ws.Close()
}

// TestPanelTokenOnEveryRequest: with auth.token set, every request to the
// panel carries it, from loopback too; a page opened with ?token= gets a
// cookie so its own requests carry it; failures are logged and slowed.
func TestPanelTokenOnEveryRequest(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	_, addr := startPanel(t, testToken, zap.New(core))
	for _, path := range []string{"/", "/api/state", "/api/journal"} {
		if r := get(t, http.MethodGet, addr, path, ""); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401", path, r.StatusCode)
		}
	}
	if r := get(t, http.MethodPost, addr, "/api/unplug", "", "Authorization", "Bearer wrong-token-guess"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with a wrong token: %d, want 401", r.StatusCode)
	}
	if r := get(t, http.MethodGet, addr, "/api/state", "", "Authorization", "Bearer "+testToken); r.StatusCode != http.StatusOK {
		t.Errorf("GET with the token: %d, want 200", r.StatusCode)
	}
	page := get(t, http.MethodGet, addr, "/?token="+testToken, "")
	var cookie *http.Cookie
	for _, c := range page.Cookies() {
		if c.Name == access.TokenCookie {
			cookie = c
		}
	}
	if page.StatusCode != http.StatusOK || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("page opened with ?token=: %d, cookie %+v", page.StatusCode, cookie)
	}
	if r := get(t, http.MethodGet, addr, "/api/journal", "", "Cookie", cookie.Name+"="+cookie.Value); r.StatusCode != http.StatusOK {
		t.Errorf("the page's own request with the cookie: %d", r.StatusCode)
	}
	failures := 0
	for _, e := range logs.All() {
		if e.Message == "authentication failed" {
			failures++
			if d, _ := e.ContextMap()["delayed"].(time.Duration); d <= 0 {
				t.Errorf("failure not delayed: %v", e.ContextMap())
			}
			if strings.Contains(fmt.Sprint(e.ContextMap()), "wrong-token-guess") {
				t.Errorf("a failed token is in the log: %v", e.ContextMap())
			}
		}
	}
	if failures != 4 {
		t.Errorf("%d failed authentications logged, want 4", failures)
	}
}

// TestPanelBeyondLoopbackNeedsToken: the daemon does not serve the panel on
// an address other machines reach unless auth.token is set.
func TestPanelBeyondLoopbackNeedsToken(t *testing.T) {
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Emulator.Control = "0.0.0.0:0"
	_, err := New(cfg, zap.NewNop())
	if !errors.Is(err, access.ErrTokenRequired) || !strings.Contains(err.Error(), "emulator.control") {
		t.Fatalf("panel on 0.0.0.0 without a token: %v", err)
	}
}

// TestPanelIdleKeepAlives: 200 idle HTTP keep-alive connections to the
// panel neither block it nor a payment.
func TestPanelIdleKeepAlives(t *testing.T) {
	d, addr := startPanel(t, "", zap.NewNop())
	holdKeepAlives(t, addr, "/api/state", 200)
	if r := get(t, http.MethodGet, addr, "/api/state", ""); r.StatusCode != http.StatusOK {
		t.Fatalf("panel after 200 idle keep-alives: %d", r.StatusCode)
	}
	c := dial(t, d.TCPAddr().String())
	defer c.Close()
	waitReady(t, c)
	f, err := c.Exchange(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1000,"ptxid":"ka-1"}`)}, 10*time.Second, nil)
	if err != nil || !strings.Contains(string(f.Body), `"resultCode":"0000"`) {
		t.Fatalf("payment after 200 idle panel connections: %s %v", f.Body, err)
	}
}

// holdKeepAlives opens n connections to addr, sends one request on each and
// reads its answer, and leaves them open and idle until the test ends.
func holdKeepAlives(t *testing.T, addr, path string, n int) {
	t.Helper()
	for i := range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		resp.Body.Close()
	}
}
