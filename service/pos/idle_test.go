package pos

import (
	"context"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient/bench"
)

// idleConns is how many idle connections the memory measurements hold.
const idleConns = 200

// termdLogger is a logger shaped like termd's (a console core and a JSON
// file core at info level), writing nowhere: what a connection costs in
// logging state is part of its memory.
func termdLogger() *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	level := zapcore.InfoLevel
	return zap.New(zapcore.NewTee(
		zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(io.Discard), level),
		zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(io.Discard), level),
	))
}

// heapAndStacks is the memory the Go runtime holds for live objects and
// goroutine stacks, after a collection.
func heapAndStacks() int64 {
	runtime.GC()
	runtime.GC() // the second also frees what the first's finalizers released
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// perConn opens n connections with open (each makes one round trip and
// then idles) and returns the growth of heap and stacks per connection.
// The client side of each connection is in the same process; it is the
// same for every server measured, so the comparison holds.
func perConn(tb testing.TB, n int, open func() io.Closer) float64 {
	tb.Helper()
	conns := make([]io.Closer, 0, n)
	goroutines := runtime.NumGoroutine()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		// The next measurement starts once these connections' server
		// goroutines are gone (give or take a few the runtime and net/http
		// start once and keep).
		waitFor(tb, "servers to drop closed connections", func() bool { return runtime.NumGoroutine() <= goroutines+5 })
	}()
	before := heapAndStacks()
	for range n {
		conns = append(conns, open())
	}
	after := heapAndStacks()
	return float64(after-before) / float64(n)
}

// tcpRoundTrip dials addr, makes one 990001 round trip and returns the
// connection, idle.
func tcpRoundTrip(tb testing.TB, addr string) io.Closer {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	q := frame(protocol.CodeLastTransaction, "")
	buf := make([]byte, len(q))
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(q)); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(conn, buf); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// wsDialer keeps the client side of a measured WebSocket small: buffers
// only while a message is written, the smallest read buffer.
var wsDialer = websocket.Dialer{ReadBufferSize: 16, WriteBufferSize: 16, WriteBufferPool: noPool{}}

type noPool struct{}

func (noPool) Get() any { return nil }
func (noPool) Put(any)  {}

func wsRoundTrip(tb testing.TB, url string) io.Closer {
	conn, _, err := wsDialer.Dial(url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := conn.WriteMessage(websocket.TextMessage, []byte(frame(protocol.CodeLastTransaction, ""))); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := conn.ReadMessage(); err != nil {
		tb.Fatal(err)
	}
	return conn.NetConn()
}

// idleServers starts a pos Server (echoing, with a termd-shaped logger)
// and bare echo servers, and returns dialers for each.
func idleServers(tb testing.TB) map[string]func() io.Closer {
	s, err := Listen(Config{TCP: "127.0.0.1:0", WS: "127.0.0.1:0", MaxClients: 4 * idleConns}, echoHandler{}, termdLogger())
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	tb.Cleanup(func() { cancel(); <-served })
	bareTCP, bareWS := bareTCPEchoN(tb), strings.TrimSuffix(bareWSEcho(tb), "/")+"/ws"
	return map[string]func() io.Closer{
		"tcp/pos":  func() io.Closer { return tcpRoundTrip(tb, s.TCPAddr().String()) },
		"tcp/bare": func() io.Closer { return tcpRoundTrip(tb, bareTCP) },
		"ws/pos":   func() io.Closer { return wsRoundTrip(tb, wsURL(s)) },
		"ws/bare":  func() io.Closer { return wsRoundTrip(tb, bareWS) },
	}
}

// bareTCPEchoN is a bare TCP echo server for many connections: a goroutine
// per connection reading into a 4 KiB buffer and writing back what it read.
func bareTCPEchoN(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go bench.EchoConn(conn)
		}
	}()
	return ln.Addr().String()
}

// BenchmarkIdleConnection reports the memory (heap and stacks, both sides
// of the connection in this process) each idle connection adds, after one
// round trip, for this package's server and for bare echo servers; the
// ratio is what termd adds over the floor.
func BenchmarkIdleConnection(b *testing.B) {
	open := idleServers(b)
	for _, transport := range []string{"tcp", "ws"} {
		b.Run(transport, func(b *testing.B) {
			var pos, bare float64
			for b.Loop() {
				bare = perConn(b, idleConns, open[transport+"/bare"])
				pos = perConn(b, idleConns, open[transport+"/pos"])
			}
			b.ReportMetric(pos, "B/conn")
			b.ReportMetric(bare, "bareB/conn")
			b.ReportMetric(pos/bare, "ratio")
		})
	}
}

// TestIdleConnectionMemory: an idle client (after one round trip) costs no
// more than 1.3 times what it costs a bare echo server (issue 13), over
// both transports.
func TestIdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	open := idleServers(t)
	for _, transport := range []string{"tcp", "ws"} {
		bare := perConn(t, idleConns, open[transport+"/bare"])
		pos := perConn(t, idleConns, open[transport+"/pos"])
		t.Logf("%s: %.0f B/conn, bare %.0f B/conn, ratio %.2f", transport, pos, bare, pos/bare)
		if pos > 1.3*bare {
			t.Errorf("%s: an idle connection costs %.0f bytes, %.2f times a bare server's %.0f", transport, pos, pos/bare, bare)
		}
	}
}
