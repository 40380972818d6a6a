package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// Crash tests: termd is SIGKILLed at the worst moments and restarted on the
// same dataDir. Nothing a POS was told may be lost or doubled.

// waitStatus polls 990001 until the last transaction has one of the
// statuses, and returns the answer.
func (p *pos) waitStatus(statuses ...string) reply {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := p.call(protocol.CodeLastTransaction, "")
		for _, s := range statuses {
			if r.Top["status"] == s {
				return r
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("last transaction stayed %v, want %v", r.Top["status"], statuses)
		}
	}
}

func today() string { return time.Now().Format("20060102") }

func summary(p *pos) (approved, canceled map[string]any) {
	r := p.call(protocol.CodeSalesSummary, fmt.Sprintf(`{"from":"%[1]s","to":"%[1]s"}`, today()))
	return r.Data["approved"].(map[string]any), r.Data["canceled"].(map[string]any)
}

func TestCrashAfterAnswerBeforeConfirm(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, fast...)
	p := d.client("tcp")
	p.send(credit, pay("k1", 12000))
	a := p.expect(credit, "0000")
	d.kill()

	d = startDaemon(t, dir, fast...)
	p = d.client("tcp")
	r := p.call(protocol.CodeLastTransaction, "")
	if r.ResultCode != "0000" || r.Data["ptxid"] != "k1" || r.Top["status"] != "approved" || r.Top["confirmed"] != false ||
		r.Data["approvalNo"] != a.Data["approvalNo"] {
		t.Fatalf("990001 after the crash: %v", r.Top)
	}
	// The confirmation window survives the restart.
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, "0000")
	if r := p.call(protocol.CodeLastTransaction, ""); r.Top["confirmed"] != true {
		t.Fatalf("not confirmed: %v", r.Top)
	}
	if ap, _ := summary(p); ap["count"] != 1.0 || ap["price"] != 12000.0 {
		t.Fatalf("summary approved %v", ap)
	}
	// The same ptxid is still refused, and the old approval can be cancelled.
	if r := p.call(credit, pay("k1", 12000)); r.ResultCode != protocol.ResultDuplicate {
		t.Fatalf("ptxid reuse after restart: %s", r.ResultCode)
	}
	p.send(protocol.CodeCreditCancel, fmt.Sprintf(`{"approvalAmt":12000,"approvalNo":%q,"transactionDate":%q,"ptxid":"k1-cancel"}`,
		a.Data["approvalNo"], a.Data["transactionDate"]))
	p.expect(protocol.CodeCreditCancel, "0000")
}

func TestCrashBeforeConfirmThenWindowPassesReverses(t *testing.T) {
	dir := t.TempDir()
	flags := append(fast[:len(fast):len(fast)], "--timeouts.confirm=500ms")
	d := startDaemon(t, dir, flags...)
	p := d.client("tcp")
	p.send(credit, pay("k2", 5000))
	p.expect(credit, "0000")
	d.kill()

	d = startDaemon(t, dir, flags...)
	p = d.client("ws")
	r := p.waitStatus("reversed")
	if r.Top["confirmed"] != false {
		t.Fatalf("reversed yet confirmed: %v", r.Top)
	}
	if _, cx := summary(p); cx["count"] != 1.0 {
		t.Fatalf("the reversal must count as canceled: %v", cx)
	}
}

func TestCrashDuringAuthorization(t *testing.T) {
	dir := t.TempDir()
	slow := []string{"--emulator.cardDelay=10ms", "--emulator.authDelay=3s", "--emulator.control="}
	d := startDaemon(t, dir, slow...)
	p := d.client("tcp")
	p.send(credit, pay("k3", 7000))
	p.waitPhase("k3", "AUTHORIZING")
	d.kill()

	d = startDaemon(t, dir, slow...)
	p = d.client("tcp")
	// Resolved by asking the terminal, never silently dropped: the
	// terminal lost power mid-authorization and reversed it at power-on.
	r := p.waitStatus("failed", "approved", "reversed")
	if r.Data["ptxid"] != "k3" {
		t.Fatalf("990001 names %v", r.Data["ptxid"])
	}
	if dup := p.call(credit, pay("k3", 7000)); dup.ResultCode != protocol.ResultDuplicate {
		t.Fatalf("ptxid reuse: %s", dup.ResultCode)
	}
	if !strings.Contains(d.logText(), "transaction outcome recovered") {
		t.Fatal("the log does not say what was recovered")
	}
	// And the terminal is usable again.
	p.send(credit, pay("k3-next", 1000))
	p.expect(credit, "0000")
}

func TestCrashDuringCancel(t *testing.T) {
	dir := t.TempDir()
	slow := []string{"--emulator.cardDelay=10ms", "--emulator.authDelay=1s", "--emulator.control="}
	d := startDaemon(t, dir, slow...)
	p := d.client("tcp")
	p.send(credit, pay("k4", 9000))
	a := p.expect(credit, "0000")
	p.call(protocol.CodeConfirm, "")
	cancel := func(ptxid string) string {
		return fmt.Sprintf(`{"approvalAmt":9000,"approvalNo":%q,"transactionDate":%q,"ptxid":%q}`, a.Data["approvalNo"], a.Data["transactionDate"], ptxid)
	}
	p.send(protocol.CodeCreditCancel, cancel("k4-c1"))
	p.waitPhase("k4-c1", "AUTHORIZING")
	d.kill()

	d = startDaemon(t, dir, slow...)
	p = d.client("tcp")
	if r := p.waitStatus("failed", "approved"); r.Top["status"] == "approved" {
		t.Skip("the terminal completed the cancel before the kill")
	}
	// The cancel never happened: the approval keeps its balance and can
	// still be cancelled.
	p.send(protocol.CodeCreditCancel, cancel("k4-c2"))
	p.expect(protocol.CodeCreditCancel, "0000")
}

func TestCrashRightAfterConfirm(t *testing.T) {
	dir := t.TempDir()
	flags := append(fast[:len(fast):len(fast)], "--timeouts.confirm=300ms")
	d := startDaemon(t, dir, flags...)
	p := d.client("tcp")
	p.send(credit, pay("k5", 3000))
	p.expect(credit, "0000")
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, "0000")
	d.kill()

	d = startDaemon(t, dir, flags...)
	p = d.client("tcp")
	if r := p.call(protocol.CodeLastTransaction, ""); r.Top["status"] != "approved" || r.Top["confirmed"] != true {
		t.Fatalf("after restart: %v", r.Top)
	}
	// Nothing awaits confirmation: the terminal is free at once.
	p.send(credit, pay("k5-next", 1000))
	p.expect(credit, "0000")
	if ap, cx := summary(p); ap["count"] != 2.0 || cx["count"] != 0.0 {
		t.Fatalf("summary %v / %v", ap, cx)
	}
}

func TestSecondDaemonOnSameDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	startDaemon(t, dir, fast...)
	out, err := runBinary("run", "--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0", "--dataDir="+dir, "--log.file=-")
	if err == nil || !strings.Contains(out, "another termd") {
		t.Fatalf("second daemon: %v\n%s", err, out)
	}
}

func TestCorruptJournalRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, fast...)
	p := d.client("tcp")
	p.send(credit, pay("c1", 1000))
	p.expect(credit, "0000")
	d.stop()
	// Damage in the first frame: a damaged last frame would pass for a
	// write torn by a power cut, which the journal cuts off and goes on.
	corruptFile(t, dir+"/journal.log", 40)
	out, err := runBinary("run", "--listen.tcp=127.0.0.1:0", "--listen.ws=127.0.0.1:0", "--dataDir="+dir, "--log.file=-")
	if err == nil || !strings.Contains(out, "journal damaged") || !strings.Contains(out, "move the file aside") {
		t.Fatalf("start on a damaged journal: %v\n%s", err, out)
	}
}
