package engine

import (
	"testing"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// stopped reports whether the engine's Run has returned.
func (r *rig) stopped() bool {
	select {
	case <-r.eng.stopped:
		return true
	default:
		return false
	}
}

func TestShutdownWhileReadingCancelsOnTheTerminalAndAnswersTheOwner(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "S1", 1000)
		r.shutdown()
		f := r.toTerminal()
		if f.Code != protocol.DevCancel {
			t.Fatalf("terminal got %s, want a cancel", f.Code)
		}
		// New work is refused while draining.
		q := r.pos()
		q.send(r.eng, credit, approval("S2", 1000))
		if a := q.next(); a.ResultCode == protocol.ResultOK || a.Ptxid != "S2" {
			t.Fatalf("new payment while shutting down: %s", a.ResultCode)
		}
		r.terminalIdle()
		r.say(protocol.DevCancel, protocol.DevResult{ResultCode: "0000", Ptxid: "S1"})
		r.say(credit, protocol.Response{ResultCode: protocol.ResultFailed, ResultMessage: protocol.MsgUserCancel, Data: protocol.PtxidData{Ptxid: "S1"}})
		// The customer did not cancel: termd did.
		p.expect(credit, protocol.ResultFailed, protocol.MsgShutdown, "S1")
		p.quiet()
		if !r.stopped() {
			t.Fatal("engine still running with nothing left to do")
		}
	})
}

func TestShutdownWhileAuthorizingWaitsForTheAnswer(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "S1", 1000)
		r.phase("S1", protocol.PhaseAuthorizing)
		r.shutdown()
		r.terminalIdle() // too late to cancel: the card company decides
		time.Sleep(5 * time.Second)
		r.approve(credit, "S1", 1000)
		p.expect(credit, "0000", "", "S1")
		// The owner is still connected: its 980001 is waited for.
		if r.stopped() {
			t.Fatal("engine stopped before the POS could confirm")
		}
		p.send(r.eng, protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, "0000", "", "S1")
		if !r.stopped() {
			t.Fatal("engine still running after the confirmation")
		}
		if rec, _ := r.store.Get("S1"); !rec.Confirmed() {
			t.Fatal("confirmation not journaled")
		}
	})
}

func TestShutdownGivesUpOnAnAuthorizationAfterTheDrainTime(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{DrainTimeout: 10 * time.Second})
		p := r.pos()
		start(t, r, p, "S1", 1000)
		r.phase("S1", protocol.PhaseAuthorizing)
		r.shutdown()
		time.Sleep(10*time.Second - time.Millisecond)
		p.quiet()
		time.Sleep(time.Millisecond)
		// One final answer still: the outcome is unknown until next start.
		p.expect(credit, protocol.ResultDevice, "", "S1")
		if !r.stopped() {
			t.Fatal("engine still running after the drain time")
		}
		if rec, _ := r.store.Get("S1"); rec.Status != store.StatusUnknown {
			t.Fatalf("journal says %s, want unknown (asked of the terminal at next start)", rec.Status)
		}
	})
}
