package emulator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
)

// TestRepeatedRequestRunsOnce: the serial link may deliver a request twice
// (its ACK was lost). A repeat of the running request is ignored — no 9001,
// one final answer — and a repeat of a finished one gets the same final
// answer again, without charging the card twice.
func TestRepeatedRequestRunsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		req := credit(10000, "twice")
		start := rg.send(protocol.CodeCreditApproval, req)
		rg.phase("twice", protocol.PhaseReading)
		rg.send(protocol.CodeCreditApproval, req) // the repeat, while reading
		o := rg.follow(protocol.CodeCreditApproval, outcome{started: start})
		if o.final.ResultCode != protocol.ResultOK || o.elapsed != cardDelay+authDelay {
			t.Fatalf("final %s after %v", o.final.ResultCode, o.elapsed)
		}
		rg.quiet(time.Hour) // no second answer

		again := rg.transact(protocol.CodeCreditApproval, req)
		if string(again.final.raw) != string(o.final.raw) || len(again.phases) != 0 || again.elapsed != 0 {
			t.Errorf("repeat after the answer: phases %v after %v\n%s\nwant at once the same\n%s", again.phases, again.elapsed, again.final.raw, o.final.raw)
		}
		// Still one approval: cancelling it in full leaves nothing.
		rg.approve(protocol.CodeCreditCancel, cancelOf(o.final, 10000, "twice-c"))
		if r := rg.transact(protocol.CodeCreditCancel, cancelOf(o.final, 10000, "twice-c2")); r.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("second cancel: %s, want 9006", r.final.ResultCode)
		}
		// A repeat of a declined request is declined again, the same way.
		d := rg.transact(protocol.CodeCreditApproval, credit(10002, "lost"))
		if d2 := rg.transact(protocol.CodeCreditApproval, credit(10002, "lost")); string(d2.final.raw) != string(d.final.raw) || len(d2.phases) != 0 {
			t.Errorf("repeat of a decline: %s, want %s", d2.final.raw, d.final.raw)
		}
	})
}

// TestRefusedRequestIsNotRemembered: a request refused as busy never ran,
// so sending it again later runs it.
func TestRefusedRequestIsNotRemembered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{Manual: true})
		rg.send(protocol.CodeCreditApproval, credit(10000, "first"))
		rg.phase("first", protocol.PhaseReading)
		if o := rg.transact(protocol.CodeCreditApproval, credit(20000, "second")); o.final.ResultCode != protocol.ResultBusy {
			t.Fatalf("while busy: %s", o.final.ResultCode)
		}
		if err := rg.term.InsertCard(); err != nil {
			t.Fatal(err)
		}
		rg.follow(protocol.CodeCreditApproval, outcome{})
		rg.send(protocol.CodeCreditApproval, credit(20000, "second"))
		rg.phase("second", protocol.PhaseReading)
	})
}
