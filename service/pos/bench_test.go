package pos

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient/bench"
)

type echoHandler struct{}

func (echoHandler) Frame(c *Client, f protocol.Frame) { c.Send(f) }
func (echoHandler) Closed(*Client)                    {}

var _ Handler = echoHandler{}

// BenchmarkRoundTrip measures one 990001 request answered by an echoing
// Handler over each transport, next to a bare echo of the same bytes over
// the same transport, so the ratio shows what this package adds.
func BenchmarkRoundTrip(b *testing.B) {
	msg := []byte(frame(protocol.CodeLastTransaction, ""))
	s, err := Listen(Config{TCP: "127.0.0.1:0", WS: "127.0.0.1:0"}, echoHandler{}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	defer func() { cancel(); <-served }()

	b.Run("tcp/bare", func(b *testing.B) { benchTCP(b, bareTCPEcho(b), msg) })
	b.Run("tcp/pos", func(b *testing.B) { benchTCP(b, s.TCPAddr().String(), msg) })
	b.Run("ws/bare", func(b *testing.B) { benchWS(b, bareWSEcho(b), msg) })
	b.Run("ws/pos", func(b *testing.B) { benchWS(b, wsURL(s), msg) })
}

func benchTCP(b *testing.B, addr string, msg []byte) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, len(msg))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := conn.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWS(b *testing.B, url string, msg []byte) {
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := conn.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// bareTCPEcho echoes whatever it reads with plain Read/Write (not io.Copy,
// which would splice in the kernel).
func bareTCPEcho(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	b.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		bench.EchoConn(conn)
	}()
	return ln.Addr().String()
}

func bareWSEcho(b testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var up websocket.Upgrader
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "ws://" + ln.Addr().String() + "/"
}
