package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/termd/termd/protocol"
)

// loseJournal cuts journal.log back to its first line behind the store's
// back, as a failing disk or a careless hand would: the index still lists
// every record, but none can be read back.
func (r *rig) loseJournal() {
	r.t.Helper()
	if err := os.Truncate(filepath.Join(r.dir, "journal.log"), int64(len("termd journal 1\n"))); err != nil {
		r.t.Fatal(err)
	}
}

// paid runs one approval to its 980001.
func paid(t *testing.T, r *rig, p *pos, ptxid string, amt int) {
	t.Helper()
	start(t, r, p, ptxid, amt)
	r.approve(credit, ptxid, int64(amt))
	p.expect(credit, "0000", "", ptxid)
	p.send(r.eng, protocol.CodeConfirm, "")
	p.next()
}

// A POS that lost an answer asks 990001 (SPEC §3.3). When the journal
// cannot be read back, "no last transaction" would be untrue and could
// make the cashier charge the card again: the answer is 9004.
func TestUnreadableJournalIsNotNoLastTransaction(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		paid(t, r, p, "A1", 1000)
		r.loseJournal()
		p.send(r.eng, protocol.CodeLastTransaction, "")
		forPeople(t, p.expect(protocol.CodeLastTransaction, protocol.ResultDevice, msgJournalUnreadable, ""))
		p.send(r.eng, protocol.CodeLastTransaction, "") // not cached as the truth either
		p.expect(protocol.CodeLastTransaction, protocol.ResultDevice, msgJournalUnreadable, "")
	})
}
