package emulator

import (
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
)

// TestDevCancel: the daemon's stop request ends a transaction that waits
// for the customer (0000, and no final answer follows: the daemon writes
// its own), is too late once the card company is asked (0001, the final
// follows), and finds nothing to stop otherwise (9991).
func TestDevCancel(t *testing.T) {
	t.Run("reading", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rg := newRig(t, delays())
			rg.send(protocol.CodeCreditApproval, credit(10000, "p1"))
			rg.phase("p1", protocol.PhaseReading)
			a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "p1", Reason: protocol.ReasonUser})
			if a != (protocol.DevResult{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgDone, Ptxid: "p1"}) {
				t.Errorf("DevCancel while reading: %+v, want 0000 for p1", a)
			}
			rg.quiet(time.Hour) // the card delay passes: nothing goes on
			if s := rg.term.Screen(); s.Phase != "" {
				t.Errorf("screen after the stop: %+v", s)
			}
			out := rg.askOutcome("p1")
			var h protocol.ResultHeader
			_ = json.Unmarshal(out.Final, &h)
			if out.Status != protocol.OutcomeFailed || h.ResultCode != protocol.ResultFailed || h.ResultMessage != protocol.MsgUserCancel {
				t.Errorf("books after the stop: %+v", out)
			}
		})
	})
	t.Run("signing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rg := newRig(t, delays())
			rg.send(protocol.CodeCreditApproval, credit(60000, "p1"))
			rg.phase("p1", protocol.PhaseReading)
			rg.phase("p1", protocol.PhaseSigning)
			// No ptxid: whatever runs.
			if a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{}); a.ResultCode != protocol.ResultOK || a.Ptxid != "p1" {
				t.Errorf("DevCancel while signing: %+v, want 0000 for p1", a)
			}
			rg.quiet(time.Hour)
		})
	})
	t.Run("authorizing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rg := newRig(t, delays())
			start := rg.send(protocol.CodeCreditApproval, credit(10000, "p1"))
			rg.phase("p1", protocol.PhaseReading)
			rg.phase("p1", protocol.PhaseAuthorizing)
			a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "p1", Reason: protocol.ReasonUser})
			if a != (protocol.DevResult{ResultCode: protocol.ResultProcessing, ResultMessage: protocol.MsgCannotAbort, Ptxid: "p1"}) {
				t.Errorf("DevCancel while authorizing: %+v, want 0001", a)
			}
			o := rg.follow(protocol.CodeCreditApproval, outcome{started: start})
			if o.final.ResultCode != protocol.ResultOK || o.elapsed != cardDelay+authDelay {
				t.Errorf("final after a late stop: %s after %v, want 0000 after %v", o.final.ResultCode, o.elapsed, cardDelay+authDelay)
			}
		})
	})
	t.Run("idle or another transaction", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rg := newRig(t, delays())
			if a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "p0"}); a.ResultCode != protocol.ResultUnable || a.Ptxid != "p0" {
				t.Errorf("DevCancel when idle: %+v, want 9991", a)
			}
			rg.send(protocol.CodeCreditApproval, credit(10000, "p1"))
			rg.phase("p1", protocol.PhaseReading)
			if a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "other"}); a.ResultCode != protocol.ResultUnable {
				t.Errorf("DevCancel of another ptxid: %+v, want 9991", a)
			}
			// p1 goes on.
			if o := rg.follow(protocol.CodeCreditApproval, outcome{}); o.final.ResultCode != protocol.ResultOK {
				t.Errorf("p1 after a stray stop: %s", o.final.ResultCode)
			}
		})
	})
}

// TestDevOutcome: the terminal answers from its books: pending while it
// runs, the status and the very final answer afterwards, 9006 for a ptxid
// it never saw.
func TestDevOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		if a := rg.askOutcome("never"); a.ResultCode != protocol.ResultNoOriginal || a.Ptxid != "never" || a.Status != "" || len(a.Final) != 0 {
			t.Errorf("unknown ptxid: %+v, want 9006 with no status", a)
		}

		start := rg.send(protocol.CodeSimplePayApproval, credit(10000, "run"))
		rg.phase("run", protocol.PhaseReading)
		for _, phase := range []string{protocol.PhaseReading, protocol.PhaseAuthorizing} {
			if phase == protocol.PhaseAuthorizing {
				rg.phase("run", protocol.PhaseAuthorizing)
			}
			a := rg.askOutcome("run")
			if a.ResultCode != protocol.ResultOK || a.Status != protocol.OutcomePending || a.Code != protocol.CodeSimplePayApproval {
				t.Errorf("while %s: %+v, want pending 030010", phase, a)
			}
		}
		o := rg.follow(protocol.CodeSimplePayApproval, outcome{started: start})
		a := rg.askOutcome("run")
		if a.Status != protocol.OutcomeApproved || a.Code != protocol.CodeSimplePayApproval || string(a.Final) != string(o.final.raw) {
			t.Errorf("after approval: %+v\nwant approved with final %s", a, o.final.raw)
		}

		rg.transact(protocol.CodeCreditApproval, credit(10003, "declined"))
		if a := rg.askOutcome("declined"); a.Status != protocol.OutcomeDeclined {
			t.Errorf("declined: status %q", a.Status)
		}
		rg.transact(protocol.CodeCreditApproval, credit(10004, "silent"))
		if a := rg.askOutcome("silent"); a.Status != protocol.OutcomeFailed {
			t.Errorf("host silent: status %q", a.Status)
		}
	})
}

// TestDevReverse: an approval the daemon reverses is gone from the books
// for good: it cannot be cancelled, and reversing it again answers 0000
// again (the daemon asks again when an answer was lost) without changing
// anything; cancels and unknown ptxids are not reversible.
func TestDevReverse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		first := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"})
		if first.ResultCode != protocol.ResultOK || first.Ptxid != "ap" {
			t.Fatalf("reverse: %+v, want 0000", first)
		}
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeReversed {
			t.Errorf("reversed approval: status %q", a.Status)
		}
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a != first {
			t.Errorf("second reverse: %+v, want the first answer again %+v", a, first)
		}
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeReversed {
			t.Errorf("reversed twice: status %q", a.Status)
		}
		if o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 1000, "ap-c")); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("cancel of a reversed approval: %s, want 9006", o.final.ResultCode)
		}

		ap2 := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap2"))
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap2, 10000, "ap2-c"))
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap2-c"}); a.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("reverse of a cancel: %+v, want 9006", a)
		}
		rg.transact(protocol.CodeCreditApproval, credit(10001, "declined"))
		for _, p := range []string{"declined", "nobody"} {
			if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: p}); a.ResultCode != protocol.ResultNoOriginal || a.Ptxid != p {
				t.Errorf("reverse of %s: %+v, want 9006", p, a)
			}
		}
		// A partly cancelled approval can still be reversed: nothing of it stays.
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap2"}); a.ResultCode != protocol.ResultOK {
			t.Errorf("reverse of a partly cancelled approval: %+v", a)
		}
		if o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap2, 1000, "ap2-c2")); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("cancel after reversal: %s, want 9006", o.final.ResultCode)
		}
	})
}

// TestDevStatus: the terminal tells its model and whether it is busy.
func TestDevStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{Model: protocol.ModelP3MIX, CardDelay: time.Second})
		status := func() protocol.DevStatusAnswer {
			t.Helper()
			f := rg.ask(protocol.DevStatus, nil)
			var a protocol.DevStatusAnswer
			if err := json.Unmarshal(f.Body, &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		if a := status(); a != (protocol.DevStatusAnswer{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgDone, Model: protocol.ModelP3MIX}) {
			t.Errorf("idle: %+v", a)
		}
		rg.send(protocol.CodeCreditApproval, credit(10000, "busy"))
		rg.phase("busy", protocol.PhaseReading)
		if a := status(); !a.Busy || a.Ptxid != "busy" || a.ResultCode != protocol.ResultOK {
			t.Errorf("reading: %+v, want busy with ptxid", a)
		}
		rg.follow(protocol.CodeCreditApproval, outcome{})
		if a := status(); a.Busy || a.Ptxid != "" {
			t.Errorf("after the answer: %+v, want idle", a)
		}
	})
}

// TestDefaultModel: a terminal with no model is a T650P.
func TestDefaultModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		var a protocol.DevStatusAnswer
		if err := json.Unmarshal(rg.ask(protocol.DevStatus, nil).Body, &a); err != nil || a.Model != protocol.ModelT650P {
			t.Errorf("default model %q (%v), want T650P", a.Model, err)
		}
	})
}
