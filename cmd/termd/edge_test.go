package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// The edges of a transaction's life, against the built binary: a
// confirmation that comes too late, and shutdown at each moment that
// matters (SPEC §3.2, §3.3, §4).

// A 980001 after the approval was reversed must not read as success: it
// names the result and answers 9009, and so do 990001 and a reused ptxid.
func TestEdgeLateConfirmAnswersReversed(t *testing.T) {
	d := startDaemon(t, "", append(fast[:len(fast):len(fast)], "--timeouts.confirm=200ms")...)
	p := d.client("tcp")
	a := p.call(credit, pay("late-1", 1000))
	if a.ResultCode != protocol.ResultOK {
		t.Fatalf("approval: %s %s", a.ResultCode, a.ResultMessage)
	}
	d.waitLog("unconfirmed approval reversed", 1)

	c := p.call(protocol.CodeConfirm, "")
	if c.Code != protocol.CodeConfirm || c.ResultCode != protocol.ResultReversed || c.Data["ptxid"] != "late-1" {
		t.Fatalf("late 980001: %s %s %q %v, want 9009 naming late-1", c.Code, c.ResultCode, c.ResultMessage, c.Data)
	}
	last := p.call(protocol.CodeLastTransaction, "")
	if last.ResultCode != protocol.ResultReversed || last.Top["status"] != "reversed" || last.Data["ptxid"] != "late-1" ||
		last.Data["approvalNo"] != a.Data["approvalNo"] || last.Top["confirmed"] != false {
		t.Fatalf("990001 of a reversed approval: %v", last.Top)
	}
	// The 9007 carries what became of it (status) and, as SPEC §3.3
	// decided, the stored final code.
	dup := p.call(credit, pay("late-1", 1000))
	if dup.ResultCode != protocol.ResultDuplicate || dup.Data["status"] != "reversed" || dup.Data["confirmed"] != false ||
		dup.Data["resultCode"] != protocol.ResultOK {
		t.Fatalf("reused ptxid of a reversed approval: %s %v", dup.ResultCode, dup.Data)
	}
	waitBook(t, booksIn(d.dataDir), "late-1", "reversed")
}

// SIGTERM right after a 0000 waits for the POS's 980001 on its open
// connection; the confirmed result survives the restart and is never
// reversed.
func TestEdgeShutdownWaitsForTheConfirmation(t *testing.T) {
	dir := t.TempDir()
	flags := append(fast[:len(fast):len(fast)], "--timeouts.confirm=1s", "--timeouts.drain=15s")
	d := startDaemon(t, dir, flags...)
	p := d.client("tcp")
	p.send(credit, pay("term-1", 1000))
	p.expect(credit, protocol.ResultOK)

	d.signal(syscall.SIGTERM)
	d.waitLog("shutting down: waiting for the POS to confirm", 1)
	d.waitLog("press Ctrl-C again to stop at once", 1)
	if c := p.call(protocol.CodeConfirm, ""); c.ResultCode != protocol.ResultOK || c.Data["ptxid"] != "term-1" {
		t.Fatalf("980001 while shutting down: %s %q %v", c.ResultCode, c.ResultMessage, c.Data)
	}
	if err := d.waitExit(15 * time.Second); err != nil {
		t.Fatalf("exit after the confirmation: %v", err)
	}

	d = startDaemon(t, dir, flags...)
	p = d.client("ws")
	// Watch it for twice the window: a result whose confirmation was lost
	// would be reversed within one.
	until := time.Now().Add(2 * time.Second)
	for time.Now().Before(until) {
		r := p.call(protocol.CodeLastTransaction, "")
		if r.ResultCode != protocol.ResultOK || r.Data["ptxid"] != "term-1" || r.Top["status"] != "approved" || r.Top["confirmed"] != true {
			t.Fatalf("990001 after the restart: %v", r.Top)
		}
		time.Sleep(50 * time.Millisecond) // watching that nothing happens
	}
	if log := d.logText(); strings.Contains(log, "not confirmed in time") || strings.Contains(log, "approval reversed") {
		t.Fatal("the confirmed result was taken for unconfirmed after the restart")
	}
	if got := bookStatus(t, booksIn(dir))["term-1"]; got != "approved" {
		t.Fatalf("the terminal's books say %q", got)
	}
}

// A shutdown that stops a payment waiting for a signature says so: the
// customer did not cancel it.
func TestEdgeShutdownWhileSigning(t *testing.T) {
	d := startDaemon(t, "", fast...)
	p := d.client("tcp")
	p.send(credit, pay("term-2", 1007)) // 07: the signature never comes
	p.expect(credit, protocol.ResultSignWait)
	d.signal(syscall.SIGTERM)
	r := p.expect(credit, protocol.ResultFailed)
	if r.ResultMessage != protocol.MsgShutdown || r.Data["ptxid"] != "term-2" {
		t.Fatalf("final at shutdown: %q %v, want %q", r.ResultMessage, r.Data, protocol.MsgShutdown)
	}
	if err := d.waitExit(15 * time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// A second SIGTERM does not wait for the card company; what was left is
// settled at the next start by asking the terminal.
func TestEdgeSecondSignalStopsAtOnce(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, "--emulator.cardDelay=10ms", "--emulator.authDelay=30s", "--emulator.control=", "--timeouts.drain=60s")
	p := d.client("tcp")
	p.send(credit, pay("term-3", 1000))
	p.waitPhase("term-3", "AUTHORIZING")
	d.signal(syscall.SIGTERM)
	d.waitLog("shutting down: waiting for the terminal to finish the transaction", 1)
	second := time.Now()
	d.signal(syscall.SIGTERM)
	d.waitExit(2 * time.Second)
	took := time.Since(second)
	d.waitLog("stopping at once", 1)
	t.Logf("stopped %v after the second signal", took.Round(time.Millisecond))

	d = startDaemon(t, dir, fast...)
	p = d.client("tcp")
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := p.call(protocol.CodeLastTransaction, "")
		if r.Data["ptxid"] != "term-3" {
			t.Fatalf("990001 names %v", r.Data["ptxid"])
		}
		if r.Top["status"] != "unknown" {
			t.Logf("after the restart the terminal says %s was %v (%s)", "term-3", r.Top["status"], r.ResultCode)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still unknown 5 s after the restart: %v", r.Top)
		}
	}
	d.waitLog("transaction outcome recovered", 1)
}
