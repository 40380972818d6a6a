package daemon

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/posclient"
	"github.com/termd/termd/service/posclient/bench"
)

// startDaemon runs a whole termd in-process on free ports with an
// emulated terminal that answers at once.
func startDaemon(b testing.TB) *Daemon { return startDaemonIn(b, b.TempDir()) }

// startDaemonIn is startDaemon with its dataDir (journal and books) in dir.
func startDaemonIn(b testing.TB, dir string) *Daemon {
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Emulator.CardDelay, cfg.Emulator.SignDelay, cfg.Emulator.AuthDelay = 0, 0, 0
	d, err := New(cfg, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx, nil); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	// Wait until the emulated terminal's link is up.
	c := dial(b, d.TCPAddr().String())
	defer c.Close()
	for range 1000 {
		f, _ := c.Exchange(protocol.Frame{Code: protocol.CodeCodeDownload}, time.Second, nil)
		if posclient.ResultCode(f) == protocol.ResultOK {
			pay(b, c) // 990001 then answers a realistic last transaction
			return d
		}
	}
	b.Fatal("terminal never came up")
	return nil
}

func dial(b testing.TB, addr string) *posclient.Conn {
	c, err := posclient.Dial(context.Background(), addr)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

var query = protocol.Frame{Code: protocol.CodeLastTransaction}

// roundTrips sends 990001 and reads the answer, exactly as the bare echo
// benchmarks do, so the client's own cost is the same on both sides of
// the ratio.
func roundTrips(b *testing.B, c *posclient.Conn) {
	b.ReportAllocs()
	for b.Loop() {
		c.Send(query)
		f, err := c.Receive(time.Now().Add(5 * time.Second))
		if err != nil || f.Code != query.Code {
			b.Fatalf("answer %v: %v", f, err)
		}
	}
}

// BenchmarkQueryTCP is a 990001 round trip through the whole daemon.
func BenchmarkQueryTCP(b *testing.B) {
	d := startDaemon(b)
	c := dial(b, d.TCPAddr().String())
	defer c.Close()
	roundTrips(b, c)
}

// BenchmarkQueryWS is the same over WebSocket.
func BenchmarkQueryWS(b *testing.B) {
	d := startDaemon(b)
	c := dial(b, "ws://"+d.WSAddr().String()+"/ws")
	defer c.Close()
	roundTrips(b, c)
}

// BenchmarkBareTCPEcho is the floor: a TCP server that echoes the same
// bytes with plain reads and writes (io.Copy would splice in the kernel,
// a path no server answering a request takes).
func BenchmarkBareTCPEcho(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go bench.EchoConn(c)
		}
	}()
	c := dial(b, ln.Addr().String())
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		c.Send(query)
		if _, err := c.Receive(time.Now().Add(5 * time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareWSEcho is the floor over gorilla/websocket.
func BenchmarkBareWSEcho(b *testing.B) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			t, m, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(t, m) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := dial(b, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws")
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		c.Send(query)
		if _, err := c.Receive(time.Now().Add(5 * time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApprovalConfirm is one whole payment: 010010 through the
// emulated terminal with no delays, journaled (three fsyncs), then 980001.
func BenchmarkApprovalConfirm(b *testing.B) {
	d := startDaemon(b)
	c := dial(b, d.TCPAddr().String())
	defer c.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := protocol.Frame{Code: protocol.CodeCreditApproval, Body: fmt.Appendf(nil, `{"priceAmt":1000,"ptxid":"bench-%d"}`, i)}
		f, err := c.Exchange(req, 5*time.Second, nil)
		if err != nil || posclient.ResultCode(f) != protocol.ResultOK {
			b.Fatalf("approval: %v %s", err, f.Body)
		}
		if _, err := c.Exchange(protocol.Frame{Code: protocol.CodeConfirm}, 5*time.Second, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// pay makes one confirmed approval, as a shop's journal always has.
func pay(b testing.TB, c *posclient.Conn) {
	f, err := c.Exchange(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":12000,"ptxid":"bench-last"}`)}, 5*time.Second, nil)
	if err != nil || posclient.ResultCode(f) != protocol.ResultOK {
		b.Fatalf("approval: %v %s", err, f.Body)
	}
	if f, err = c.Exchange(protocol.Frame{Code: protocol.CodeConfirm}, 5*time.Second, nil); err != nil || posclient.ResultCode(f) != protocol.ResultOK {
		b.Fatalf("980001: %v %s", err, f.Body)
	}
}
