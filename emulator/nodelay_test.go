package emulator

import (
	"slices"
	"strconv"
	"testing"
	"testing/synctest"

	"github.com/termd/termd/protocol"
)

// With no delays the steps run at once, in the session itself, but still
// one after the other: each phase is reported before the next step runs,
// a signature comes between reading and authorizing, and the final answer
// comes last.
func TestZeroDelaysKeepTheOrder(t *testing.T) {
	for _, c := range []struct {
		price  int64
		phases []string
	}{
		{10000, []string{protocol.PhaseReading, protocol.PhaseAuthorizing}},
		{60000, []string{protocol.PhaseReading, protocol.PhaseSigning, protocol.PhaseAuthorizing}},
	} {
		synctest.Test(t, func(t *testing.T) {
			rg := newRig(t, Config{})
			for i := range 3 { // and again: no step is left over for the next one
				o := rg.transact(protocol.CodeCreditApproval, credit(c.price, "zero-"+strconv.Itoa(i)))
				if !slices.Equal(o.phases, c.phases) || o.final.ResultCode != protocol.ResultOK {
					t.Fatalf("payment %d of %d: phases %v then %s, want %v then 0000", i, c.price, o.phases, o.final.ResultCode, c.phases)
				}
				if o.elapsed != 0 {
					t.Fatalf("final after %v of fake time, want at once", o.elapsed)
				}
			}
		})
	}
}
