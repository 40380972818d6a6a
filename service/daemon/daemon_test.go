package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/posclient"
	"github.com/termd/termd/service/store"
)

// Shutdown in the middle of a payment: the POS gets its one final answer,
// Run returns, and not one goroutine of termd is left behind.
func TestShutdownMidPaymentLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Emulator.CardDelay, cfg.Emulator.SignDelay, cfg.Emulator.AuthDelay = 0, 0, 0
	cfg.Emulator.Control = ""
	d, err := New(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, nil) }()

	c := dial(t, d.TCPAddr().String())
	defer c.Close()
	waitReady(t, c)
	if err := c.Send(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1009,"ptxid":"sd-1"}`)}); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, c, "READING")

	cancel()
	var final protocol.Frame
	for {
		f, err := c.Receive(time.Now().Add(10 * time.Second))
		if err != nil {
			t.Fatalf("no final answer before the connection closed: %v", err)
		}
		if f.Code == protocol.CodeCreditApproval {
			final = f
			break
		}
	}
	var h protocol.ResultHeader
	if json.Unmarshal(final.Body, &h) != nil || h.ResultCode != protocol.ResultFailed || h.ResultMessage != protocol.MsgShutdown {
		t.Fatalf("final answer at shutdown: %s, want 9999 %s (the customer did not cancel)", final.Body, protocol.MsgShutdown)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	c.Close()
}

func waitReady(t *testing.T, c *posclient.Conn) {
	t.Helper()
	for range 1000 {
		f, err := c.Exchange(protocol.Frame{Code: protocol.CodeCodeDownload}, 5*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		if posclient.ResultCode(f) == protocol.ResultOK {
			return
		}
	}
	t.Fatal("terminal never came up")
}

func waitPhase(t *testing.T, c *posclient.Conn, phase string) {
	t.Helper()
	for range 10000 {
		f, err := c.Exchange(protocol.Frame{Code: protocol.CodeLastTransaction}, 5*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bytesContains(f.Body, `"phase":"`+phase+`"`) {
			return
		}
	}
	t.Fatalf("never reached %s", phase)
}

func bytesContains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// A second signal stops at once: an authorization the card company is
// slow with is not waited for, and the journal says unknown, to be asked
// of the terminal at the next start.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Emulator.CardDelay, cfg.Emulator.SignDelay, cfg.Emulator.AuthDelay = 0, 0, time.Hour
	cfg.Emulator.Control = ""
	cfg.Timeouts.Drain = time.Hour
	d, err := New(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, now) }()
	c := dial(t, d.TCPAddr().String())
	defer c.Close()
	waitReady(t, c)
	if err := c.Send(protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1000,"ptxid":"now-1"}`)}); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, c, "AUTHORIZING")
	cancel() // the first signal: the authorization is waited for (an hour)
	select {
	case <-done:
		t.Fatal("Run returned while an authorization runs and the drain time is an hour")
	case <-time.After(100 * time.Millisecond):
	}
	close(now) // the second
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the second signal")
	}
	st, err := store.Open(cfg.DataDir, store.Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rec, _ := st.Get("now-1"); rec == nil || rec.Status != store.StatusRunning {
		t.Fatalf("journal: %+v, want the payment still running (asked of the terminal at next start)", rec)
	}
}
