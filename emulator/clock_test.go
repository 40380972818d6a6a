package emulator

import (
	"testing"
	"time"

	"github.com/termd/termd/emulator/clock"
	"github.com/termd/termd/protocol"
)

// On a virtual clock the customer and the card company act only when the
// clock is advanced, each at exactly its delay, and answers are dated by
// that clock. Runs in real time (no bubble): the clock is the only control.
func TestDelaysRunOnTheVirtualClock(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.Local)
	vc := clock.NewVirtual(start)
	cfg := delays()
	cfg.Clock = vc
	rg := newRig(t, cfg)
	rg.send(protocol.CodeCreditApproval, credit(10008, "virtual")) // 08: signs after signDelay
	rg.phase("virtual", protocol.PhaseReading)

	vc.Advance(cardDelay - time.Millisecond)
	rg.quiet(50 * time.Millisecond) // wall time: nothing moves without the clock
	vc.Advance(time.Millisecond)
	rg.phase("virtual", protocol.PhaseSigning)

	// One Advance covers the signature and the card company's answer: the
	// authorisation delay, set when the customer signs, counts in it.
	vc.Advance(signDelay + authDelay)
	o := rg.follow(protocol.CodeCreditApproval, outcome{})
	if len(o.phases) != 1 || o.phases[0] != protocol.PhaseAuthorizing || o.final.ResultCode != protocol.ResultOK {
		t.Fatalf("phases %v, final %s", o.phases, o.final.raw)
	}
	wantDate := start.Add(cardDelay + signDelay + authDelay).Format("20060102150405")
	if got := o.final.Data.TransactionDate; got != wantDate {
		t.Fatalf("transactionDate %s, want %s (the virtual clock's time)", got, wantDate)
	}
	if p := vc.Pending(); len(p) != 0 {
		t.Fatalf("timers left pending: %v", p)
	}
}
