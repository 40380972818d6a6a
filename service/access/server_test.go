package access

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
)

// serve runs a limited server on 127.0.0.1:0 whose handler blocks while
// block is open on paths under /block.
func serve(t *testing.T, lim Limits, block chan struct{}) (*Server, string) {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-block
		}
		io.WriteString(w, "ok")
	})
	srv := NewServer(h, lim, zap.NewNop())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return srv, ln.Addr().String()
}

// request sends one GET on conn and reads the answer, keeping conn open.
func request(conn net.Conn, path string) error {
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func dialT(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServerIdleKeepAlivesMakeRoom: 200 idle keep-alive connections on a
// server limited to 16: each newcomer closes the one idle longest, the
// open count never passes the limit, and a request still gets through.
func TestServerIdleKeepAlivesMakeRoom(t *testing.T) {
	srv, addr := serve(t, Limits{MaxConns: 16, ReadHeader: 5 * time.Second, Idle: time.Minute}, nil)
	conns := make([]net.Conn, 200)
	for i := range conns {
		conns[i] = dialT(t, addr)
		if err := request(conns[i], "/"); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if n := srv.Open(); n > 16 {
			t.Fatalf("%d connections open, limit 16", n)
		}
	}
	// The oldest were closed to make room, the newest still work.
	if err := request(conns[0], "/"); err == nil {
		t.Error("the connection idle longest is still open")
	}
	if err := request(conns[199], "/"); err != nil {
		t.Errorf("the newest connection: %v", err)
	}
	if err := request(dialT(t, addr), "/"); err != nil {
		t.Errorf("a request after 200 idle keep-alives: %v", err)
	}
}

// TestServerAllBusyRefusesNewcomer: when every connection is in a request,
// a newcomer is closed and the busy ones are untouched.
func TestServerAllBusyRefusesNewcomer(t *testing.T) {
	block := make(chan struct{})
	srv, addr := serve(t, Limits{MaxConns: 2, ReadHeader: 5 * time.Second}, block)
	errs := make(chan error, 2)
	for range 2 {
		c := dialT(t, addr)
		go func() { errs <- request(c, "/block") }()
	}
	waitUntil(t, "two requests in flight", func() bool {
		srv.conns.mu.Lock()
		defer srv.conns.mu.Unlock()
		return srv.conns.open == 2 && len(srv.conns.idle) == 0
	})
	if err := request(dialT(t, addr), "/"); err == nil {
		t.Error("a newcomer was served while every connection was busy")
	}
	close(block)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a busy connection was disturbed: %v", err)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling, bounded by the deadline
	}
}
