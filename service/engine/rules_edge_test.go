package engine

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// The rules of SPEC §4 at the edges: a disk that fails, a late or repeated
// answer, a reversal that is not plainly answered. Each plays the terminal
// frame by frame with a journal that fails on command.

// forPeople fails if a message a POS receives looks like an internal error.
func forPeople(t *testing.T, a answer) {
	t.Helper()
	if strings.ContainsAny(a.ResultMessage, `/\`) || strings.Contains(a.ResultMessage, "store:") || strings.Contains(a.ResultMessage, "no space") {
		t.Fatalf("message for the POS carries internals: %q", a.ResultMessage)
	}
}

func TestNoTransactionStartsBeforeItsRecordIsOnDisk(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		r.disk.fail(1)
		p.send(r.eng, credit, approval("J1", 1000))
		forPeople(t, p.expect(credit, protocol.ResultDevice, msgJournalDown, "J1"))
		r.terminalIdle()
		if _, ok := r.store.Get("J1"); ok {
			t.Fatal("a refused transaction is in the journal")
		}
		start(t, r, p, "J2", 1000) // the next write works: nothing is held against it
	})
}

func TestLowDiskRefusesNewTransactions(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		r.disk.lowSpace.Store(true)
		p.send(r.eng, credit, approval("J1", 1000))
		forPeople(t, p.expect(credit, protocol.ResultDevice, msgDiskLow, "J1"))
		r.terminalIdle()
		r.disk.lowSpace.Store(false)
		start(t, r, p, "J1", 1000)
	})
}

// A journal that cannot be read back may miss a ptxid or an original it
// holds: nothing may start on what it said, neither a second payment with
// a used ptxid nor a cancel told "no such original".
func TestUnreadableJournalRefusesNewTransactions(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		paid(t, r, p, "A1", 1000)
		r.disk.unreadable.Store(true)
		p.send(r.eng, credit, approval("A1", 1000))
		forPeople(t, p.expect(credit, protocol.ResultDevice, msgJournalUnreadableTxn, "A1"))
		day := time.Now().Format("20060102")
		p.send(r.eng, cancelC, `{"approvalAmt":1000,"approvalNo":"12345678","transactionDate":"`+day+`","ptxid":"C1"}`)
		forPeople(t, p.expect(cancelC, protocol.ResultDevice, msgJournalUnreadableTxn, "C1"))
		r.terminalIdle()
		r.disk.unreadable.Store(false)
		p.send(r.eng, credit, approval("A1", 1000))
		p.expect(credit, protocol.ResultDuplicate, protocol.MsgDuplicatePtxid, "A1")
	})
}

func TestApprovalTheJournalCannotHoldIsReversedAndAnswered9004(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "J1", 1000)
		r.disk.fail(-1)
		r.approve(credit, "J1", 1000)
		forPeople(t, p.expect(credit, protocol.ResultDevice, msgNotJournaled, "J1")) // never 0000
		if f := r.toTerminal(); f.Code != protocol.DevReverse {
			t.Fatalf("terminal got %s, want the approval reversed", f.Code)
		}
		// While the journal fails, nothing new starts.
		q := r.pos()
		q.send(r.eng, credit, approval("J2", 1000))
		forPeople(t, q.expect(credit, protocol.ResultDevice, msgJournalDown, "J2"))
		r.say(protocol.DevReverse, protocol.DevResult{ResultCode: "0000", Ptxid: "J1"})
		if rec, _ := r.store.Get("J1"); rec.Status != store.StatusRunning {
			t.Fatalf("journal says %s while the disk fails", rec.Status)
		}
		r.disk.heal()
		time.Sleep(5 * time.Second) // the owed records are written again
		synctest.Wait()
		if rec, _ := r.store.Get("J1"); rec.Status != store.StatusReversed {
			t.Fatalf("journal says %s once the disk works, want reversed", rec.Status)
		}
		start(t, r, q, "J2", 1000)
	})
}

func TestDeclineTheJournalCannotHoldIsAnswered9004AndOwed(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "J1", 1001)
		r.disk.fail(1)
		r.say(credit, protocol.Response{ResultCode: protocol.ResultDeclined, ResultMessage: "한도초과", Data: protocol.PtxidData{Ptxid: "J1"}})
		forPeople(t, p.expect(credit, protocol.ResultDevice, msgFinalUnsaved, "J1")) // no final leaves before its record
		r.terminalIdle()                                                             // nothing moved: nothing to reverse
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if rec, _ := r.store.Get("J1"); rec.Status != store.StatusDeclined {
			t.Fatalf("journal says %s, want declined once rewritten", rec.Status)
		}
	})
}

func TestConfirmationIsAnswered0000OnlyOnceOnDisk(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "J1", 1000)
		r.approve(credit, "J1", 1000)
		p.expect(credit, "0000", "", "J1")
		r.disk.fail(1)
		p.send(r.eng, protocol.CodeConfirm, "")
		forPeople(t, p.expect(protocol.CodeConfirm, protocol.ResultDevice, "", "J1"))
		if rec, _ := r.store.Get("J1"); rec.Confirmed() {
			t.Fatal("journal says confirmed after a failed write")
		}
		p.send(r.eng, protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, "0000", protocol.MsgConfirmed, "J1")
		time.Sleep(time.Minute)
		r.terminalIdle() // confirmed: never reversed
		if rec, _ := r.store.Get("J1"); !rec.Confirmed() || rec.Status != store.StatusApproved {
			t.Fatalf("journal %s confirmed=%v", rec.Status, rec.Confirmed())
		}
	})
}

// reverseUnconfirmed runs an approval nobody confirms up to its reversal.
func reverseUnconfirmed(t *testing.T, r *rig, p *pos, ptxid string) {
	t.Helper()
	start(t, r, p, ptxid, 1000)
	r.approve(credit, ptxid, 1000)
	p.expect(credit, "0000", "", ptxid)
	time.Sleep(30 * time.Second)
	if f := r.toTerminal(); f.Code != protocol.DevReverse {
		t.Fatalf("terminal got %s, want the reversal", f.Code)
	}
}

func TestLateConfirmationOfAReversedResultIs9009(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		reverseUnconfirmed(t, r, p, "J1")
		// Late, while the reversal is on its way: decided, not done yet.
		p.send(r.eng, protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, protocol.ResultDevice, protocol.MsgResolving, "J1")
		r.say(protocol.DevReverse, protocol.DevResult{ResultCode: "0000", Ptxid: "J1"})
		// Reversed and journaled: it no longer stands.
		p.send(r.eng, protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, protocol.ResultReversed, protocol.MsgReversed, "J1")
		// 990001 says so on top; the answer as sent stays in data.
		p.send(r.eng, protocol.CodeLastTransaction, "")
		a := p.expect(protocol.CodeLastTransaction, protocol.ResultReversed, "", "J1")
		if a.Body["status"] != "reversed" || a.Body["data"].(map[string]any)["approvalNo"] != "12345678" {
			t.Fatalf("990001: %v", a.Body)
		}
		// So does a repeated ptxid.
		p.send(r.eng, credit, approval("J1", 1000))
		d := p.expect(credit, protocol.ResultDuplicate, "", "J1").Body["data"].(map[string]any)
		if d["status"] != "reversed" || d["resultCode"] != "0000" {
			t.Fatalf("9007 data: %v", d)
		}
	})
}

func TestReversalNotAnswered0000IsSettledByAsking(t *testing.T) {
	for _, c := range []struct {
		name, terminal string
		want           store.Status
		confirm        store.Confirmation
	}{
		{"terminal reversed it", protocol.OutcomeReversed, store.StatusReversed, store.ConfirmUnconfirmed},
		{"terminal kept it", protocol.OutcomeApproved, store.StatusApproved, store.ConfirmUnconfirmed},
	} {
		t.Run(c.name, func(t *testing.T) {
			run(t, func(t *testing.T) {
				r := newRig(t, Config{})
				p := r.pos()
				reverseUnconfirmed(t, r, p, "J1")
				r.say(protocol.DevReverse, protocol.DevResult{ResultCode: protocol.ResultNoOriginal, ResultMessage: "망취소할 승인이 없습니다", Ptxid: "J1"})
				if f := r.toTerminal(); f.Code != protocol.DevOutcome {
					t.Fatalf("terminal got %s, want a question", f.Code)
				}
				if rec, _ := r.store.Get("J1"); rec.Status != store.StatusApproved || rec.Confirm != store.ConfirmAwaiting {
					t.Fatalf("journal decided before the terminal said: %s %s", rec.Status, rec.Confirm)
				}
				r.say(protocol.DevOutcome, protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "J1", Code: credit, Status: c.terminal})
				if rec, _ := r.store.Get("J1"); rec.Status != c.want || rec.Confirm != c.confirm {
					t.Fatalf("journal %s %s, want %s %s", rec.Status, rec.Confirm, c.want, c.confirm)
				}
			})
		})
	}
}

func TestLinkLostDuringAReversalIsAskedWhenItReturns(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		reverseUnconfirmed(t, r, p, "J1")
		r.unplug()
		r.plugIn()
		if f := r.toTerminal(); f.Code != protocol.DevOutcome {
			t.Fatalf("terminal got %s, want a question", f.Code)
		}
		r.say(protocol.DevOutcome, protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "J1", Code: credit, Status: protocol.OutcomeReversed})
		if rec, _ := r.store.Get("J1"); rec.Status != store.StatusReversed {
			t.Fatalf("journal %s, want reversed as the terminal says", rec.Status)
		}
	})
}

func TestUnansweredReversalIsAsked(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		reverseUnconfirmed(t, r, p, "J1")
		time.Sleep(15 * time.Second)
		if f := r.toTerminal(); f.Code != protocol.DevOutcome {
			t.Fatalf("terminal got %s, want a question", f.Code)
		}
	})
}

func TestDuplicate0010AfterAuthorizingIsIgnored(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "D1", 60000)
		r.say(credit, protocol.Response{ResultCode: protocol.ResultSignWait, ResultMessage: protocol.MsgSignWait, Data: protocol.PtxidData{Ptxid: "D1"}})
		p.expect(credit, protocol.ResultSignWait, "", "D1")
		r.phase("D1", protocol.PhaseAuthorizing)
		// The serial link delivers the 0010 a second time.
		r.say(credit, protocol.Response{ResultCode: protocol.ResultSignWait, ResultMessage: protocol.MsgSignWait, Data: protocol.PtxidData{Ptxid: "D1"}})
		r.phase("D1", protocol.PhaseSigning)
		p.quiet()
		p.send(r.eng, protocol.CodeAbort, "")
		p.expect(protocol.CodeAbort, protocol.ResultProcessing, "", "D1")
		r.terminalIdle()
		time.Sleep(time.Minute) // no signature window restarted
		p.quiet()
		r.approve(credit, "D1", 60000)
		p.expect(credit, "0000", "", "D1")
	})
}

func TestShutdownDoesNotWaitForAResultWhoseOwnerIsGone(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "S1", 1000)
		r.approve(credit, "S1", 1000)
		p.expect(credit, "0000", "", "S1")
		r.eng.Closed(p)
		r.shutdown()
		if !r.stopped() {
			t.Fatal("engine waits for a 980001 no connection can send")
		}
		if rec, _ := r.store.Get("S1"); rec.Confirm != store.ConfirmAwaiting {
			t.Fatalf("journal %s: the window must survive the restart", rec.Confirm)
		}
	})
}

func TestShutdownWaitsForAConfirmationAtMostTheDrainTime(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{DrainTimeout: 10 * time.Second})
		p := r.pos()
		start(t, r, p, "S1", 1000)
		r.approve(credit, "S1", 1000)
		p.expect(credit, "0000", "", "S1")
		r.shutdown()
		time.Sleep(10*time.Second - time.Millisecond)
		if r.stopped() {
			t.Fatal("engine stopped before the drain time")
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if !r.stopped() {
			t.Fatal("engine still running after the drain time")
		}
		p.quiet() // nothing untrue was sent; the window stays in the journal
	})
}

func TestSecondCancelWaitsForTheFirstCancelsOutcome(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Policy: PolicyOff})
		p := r.pos()
		day := time.Now().Format("20060102")
		cancel := func(ptxid string, amt int) {
			p.send(r.eng, cancelC, string(mustJSON(map[string]any{"approvalAmt": amt, "approvalNo": "12345678", "transactionDate": day, "ptxid": ptxid})))
		}
		start(t, r, p, "A1", 3000)
		r.approve(credit, "A1", 3000)
		p.expect(credit, "0000", "", "A1")
		cancel("C1", 3000)
		r.toTerminal()
		r.phase("C1", protocol.PhaseAuthorizing)
		r.unplug() // the cancel's outcome is unknown: it may have refunded
		p.expect(cancelC, protocol.ResultDevice, "", "C1")
		r.plugIn()
		if f := r.toTerminal(); f.Code != protocol.DevOutcome {
			t.Fatalf("terminal got %s, want a question", f.Code)
		}
		// The terminal's answer does not settle it (approved, but no answer
		// kept): the first cancel stays unknown, and may have refunded.
		r.say(protocol.DevOutcome, protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "C1", Code: cancelC, Status: protocol.OutcomeApproved})
		if rec, _ := r.store.Get("C1"); rec.Status != store.StatusUnknown {
			t.Fatalf("C1 %s, want unknown", rec.Status)
		}
		// A second cancel of the same sale must not reach the terminal.
		cancel("C2", 3000)
		p.expect(cancelC, protocol.ResultBusy, "", "C2")
		r.terminalIdle()
	})
}
