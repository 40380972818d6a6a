package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/daemon"
)

// startTermd runs a whole termd in-process, with an emulated terminal that
// answers at once, and returns its TCP and WebSocket addresses.
func startTermd(t *testing.T) (tcp, ws string) {
	return runTermd(t, func(cfg *config.Config) {
		cfg.Emulator.CardDelay, cfg.Emulator.SignDelay, cfg.Emulator.AuthDelay = 0, 0, 0
	})
}

// runTermd runs termd in-process on free loopback ports with the defaults
// changed by set, and returns once its emulated terminal answers
// (loopback peers need no token, whatever auth.token says).
func runTermd(t *testing.T, set func(*config.Config)) (tcp, ws string) {
	cfg := config.Default()
	cfg.Listen.TCP, cfg.Listen.WS = "127.0.0.1:0", "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Emulator.Control = ""
	set(&cfg)
	d, err := daemon.New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	tcp, ws = d.TCPAddr().String(), "ws://"+d.WSAddr().String()+"/ws"
	for range 1000 { // until the emulated terminal is up
		if _, _, code := termctl("send", "--addr", tcp, "081008"); code == 0 {
			return tcp, ws
		}
	}
	t.Fatal("terminal never came up")
	return
}

func termctl(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestSendFollowsAPaymentAndConfirmsIt(t *testing.T) {
	tcp, ws := startTermd(t)
	for i, addr := range []string{"--addr=" + tcp, "--ws=" + ws} {
		ptxid := fmt.Sprintf("c-%d", i)
		out, errs, code := termctl("send", addr, "010010", `{"priceAmt":60000,"ptxid":"`+ptxid+`"}`)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", addr, code, out, errs)
		}
		want := []string{`010010{"priceAmt":60000`, `010010{"resultCode":"0010"`, `010010{"resultCode":"0000"`, "> 0006980001", `980001{"resultCode":"0000"`}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s: output lacks %q:\n%s", addr, w, out)
			}
		}
	}
	out, _, _ := termctl("send", "--addr", tcp, "990001")
	if !strings.Contains(out, `"confirmed":true`) {
		t.Fatalf("after termctl the payment must be confirmed:\n%s", out)
	}
}

func TestSendNoConfirmLeavesTheResultAwaiting(t *testing.T) {
	tcp, _ := startTermd(t)
	if out, _, code := termctl("send", "--addr", tcp, "--no-confirm", "010010", `{"priceAmt":1000,"ptxid":"nc-1"}`); code != 0 || strings.Contains(out, "980001") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, _, _ := termctl("send", "--addr", tcp, "990001")
	if !strings.Contains(out, `"confirmed":false`) {
		t.Fatalf("990001:\n%s", out)
	}
}

func TestSendExitStatusTellsScriptsWhatHappened(t *testing.T) {
	tcp, _ := startTermd(t)
	cases := []struct {
		name string
		args []string
		code int
		text string
	}{
		{"declined", []string{"send", "--addr", tcp, "010010", `{"priceAmt":1001,"ptxid":"d-1"}`}, 3, "9005"},
		{"bad body", []string{"send", "--addr", tcp, "010010", `{"priceAmt":-5,"ptxid":"d-2"}`}, 3, "priceAmt"},
		{"no code", []string{"send"}, 2, "want CODE"},
		{"unknown command", []string{"pay"}, 2, "unknown command"},
		{"nobody there", []string{"send", "--addr", "127.0.0.1:1", "990001"}, 1, "is it running?"},
	}
	for _, tc := range cases {
		out, errs, code := termctl(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.text) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s%s", tc.name, code, tc.code, tc.text, out, errs)
		}
	}
}

// startTermdWithToken runs termd with auth.token set. Its peers here are
// on loopback, which need no token; a token they do show must be right,
// which is what lets these tests see that termctl sends it.
func startTermdWithToken(t *testing.T, token string) (tcp, ws string) {
	return runTermd(t, func(cfg *config.Config) { cfg.Auth.Token = token })
}

func TestSendToken(t *testing.T) {
	const token = "0123456789abcdef"
	tcp, ws := startTermdWithToken(t, token)
	out, errs, code := termctl("send", "--addr", tcp, "--token", token, "081008")
	if code != 0 || !strings.Contains(out, "> 000001") || !strings.Contains(out, `000001{"resultCode":"0000"`) || strings.Contains(out+errs, token) {
		t.Fatalf("TCP with the token: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := termctl("send", "--ws", ws, "--token", token, "081008"); code != 0 {
		t.Fatalf("WebSocket with the token: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = termctl("send", "--addr", tcp, "--token", "wrong-guess-000000", "081008")
	if code != 1 || !strings.Contains(errs, "termd refused the token") || !strings.Contains(errs, "auth.token") || strings.Contains(out, "081008") {
		t.Fatalf("TCP with a wrong token: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = termctl("send", "--ws", ws, "--token", "wrong-guess-000000", "081008")
	if code != 1 || !strings.Contains(errs, "4401") || !strings.Contains(errs, "auth.token") {
		t.Fatalf("WebSocket with a wrong token: exit %d\n%s%s", code, out, errs)
	}
}

// A wrong URL path is named as such, not blamed on a stopped termd.
func TestSendWrongWebSocketPath(t *testing.T) {
	_, ws := startTermd(t)
	bad := strings.TrimSuffix(ws, "/ws") + "/socket"
	_, errs, code := termctl("send", "--ws", bad, "990001")
	if code != 1 || strings.Contains(errs, "running?") || !strings.Contains(errs, `"/socket"`) || !strings.Contains(errs, "/ws") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}
