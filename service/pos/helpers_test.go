package pos

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
)

// recorder is the test Handler: it records every frame and close, echoes
// frames back, and checks the Handler contract (no Frame after Closed,
// Closed exactly once).
type recorder struct {
	t    testing.TB
	echo bool

	mu      sync.Mutex
	frames  []protocol.Frame
	clients map[uint64]*Client
	closed  map[uint64]int
}

var _ Handler = (*recorder)(nil)

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, echo: true, clients: map[uint64]*Client{}, closed: map[uint64]int{}}
}

func (r *recorder) Frame(c *Client, f protocol.Frame) {
	r.mu.Lock()
	if r.closed[c.ID] > 0 {
		r.t.Errorf("Frame(%s) after Closed", c)
	}
	r.frames = append(r.frames, protocol.Frame{Code: f.Code, Body: append([]byte(nil), f.Body...)})
	r.clients[c.ID] = c
	r.mu.Unlock()
	if r.echo {
		c.Send(f)
	}
}

func (r *recorder) Closed(c *Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed[c.ID]++
	if r.closed[c.ID] > 1 {
		r.t.Errorf("Closed(%s) called %d times", c, r.closed[c.ID])
	}
}

func (r *recorder) got() []protocol.Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]protocol.Frame(nil), r.frames...)
}

func (r *recorder) closedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.closed {
		n += v
	}
	return n
}

// lastClient is the client of the most recent frame.
func (r *recorder) lastClient() *Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last *Client
	for _, c := range r.clients {
		if last == nil || c.ID > last.ID {
			last = c
		}
	}
	return last
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func untrusted(netip.Addr) bool { return false }

// start listens on 127.0.0.1:0 for both transports, lets adjust change the
// server before Serve, and stops it (checking Serve's result) at cleanup.
func start(t testing.TB, cfg Config, h Handler, adjust ...func(*Server)) (*Server, func()) {
	t.Helper()
	return startLog(t, cfg, h, zaptest.NewLogger(t), adjust...)
}

func startLog(t testing.TB, cfg Config, h Handler, log *zap.Logger, adjust ...func(*Server)) (*Server, func()) {
	t.Helper()
	if cfg.TCP == "" {
		cfg.TCP = "127.0.0.1:0"
	}
	if cfg.WS == "" {
		cfg.WS = "127.0.0.1:0"
	}
	s, err := Listen(cfg, h, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range adjust {
		f(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Serve did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// tcpClient is a POS over TCP.
type tcpClient struct {
	t    testing.TB
	conn net.Conn
	r    *protocol.Reader
}

func dialTCP(t testing.TB, s *Server) *tcpClient {
	t.Helper()
	conn, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &tcpClient{t: t, conn: conn, r: protocol.NewReader(conn)}
}

func (c *tcpClient) write(b string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(b)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *tcpClient) read() protocol.Frame {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := c.r.ReadFrame()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return f
}

// expectEOF checks that the server closed the connection.
func (c *tcpClient) expectEOF() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if f, err := c.r.ReadFrame(); !errors.Is(err, io.EOF) {
		c.t.Fatalf("want EOF, got frame %v err %v", f, err)
	}
}

// wsURL is the WebSocket endpoint of s.
func wsURL(s *Server) string { return "ws://" + s.WSAddr().String() + WSPath }

func dialWS(t testing.TB, s *Server, h http.Header) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(wsURL(s), h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial ws: %v (HTTP %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// wsStatus dials and returns the HTTP status of the handshake.
func wsStatus(t testing.TB, url string, h http.Header) int {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err == nil {
		conn.Close()
		return resp.StatusCode
	}
	if resp == nil {
		t.Fatalf("dial ws: %v", err)
	}
	return resp.StatusCode
}

func wsRead(t testing.TB, conn *websocket.Conn) protocol.Frame {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	f, err := protocol.Parse(msg)
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	return f
}

func frame(code protocol.Code, body string) string {
	b, err := protocol.AppendFrame(nil, code, []byte(body))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// result decodes an answer's resultCode and resultMessage.
func result(t testing.TB, f protocol.Frame) protocol.ResultHeader {
	t.Helper()
	var h protocol.ResultHeader
	if err := json.Unmarshal(f.Body, &h); err != nil {
		t.Fatalf("answer %s body %q: %v", f.Code, f.Body, err)
	}
	return h
}
