package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

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

// Sales totals the journal could not read are not zero sales: a shop
// closing its day on a 0000 with zeros books no income. The answer is 9004.
func TestUnreadableJournalIsNotZeroSales(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		paid(t, r, p, "A1", 1000)
		day := time.Now().Format("20060102")
		summary := `{"from":"` + day + `","to":"` + day + `"}`
		p.send(r.eng, protocol.CodeSalesSummary, summary)
		p.expect(protocol.CodeSalesSummary, protocol.ResultOK, "", "")
		r.loseJournal()
		p.send(r.eng, protocol.CodeSalesSummary, summary)
		forPeople(t, p.expect(protocol.CodeSalesSummary, protocol.ResultDevice, msgJournalUnreadable, ""))
	})
}

// A terminal's final answer that arrives once the journal cannot be read
// back finds no record to settle: the approval is still not answered 0000
// (its final record cannot be written, since the store cannot read the
// version it replaces), and it is reversed on the terminal.
func TestApprovalAfterTheJournalBecameUnreadableIsNot0000(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "U1", 1000)
		r.loseJournal()
		r.approve(credit, "U1", 1000)
		a := p.next()
		if a.Code != credit || a.ResultCode == protocol.ResultOK || a.Ptxid != "U1" {
			t.Fatalf("POS got %s %s %q for U1, want no 0000", a.Code, a.ResultCode, a.ResultMessage)
		}
		forPeople(t, a)
		if f := r.toTerminal(); f.Code != protocol.DevReverse {
			t.Fatalf("terminal got %s, want the approval nobody was told of reversed", f.Code)
		}
	})
}
