package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// TestE2E40IdleConnectionsThenPayment: 40 connections that never send a
// thing (8 more than the slots) do not lock a POS out: its payment goes
// through and is confirmed.
func TestE2E40IdleConnectionsThenPayment(t *testing.T) {
	d := startDaemon(t, "", fast...)
	for i := range 40 {
		c, err := net.Dial("tcp", d.tcp)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
	p := d.client("tcp")
	p.send(credit, pay("after-idle", 10000))
	p.expect(credit, "0000")
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, "0000")
}

// TestE2EIdleKeepAlivesOnEveryHTTPPort: 200 idle HTTP keep-alive
// connections on the WebSocket port and 200 on the control panel leave
// both serving and a payment over WebSocket going through.
func TestE2EIdleKeepAlivesOnEveryHTTPPort(t *testing.T) {
	d := startDaemon(t, "", append(fast, "--emulator.control=127.0.0.1:0")...)
	panel := strings.TrimPrefix(regexp.MustCompile(`http://[0-9.:]+`).FindString(d.waitLog("emulator control panel", 1)), "http://")
	if panel == "" {
		t.Fatal("the panel's address is not in the log")
	}
	for _, addr := range []string{d.ws, panel} {
		for i := range 200 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("%s connection %d: %v", addr, i, err)
			}
			t.Cleanup(func() { c.Close() })
			fmt.Fprintf(c, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("%s connection %d: %v", addr, i, err)
			}
			resp.Body.Close()
		}
	}
	resp, err := http.Get("http://" + panel + "/api/state")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("panel after 400 idle keep-alives: %v %v", resp, err)
	}
	resp.Body.Close()
	p := d.client("ws")
	p.send(credit, pay("ws-after-keepalives", 10000))
	p.expect(credit, "0000")
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, "0000")
}

// TestE2EShortTokenStopsStartUp: a token under 16 characters stops termd
// before it listens, with a message naming auth.token and not showing it.
func TestE2EShortTokenStopsStartUp(t *testing.T) {
	out, err := runBinary("run", "--listen.tcp=0.0.0.0:0", "--listen.ws=", "--auth.token=short-secret", "--dataDir="+t.TempDir(), "--log.file=-")
	if err == nil || !strings.Contains(out, "config: auth.token:") || strings.Contains(out, "short-secret") {
		t.Fatalf("termd run with a 12-character token: %v\n%s", err, out)
	}
}

// TestE2EThePaymentsConnectionIsNeverEvicted: with every slot taken, a
// newcomer closes the idlest connection that owns nothing, never the one
// whose payment runs, even when that one is the idlest.
func TestE2EThePaymentsConnectionIsNeverEvicted(t *testing.T) {
	d := startDaemon(t, "", append(fast, "--listen.maxClients=3", "--timeouts.read=3s")...)
	owner := d.client("tcp")
	owner.send(credit, pay("held-1", 1009)) // 09: no card comes; the read window ends it
	owner.waitPhase("held-1", "READING")
	a, b := d.client("tcp"), d.client("tcp")
	a.call(protocol.CodeLastTransaction, "") // both busier than the owner
	b.call(protocol.CodeLastTransaction, "")
	c := d.client("tcp") // the fourth: someone must go
	c.call(protocol.CodeLastTransaction, "")
	if r := owner.expect(credit, protocol.ResultFailed); r.Data["ptxid"] != "held-1" {
		t.Fatalf("the owner's final: %v", r.Data)
	}
}
