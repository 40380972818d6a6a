package emulator

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// TestUnreadableLineIsNotForgotten: a transaction whose line the books
// cannot read back at the moment (a disk error, the file moved away) is
// still known. The terminal never says it has no such transaction (the
// daemon would journal an approval as failed, or skip its reversal), and
// never runs a repeated request again (a second charge).
func TestUnreadableLineIsNotForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		rg := newRig(t, Config{BooksFile: file})
		ap := rg.approve(protocol.CodeCreditApproval, credit(10000, "ap"))
		runtime.GC() // no one holds the entry: its line is all that is left
		if err := os.Rename(file, file+".away"); err != nil {
			t.Fatal(err)
		}

		if a := rg.askOutcome("ap"); a.ResultCode == protocol.ResultNoOriginal || a.ResultCode == protocol.ResultOK && a.Status != protocol.OutcomeApproved {
			t.Errorf("inquiry of an approval whose line cannot be read: %+v, want approved or a device error, never 9006", a)
		}
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a.ResultCode != protocol.ResultDevice {
			t.Errorf("reversal of an approval whose line cannot be read: %+v, want 9004", a)
		}
		o := rg.transact(protocol.CodeCreditApproval, credit(10000, "ap"))
		if len(o.phases) != 0 || o.final.ResultCode == protocol.ResultOK && o.final.Data.ApprovalNo != ap.Data.ApprovalNo {
			t.Errorf("repeat of an approval whose line cannot be read ran again: phases %v, answer %s", o.phases, o.final.raw)
		}

		if err := os.Rename(file+".away", file); err != nil { // readable again
			t.Fatal(err)
		}
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeApproved || string(a.Final) != string(ap.raw) {
			t.Errorf("once readable again: %+v, want the approval", a)
		}
	})
}

// TestVoidedSlipStaysVoidAfterRestart: a tax-refund slip the books could
// not save is voided (answered 9004, never issued); the next start must
// not find it either, or a query by its serial would answer 0000.
func TestVoidedSlipStaysVoidAfterRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "books.json")
	b, n := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b, n, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	const serial = "26112612345678901234"
	e := &entry{ptxid: "slip", code: protocol.CodeTaxRefund, status: protocol.OutcomeApproved, amount: 50000, balance: 50000,
		approvalNo: "12345678", day: "20261126", refundSerial: serial}
	b.record(e)
	b.void(e) // the save failed: no slip is issued
	if s, _ := b.slip(serial); s != nil {
		t.Fatalf("voided slip found before the restart: %+v", s)
	}
	if err := b.save(true); err != nil { // the disk is writable again
		t.Fatal(err)
	}

	b2, n2 := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b2, n2, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	if s, err := b2.slip(serial); s != nil || err != nil {
		t.Errorf("voided slip after the restart: %+v (%v), want none", s, err)
	}
	if e, _ := b2.find("slip"); e == nil || e.status != protocol.OutcomeFailed {
		t.Errorf("the voided transaction after the restart: %+v, want failed", e)
	}
}

// TestSettledApprovalKnownAfterRestart: a cancel naming an approval that
// was cancelled or reversed is told so, before a restart and after it,
// not that the terminal never made that approval.
func TestSettledApprovalKnownAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{BooksFile: filepath.Join(t.TempDir(), "books.json")}
		rg := newRig(t, cfg)
		gone := rg.approve(protocol.CodeCreditApproval, credit(30000, "gone"))
		rg.approve(protocol.CodeCreditCancel, cancelOf(gone, 30000, "c1"))
		rv := rg.approve(protocol.CodeCreditApproval, credit(20000, "rv"))
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "rv"}); a.ResultCode != protocol.ResultOK {
			t.Fatalf("reverse: %+v", a)
		}
		before := map[string]string{}
		for name, c := range map[string]protocol.CancelRequest{"cancelled": cancelOf(gone, 30000, "c2"), "reversed": cancelOf(rv, 20000, "c3")} {
			before[name] = rg.transact(protocol.CodeCreditCancel, c).final.ResultMessage
		}
		rg.stop()

		rg2 := newRig(t, cfg)
		for name, c := range map[string]protocol.CancelRequest{"cancelled": cancelOf(gone, 30000, "c4"), "reversed": cancelOf(rv, 20000, "c5")} {
			o := rg2.transact(protocol.CodeCreditCancel, c).final
			if o.ResultCode != protocol.ResultNoOriginal || o.ResultMessage != before[name] || o.ResultMessage == protocol.MsgNoOriginal {
				t.Errorf("cancel of the %s approval after a restart: %s %s; before it: %s", name, o.ResultCode, o.ResultMessage, before[name])
			}
		}
	})
}

// TestInquiriesDoNotGrowTheBooks: entries read back for inquiries alone
// (no change, so no save) are forgotten again once no one holds them: the
// books of a terminal that is only asked questions stay the same size.
func TestInquiriesDoNotGrowTheBooks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "books.json")
	const n = 20_000
	writeApprovals(t, file, n, false)
	b, nums := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b, nums, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if e, err := b.find(approvalAt(i).ptxid); e == nil || err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if i%1000 == 999 {
			runtime.GC()
		}
	}
	if len(b.live) > n/4 {
		t.Errorf("after %d inquiries the books keep %d weak pointers to entries long dropped", n, len(b.live))
	}
}

// TestNumbersOfARunStaySmall: the numbers a run hands out are remembered
// so none is handed out twice, but not as strings: a terminal that makes
// 100,000 payments without a restart must not hold more for its numbers
// than its books hold for the payments (~11 MB).
func TestNumbersOfARunStaySmall(t *testing.T) {
	var n *numbers
	live := liveHeap(func() any {
		n = newNumbers(rand.New(rand.NewPCG(1, 2)))
		for range 100_000 {
			n.next(8)  // approval number
			n.next(12) // transaction number
		}
		return n
	})
	t.Logf("numbers of 100,000 payments: %.1f MB", float64(live)/1e6)
	if live > 6e6 {
		t.Errorf("the numbers of 100,000 payments hold %.1f MB, want under 6 MB", float64(live)/1e6)
	}
}

// TestNewBooksFileMadeAtBoot: a terminal without books makes its empty
// books file while it boots, with the folder's entry synced, so the first
// answer's sync covers only the file's content: a file created by that
// first save could vanish with its folder entry in a power cut, 0000
// answers and all.
func TestNewBooksFileMadeAtBoot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "books.json")
	if err := loadBooks(file, newBooks(), newNumbers(nil), zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(file); err != nil || st.Size() != 0 {
		t.Fatalf("after booting without books: %v, want an empty books file", err)
	}
}
