package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// Each test here is one rule of SPEC §4, played against a scripted terminal.

const (
	credit  = protocol.CodeCreditApproval
	cancelC = protocol.CodeCreditCancel
)

// start sends an approval and checks it reached the terminal.
func start(t *testing.T, r *rig, p *pos, ptxid string, price int) {
	t.Helper()
	p.send(r.eng, credit, approval(ptxid, price))
	if f := r.toTerminal(); f.Code != credit {
		t.Fatalf("terminal got %s, want %s", f.Code, credit)
	}
}

func TestApprovalWithSignatureGetsOneFinalAfter0010(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 60000)
		r.phase("A1", protocol.PhaseReading)
		r.phase("A1", protocol.PhaseSigning)
		p.expect(credit, "0010", protocol.MsgSignWait, "A1")
		r.phase("A1", protocol.PhaseAuthorizing)
		r.approve(credit, "A1", 60000)
		p.expect(credit, "0000", "", "A1")
		p.quiet()
		rec, _ := r.store.Get("A1")
		if rec.Status != store.StatusApproved || rec.Confirm != store.ConfirmAwaiting {
			t.Fatalf("journal: %s/%s, want approved/awaiting", rec.Status, rec.Confirm)
		}
	})
}

func TestTransactionWhileRunningIsBusyAndNeverReachesTerminal(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p, other := r.pos(), r.pos()
		start(t, r, p, "A1", 1000)
		other.send(r.eng, credit, approval("B1", 1000))
		other.expect(credit, protocol.ResultBusy, "", "B1")
		r.terminalIdle()
		if _, ok := r.store.Get("B1"); ok {
			t.Fatal("refused request was journaled")
		}
	})
}

func TestTransactionWhileResultAwaitsConfirmationIsBusy(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		p.send(r.eng, credit, approval("A2", 1000))
		p.expect(credit, protocol.ResultBusy, "", "A2")
		r.terminalIdle()
		p.send(r.eng, protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, "0000", protocol.MsgConfirmed, "A1")
		start(t, r, p, "A2", 1000) // free again
	})
}

func TestReadTimeoutAfterSixtySeconds(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.phase("A1", protocol.PhaseReading)
		time.Sleep(59 * time.Second)
		r.terminalIdle()
		p.quiet()
		time.Sleep(time.Second)
		f := r.toTerminal()
		var req protocol.DevCancelRequest
		json.Unmarshal(f.Body, &req)
		if f.Code != protocol.DevCancel || req.Reason != protocol.ReasonReadTimeout || req.Ptxid != "A1" {
			t.Fatalf("terminal got %s %s, want a read-timeout cancel", f.Code, f.Body)
		}
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		p.expect(credit, "9999", protocol.MsgReadTimeout, "A1")
		p.quiet()
	})
}

func TestSignatureTimeoutAfterThirtySeconds(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 60000)
		r.phase("A1", protocol.PhaseSigning)
		p.expect(credit, "0010", "", "A1")
		time.Sleep(29 * time.Second)
		r.terminalIdle()
		time.Sleep(time.Second)
		f := r.toTerminal()
		if f.Code != protocol.DevCancel || !json.Valid(f.Body) {
			t.Fatalf("terminal got %s, want cancel", f.Code)
		}
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		p.expect(credit, "9999", protocol.MsgSignTimeout, "A1")
		rec, _ := r.store.Get("A1")
		if rec.Status != store.StatusFailed {
			t.Fatalf("status %s, want failed: nothing is charged", rec.Status)
		}
	})
}

func TestSignatureWindowIsItsOwnNotWhatIsLeftOfReading(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 60000)
		time.Sleep(50 * time.Second)
		r.phase("A1", protocol.PhaseSigning)
		p.expect(credit, "0010", "", "A1")
		time.Sleep(20 * time.Second) // past the read window, inside the signature one
		r.terminalIdle()
	})
}

func TestReadCancelMatchingKindWhileReading(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p, other := r.pos(), r.pos()
		start(t, r, p, "A1", 1000)
		other.send(r.eng, protocol.CodeCardReadCancel, "")
		if f := r.toTerminal(); f.Code != protocol.DevCancel {
			t.Fatalf("terminal got %s", f.Code)
		}
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		other.expect(protocol.CodeCardReadCancel, "0000", protocol.MsgDone, "A1")
		p.expect(credit, "9999", protocol.MsgUserCancel, "A1")
		p.quiet()
		other.quiet()
	})
}

func TestReadCancelRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *rig, p *pos)
		code  protocol.Code
	}{
		{"idle", func(r *rig, p *pos) {}, protocol.CodeCardReadCancel},
		{"wrong kind", func(r *rig, p *pos) { start(r.t, r, p, "A1", 1000) }, protocol.CodeSimplePayReadCancel},
		{"authorizing", func(r *rig, p *pos) {
			start(r.t, r, p, "A1", 1000)
			r.phase("A1", protocol.PhaseAuthorizing)
		}, protocol.CodeCardReadCancel},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func(t *testing.T) {
				r := newRig(t, Config{})
				p := r.pos()
				tc.setup(r, p)
				p.send(r.eng, tc.code, "")
				if a := p.next(); a.Code != tc.code || a.ResultCode != protocol.ResultUnable {
					t.Fatalf("got %s %s, want %s 9991", a.Code, a.ResultCode, tc.code)
				}
				r.terminalIdle()
			})
		})
	}
}

func TestAbortWhileSigning(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p, other := r.pos(), r.pos()
		start(t, r, p, "A1", 60000)
		r.phase("A1", protocol.PhaseSigning)
		p.expect(credit, "0010", "", "A1")
		other.send(r.eng, protocol.CodeAbort, "")
		r.toTerminal()
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		other.expect(protocol.CodeAbort, "9999", protocol.MsgUserCancel, "A1")
		p.expect(credit, "9999", protocol.MsgUserCancel, "A1")
	})
}

func TestAbortWhileAuthorizingIsRefusedAndTransactionCompletes(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.phase("A1", protocol.PhaseAuthorizing)
		p.send(r.eng, protocol.CodeAbort, "")
		p.expect(protocol.CodeAbort, "0001", protocol.MsgCannotAbort, "A1")
		r.terminalIdle()
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
	})
}

func TestAbortIdle(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		p.send(r.eng, protocol.CodeAbort, "")
		p.expect(protocol.CodeAbort, protocol.ResultUnable, "", "")
	})
}

func TestAbortRacingIntoAuthorization(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		p.send(r.eng, protocol.CodeAbort, "")
		r.toTerminal()
		// The card company was already asked: too late to stop.
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0001", Ptxid: "A1"})
		p.expect(protocol.CodeAbort, "0001", protocol.MsgCannotAbort, "A1")
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		p.quiet()
	})
}

func TestConfirmFromAnyConnectionIsIdempotent(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p, other := r.pos(), r.pos()
		other.send(r.eng, protocol.CodeConfirm, "") // nothing awaits: still 0000
		other.expect(protocol.CodeConfirm, "0000", protocol.MsgConfirmed, "")
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		// The answer names what it settled, and a repeat settles nothing new.
		other.send(r.eng, protocol.CodeConfirm, "")
		if a := other.expect(protocol.CodeConfirm, "0000", protocol.MsgConfirmed, "A1"); a.Body["data"].(map[string]any)["status"] != "approved" {
			t.Fatalf("980001 data: %v", a.Body["data"])
		}
		other.send(r.eng, protocol.CodeConfirm, "")
		other.expect(protocol.CodeConfirm, "0000", protocol.MsgConfirmed, "A1")
		time.Sleep(time.Minute)
		r.terminalIdle() // confirmed: never reversed
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusApproved || !rec.Confirmed() {
			t.Fatalf("journal %s confirmed=%v", rec.Status, rec.Confirmed())
		}
	})
}

func TestUnconfirmedApprovalIsReversed(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		time.Sleep(29 * time.Second)
		r.terminalIdle()
		time.Sleep(time.Second)
		f := r.toTerminal()
		if f.Code != protocol.DevReverse {
			t.Fatalf("terminal got %s, want a reversal", f.Code)
		}
		p.send(r.eng, credit, approval("A2", 1000))
		p.expect(credit, protocol.ResultBusy, "", "A2") // still reversing
		r.say(protocol.DevReverse, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		rec, _ := r.store.Get("A1")
		if rec.Status != store.StatusReversed || rec.Confirmed() {
			t.Fatalf("journal %s confirmed=%v, want reversed", rec.Status, rec.Confirmed())
		}
		p.send(r.eng, protocol.CodeLastTransaction, "")
		if a := p.next(); a.Body["status"] != "reversed" {
			t.Fatalf("990001 status %v", a.Body["status"])
		}
		start(t, r, p, "A2", 1000) // the terminal is free
	})
}

func TestUnconfirmedUnderHoldIsKept(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Policy: PolicyHold})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		time.Sleep(30 * time.Second)
		r.terminalIdle()
		rec, _ := r.store.Get("A1")
		if rec.Status != store.StatusApproved || rec.Confirm != store.ConfirmUnconfirmed {
			t.Fatalf("journal %s/%s, want approved/unconfirmed", rec.Status, rec.Confirm)
		}
		start(t, r, p, "A2", 1000)
	})
}

func TestPolicyOffFreesTerminalAtOnce(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Policy: PolicyOff})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		start(t, r, p, "A2", 1000)
		if rec, _ := r.store.Get("A1"); rec.Confirm != store.ConfirmNone {
			t.Fatalf("confirm %q, want none", rec.Confirm)
		}
	})
}

func TestUnconfirmedCancelIsKeptNotReversed(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		paid(t, r, p, "A1", 1000)
		day := time.Now().Format("20060102")
		p.send(r.eng, cancelC, `{"approvalAmt":1000,"approvalNo":"12345678","transactionDate":"`+day+`","ptxid":"C1"}`)
		r.toTerminal()
		r.approve(cancelC, "C1", 1000)
		p.expect(cancelC, "0000", "", "C1")
		time.Sleep(time.Minute)
		r.terminalIdle()
		c, _ := r.store.Get("C1")
		a, _ := r.store.Get("A1")
		if c.Confirm != store.ConfirmUnconfirmed || c.Status != store.StatusApproved || a.Status != store.StatusCancelled {
			t.Fatalf("cancel %s/%s, original %s", c.Status, c.Confirm, a.Status)
		}
	})
}

func TestOwnerDisconnectWhileReadingCancels(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.eng.Closed(p)
		f := r.toTerminal()
		var req protocol.DevCancelRequest
		json.Unmarshal(f.Body, &req)
		if f.Code != protocol.DevCancel || req.Reason != protocol.ReasonDisconnect {
			t.Fatalf("terminal got %s %s", f.Code, f.Body)
		}
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		p.quiet()
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusFailed {
			t.Fatalf("status %s", rec.Status)
		}
	})
}

func TestOwnerDisconnectWhileAuthorizingRecoversWith990001And980001(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.phase("A1", protocol.PhaseAuthorizing)
		r.eng.Closed(p)
		r.terminalIdle() // not cancelled
		r.approve(credit, "A1", 1000)
		p.quiet() // gone
		again := r.pos()
		time.Sleep(10 * time.Second)
		again.send(r.eng, protocol.CodeLastTransaction, "")
		a := again.next()
		if a.ResultCode != "0000" || a.Ptxid != "A1" || a.Body["status"] != "approved" || a.Body["confirmed"] != false || a.Body["transactionCode"] != "010010" {
			t.Fatalf("990001: %+v", a.Body)
		}
		again.send(r.eng, protocol.CodeConfirm, "")
		again.expect(protocol.CodeConfirm, "0000", "", "A1")
		time.Sleep(time.Minute)
		r.terminalIdle()
		if rec, _ := r.store.Get("A1"); !rec.Confirmed() || rec.Status != store.StatusApproved {
			t.Fatalf("journal %s confirmed=%v", rec.Status, rec.Confirmed())
		}
	})
}

func TestDuplicatePtxidNeverTouchesTerminal(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Policy: PolicyOff})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.approve(credit, "A1", 1000)
		p.expect(credit, "0000", "", "A1")
		p.send(r.eng, credit, approval("A1", 1000))
		a := p.expect(credit, protocol.ResultDuplicate, "", "A1")
		if d := a.Body["data"].(map[string]any); d["status"] != "approved" {
			t.Fatalf("9007 data %v", d)
		}
		r.terminalIdle()
	})
}

func TestUnpluggedWhileReadingEndsWith9004(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.unplug()
		p.expect(credit, protocol.ResultDevice, "", "A1")
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusUnknown {
			t.Fatalf("journal says %s, want unknown until the terminal tells", rec.Status)
		}
		p.send(r.eng, credit, approval("A2", 1000))
		p.expect(credit, protocol.ResultDevice, "", "A2")
		r.plugIn()
		// A pulled cable does not stop the terminal: it is asked first.
		if f := r.toTerminal(); f.Code != protocol.DevOutcome {
			t.Fatalf("terminal got %s, want an outcome question", f.Code)
		}
		stopped := mustJSON(protocol.Response{ResultCode: "9999", ResultMessage: protocol.MsgUserCancel, Data: protocol.PtxidData{Ptxid: "A1"}})
		r.say(protocol.DevOutcome, protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "A1", Code: credit, Status: protocol.OutcomeFailed, Final: stopped})
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusFailed {
			t.Fatalf("journal says %s, want failed as the terminal says", rec.Status)
		}
		start(t, r, p, "A3", 1000)
	})
}

func TestUnpluggedWhileAuthorizingIsResolvedWhenTerminalReturns(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.phase("A1", protocol.PhaseAuthorizing)
		r.unplug()
		p.expect(credit, protocol.ResultDevice, "", "A1")
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusUnknown {
			t.Fatalf("status %s, want unknown", rec.Status)
		}
		p.send(r.eng, protocol.CodeLastTransaction, "")
		if a := p.next(); a.Body["status"] != "unknown" {
			t.Fatalf("990001 status %v", a.Body["status"])
		}
		r.plugIn()
		f := r.toTerminal()
		if f.Code != protocol.DevOutcome {
			t.Fatalf("terminal got %s, want an outcome question", f.Code)
		}
		final := mustJSON(protocol.Response{ResultCode: "0000", ResultMessage: "정상승인", Data: protocol.CardResult{ApprovalNo: "11112222", ApprovalAmt: 1000, Ptxid: "A1", TransactionDate: "20000101000000"}})
		r.say(protocol.DevOutcome, protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "A1", Code: credit, Status: protocol.OutcomeApproved, Final: final})
		// The POS was told 9004, so nobody will confirm this approval: reverse it.
		if f := r.toTerminal(); f.Code != protocol.DevReverse {
			t.Fatalf("terminal got %s, want reversal", f.Code)
		}
		r.say(protocol.DevReverse, protocol.DevResult{ResultCode: "0000", Ptxid: "A1"})
		if rec, _ := r.store.Get("A1"); rec.Status != store.StatusReversed {
			t.Fatalf("status %s, want reversed", rec.Status)
		}
	})
}

func TestCancelChecksTheJournal(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Policy: PolicyOff})
		p := r.pos()
		day := time.Now().Format("20060102")
		cancel := func(ptxid string, amt int, no string) {
			p.send(r.eng, cancelC, string(mustJSON(map[string]any{"approvalAmt": amt, "approvalNo": no, "transactionDate": day, "ptxid": ptxid})))
		}
		cancel("C0", 1000, "12345678")
		p.expect(cancelC, protocol.ResultNoOriginal, "", "C0")
		start(t, r, p, "A1", 3000)
		r.approve(credit, "A1", 3000)
		p.next()
		cancel("C1", 4000, "12345678")
		p.expect(cancelC, protocol.ResultNoOriginal, "", "C1") // over the balance
		cancel("C2", 1000, "12345678")
		r.toTerminal()
		r.approve(cancelC, "C2", 1000)
		p.expect(cancelC, "0000", "", "C2")
		if a, _ := r.store.Get("A1"); a.Balance != 2000 || a.Status != store.StatusApproved {
			t.Fatalf("after partial cancel: balance %d status %s", a.Balance, a.Status)
		}
		cancel("C3", 2000, "12345678")
		r.toTerminal()
		r.approve(cancelC, "C3", 2000)
		p.expect(cancelC, "0000", "", "C3")
		cancel("C4", 1, "12345678")
		p.expect(cancelC, protocol.ResultNoOriginal, "이미 취소된 거래입니다", "C4")
		r.terminalIdle()
	})
}

func TestBadRequestsAreAnsweredWithoutTouchingAnything(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		p.send(r.eng, credit, `{"priceAmt":-5,"ptxid":"X"}`)
		a := p.expect(credit, protocol.ResultInvalid, "", "X")
		if a.ResultMessage != "priceAmt: required: a whole number of won, at least 1" {
			t.Fatalf("message %q", a.ResultMessage)
		}
		p.send(r.eng, "123456", "")
		p.expect("123456", protocol.ResultUnsupported, "", "")
		r.terminalIdle()
		if _, ok := r.store.Last(); ok {
			t.Fatal("a bad request was journaled")
		}
	})
}

// A request delivered twice by the serial link (its ACK was lost) may make
// a terminal answer the copy with 9001; that is not the answer of the
// transaction it is running.
func TestBusyAnswerToADuplicateRequestIsNotTheFinal(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "D1", 1000)
		r.phase("D1", protocol.PhaseReading)
		r.say(credit, protocol.Response{ResultCode: protocol.ResultBusy, ResultMessage: protocol.MsgBusy, Data: protocol.PtxidData{Ptxid: "D1"}})
		p.quiet()
		r.phase("D1", protocol.PhaseAuthorizing)
		r.approve(credit, "D1", 1000)
		p.expect(credit, "0000", "", "D1")
	})
}

// Before the terminal has taken the request, 9001 means it really is busy
// (say, with something started on its own keypad).
func TestBusyTerminalBeforeItStartsIsTheFinal(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "D1", 1000)
		r.say(credit, protocol.Response{ResultCode: protocol.ResultBusy, ResultMessage: protocol.MsgBusy, Data: protocol.PtxidData{Ptxid: "D1"}})
		p.expect(credit, protocol.ResultBusy, "", "D1")
	})
}

// A P3MIX tax-refund slip sent without a ptxid is named by termd before
// its record is journaled: the terminal gets the name, the answer carries
// it, and it is a transaction like any other (990001, 9007).
func TestUnnamedP3MIXSlipIsNamedAndJournaled(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{Model: protocol.ModelP3MIX})
		p := r.pos()
		p.send(r.eng, protocol.CodeTaxRefund, `{"salesSerial":"S-1"}`)
		f := r.toTerminal()
		var sent protocol.TaxRefundRequest
		if err := json.Unmarshal(f.Body, &sent); err != nil || f.Code != protocol.CodeTaxRefund {
			t.Fatalf("terminal got %s %s (%v)", f.Code, f.Body, err)
		}
		name := sent.Ptxid
		if !strings.HasPrefix(name, "termd-") || sent.SalesSerial != "S-1" {
			t.Fatalf("terminal got ptxid %q salesSerial %q, want a termd- name and S-1", name, sent.SalesSerial)
		}
		if rec, ok := r.store.Get(name); !ok || rec.Status != store.StatusRunning {
			t.Fatalf("the named slip is not journaled as running: %+v", rec)
		}
		r.say(protocol.CodeTaxRefund, protocol.Response{ResultCode: "0000", ResultMessage: "정상", Data: protocol.PtxidData{Ptxid: name}})
		p.expect(protocol.CodeTaxRefund, "0000", "", name)
		p.send(r.eng, protocol.CodeConfirm, "")
		p.next()
		p.send(r.eng, protocol.CodeTaxRefund, `{"salesSerial":"S-1","ptxId":"`+name+`"}`)
		p.expect(protocol.CodeTaxRefund, protocol.ResultDuplicate, protocol.MsgDuplicatePtxid, name)
		p.send(r.eng, protocol.CodeTaxRefund, `{"salesSerial":"S-2"}`) // a second one gets a name of its own
		if f := r.toTerminal(); bytes.Contains(f.Body, []byte(name)) {
			t.Fatalf("the second slip got the first one's name: %s", f.Body)
		}
	})
}
