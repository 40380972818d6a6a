package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// TestBooksSurviveRestart: with a books file, a new terminal on the same
// file knows every earlier transaction, its status and final answer, what
// is left to cancel of each approval, the tax-refund slips, and which
// numbers it already gave out.
func TestBooksSurviveRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "state", "books.json") // the folder is made on first use
		cfg := Config{BooksFile: file}

		rg := newRig(t, cfg)
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		c1 := rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 10000, "c1"))
		dec := rg.transact(protocol.CodeCreditApproval, credit(10001, "declined")).final
		slip := rg.approve(protocol.CodeTaxRefund, `{"approvalAmt":50000,"ptxId":"slip"}`)
		before := rg.askOutcome("ap")
		rg.stop()

		rg2 := newRig(t, cfg)
		// Numbers handed out before the restart are not handed out again.
		// (On the bubble's fake clock both runs seed their random source
		// alike, so the new run draws the old numbers first.)
		old := map[string]bool{ap.Data.ApprovalNo: true, c1.Data.ApprovalNo: true}
		for i := range 20 {
			d := rg2.approve(protocol.CodeCreditApproval, credit(1000, fmt.Sprint("new-", i))).Data
			if old[d.ApprovalNo] {
				t.Fatalf("approvalNo %s given out again after the restart", d.ApprovalNo)
			}
		}
		for ptxid, want := range map[string]struct {
			status string
			final  []byte
		}{
			"ap":       {protocol.OutcomeApproved, ap.raw},
			"c1":       {protocol.OutcomeApproved, c1.raw},
			"declined": {protocol.OutcomeDeclined, dec.raw},
		} {
			a := rg2.askOutcome(ptxid)
			if a.ResultCode != protocol.ResultOK || a.Status != want.status || string(a.Final) != string(want.final) {
				t.Errorf("after restart, %s: %+v\nwant status %s final %s", ptxid, a, want.status, want.final)
			}
		}
		if a := rg2.askOutcome("ap"); a.Code != before.Code {
			t.Errorf("code %q after restart, %q before", a.Code, before.Code)
		}
		// 20,000 is left of the approval.
		if o := rg2.transact(protocol.CodeCreditCancel, cancelOf(ap, 25000, "c2")); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("cancel above the remembered balance: %s, want 9006", o.final.ResultCode)
		}
		c3 := rg2.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, "c3"))
		if c3.Data.MaskedTrackData != ap.Data.MaskedTrackData || c3.Data.IssuerCode != ap.Data.IssuerCode {
			t.Errorf("the card is forgotten: cancel shows %s/%s, approval %s/%s", c3.Data.MaskedTrackData, c3.Data.IssuerCode,
				ap.Data.MaskedTrackData, ap.Data.IssuerCode)
		}
		if a := rg2.askOutcome("ap"); a.Status != protocol.OutcomeCancelled {
			t.Errorf("status %q, want cancelled", a.Status)
		}
		q := rg2.approve(protocol.CodeTaxRefundQuery, protocol.TaxRefundRefRequest{TaxRefundSerial: slip.Data.RefundSerial, Ptxid: "q"})
		if q.Data.RefundSerial != slip.Data.RefundSerial {
			t.Errorf("slip forgotten: %s", q.raw)
		}
		rg2.stop()

		// The third run sees the second run's work too.
		rg3 := newRig(t, cfg)
		if a := rg3.askOutcome("c3"); a.Status != protocol.OutcomeApproved {
			t.Errorf("third run: c3 %+v", a)
		}
		if a := rg3.askOutcome("ap"); a.Status != protocol.OutcomeCancelled {
			t.Errorf("third run: ap %+v, want cancelled", a)
		}
	})
}

// TestBooksPendingFailsOnLoad: books saved while the card company was
// deciding (the power went then) come back with that transaction failed,
// as a terminal that restarts mid-authorization reverses it.
func TestBooksPendingFailsOnLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "books.json")
		rg := newRig(t, Config{BooksFile: file, AuthDelay: time.Minute})
		rg.send(protocol.CodeCreditApproval, credit(10000, "inflight"))
		rg.phase("inflight", protocol.PhaseReading)
		rg.phase("inflight", protocol.PhaseAuthorizing)
		synctest.Wait() // the session has saved the books

		// The power goes now: what is on disk is what the next start sees.
		saved, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(saved), `"status":"pending"`) {
			t.Fatalf("books saved while authorizing hold no pending entry:\n%s", saved)
		}
		crashed := filepath.Join(dir, "crashed.json")
		if err := os.WriteFile(crashed, saved, 0o600); err != nil {
			t.Fatal(err)
		}
		rg2 := newRig(t, Config{BooksFile: crashed})
		a := rg2.askOutcome("inflight")
		var h protocol.ResultHeader
		if err := json.Unmarshal(a.Final, &h); err != nil {
			t.Fatalf("final %q: %v", a.Final, err)
		}
		if a.ResultCode != protocol.ResultOK || a.Status != protocol.OutcomeFailed || h.ResultCode != protocol.ResultFailed || a.Code != protocol.CodeCreditApproval {
			t.Errorf("after a crash mid-authorization: %+v, want failed with a 9999 final", a)
		}

		// The first terminal, which did not crash, approves; its books say so.
		if o := rg.follow(protocol.CodeCreditApproval, outcome{}); o.final.ResultCode != protocol.ResultOK {
			t.Fatalf("final %s", o.final.ResultCode)
		}
		rg.stop()
		rg3 := newRig(t, Config{BooksFile: file})
		if a := rg3.askOutcome("inflight"); a.Status != protocol.OutcomeApproved {
			t.Errorf("after a clean stop: %+v, want approved", a)
		}
	})
}

// TestBooksCorruptFile: a books file that cannot be read does not stop the
// terminal: it starts with empty books and serves.
func TestBooksCorruptFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		if err := os.WriteFile(file, []byte("this is not JSON\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		rg := newRig(t, Config{BooksFile: file})
		if a := rg.askOutcome("anything"); a.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("outcome from corrupt books: %+v", a)
		}
		rg.approve(protocol.CodeCreditApproval, credit(10000, "works"))
	})
}

// TestBooksTornLineLosesNothingAfterIt: a crash in the middle of saving
// leaves a torn last line. Whatever the terminal does after that restart
// must still be known at the next restart.
func TestBooksTornLineLosesNothingAfterIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		cfg := Config{BooksFile: file}
		rg := newRig(t, cfg)
		rg.approve(protocol.CodeCreditApproval, credit(10000, "old"))
		rg.stop()
		// The power went while the next entry was being written.
		f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(`{"ptxid":"torn","code":"0100`); err != nil {
			t.Fatal(err)
		}
		f.Close()

		rg2 := newRig(t, cfg)
		if a := rg2.askOutcome("old"); a.Status != protocol.OutcomeApproved {
			t.Errorf("entry before the torn line: %+v", a)
		}
		rg2.approve(protocol.CodeCreditApproval, credit(20000, "new"))
		rg2.stop()

		rg3 := newRig(t, cfg)
		for _, p := range []string{"old", "new"} {
			if a := rg3.askOutcome(p); a.Status != protocol.OutcomeApproved {
				t.Errorf("next restart: %s is %q (%s), want approved: the torn line hides every entry saved after it", p, a.Status, a.ResultCode)
			}
		}
	})
}

// get is the entry of ptxid, or nil.
func (b *books) get(ptxid string) *entry {
	e, _ := b.find(ptxid)
	return e
}

func (b *books) has(ptxid string) bool { return b.get(ptxid) != nil }

// TestBooks100kRestart: a terminal restarted on the books of 100,000
// approvals holds them in under 15 MB of heap, and still answers from
// them as before: inquiries with the exact final answers, a repeated
// request with its answer, cancels (with the original's card), a second
// cancel refused, and a ptxid whose last line is damaged by what its line
// before says.
func TestBooks100kRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		writeApprovals(t, file, 100_000, true)
		f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		damaged := `{"ptxid":"` + approvalAt(500).ptxid + `","code":"010010","status":"reversed","amount":1000,"balance":0,"appr` + "\x00\x00\n"
		if _, err := f.WriteString(damaged); err != nil {
			t.Fatal(err)
		}
		f.Close()

		var rg *rig
		live := liveHeap(func() any { rg = newRig(t, Config{BooksFile: file}); return rg })
		t.Logf("live heap with 100,000 approvals: %.1f MB", float64(live)/1e6)
		if live > 15e6 {
			t.Errorf("the books of 100,000 approvals hold %.1f MB, want under 15 MB", float64(live)/1e6)
		}
		for _, i := range []int{0, 500, 50_000, 99_999} {
			want := approvalAt(i)
			if a := rg.askOutcome(want.ptxid); a.Status != protocol.OutcomeApproved || string(a.Final) != string(want.final) || a.Code != want.code {
				t.Errorf("%s after restart: %+v\nwant approved with %s", want.ptxid, a, want.final)
			}
		}
		again := approvalAt(3)
		if o := rg.transact(protocol.CodeCreditApproval, credit(again.amount, again.ptxid)); string(o.final.raw) != string(again.final) || len(o.phases) != 0 {
			t.Errorf("repeat of a known ptxid: %s, want at once %s", o.final.raw, again.final)
		}

		orig := approvalAt(50_000)
		cancel := protocol.CancelRequest{ApprovalAmt: orig.amount, ApprovalNo: orig.approvalNo, TransactionDate: "20261124120000", Ptxid: "c1"}
		c := rg.approve(protocol.CodeCreditCancel, cancel)
		if c.Data.MaskedTrackData != orig.card.masked || c.Data.IssuerCode != orig.card.issuer.code {
			t.Errorf("cancel shows card %s/%s, the approval had %s/%s", c.Data.MaskedTrackData, c.Data.IssuerCode, orig.card.masked, orig.card.issuer.code)
		}
		cancel.Ptxid = "c2"
		if o := rg.transact(protocol.CodeCreditCancel, cancel); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("second cancel: %s, want 9006", o.final.ResultCode)
		}
		runtime.GC() // whatever no one holds is read back from the file
		if a := rg.askOutcome(orig.ptxid); a.Status != protocol.OutcomeCancelled {
			t.Errorf("cancelled approval: %+v", a)
		}
		if a := rg.askOutcome("c1"); a.Status != protocol.OutcomeApproved || string(a.Final) != string(c.raw) {
			t.Errorf("the cancel: %+v", a)
		}
	})
}

// TestPaymentSyncsOnce: a payment writes its pending line without a sync
// (it is in the file while the card company decides) and syncs once,
// before its final answer.
func TestPaymentSyncsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		rg := newRig(t, Config{BooksFile: file, AuthDelay: time.Minute})
		syncs := func() int {
			rg.term.mu.Lock()
			defer rg.term.mu.Unlock()
			return rg.term.books.syncs
		}
		rg.send(protocol.CodeCreditApproval, credit(10000, "p1"))
		rg.phase("p1", protocol.PhaseReading)
		rg.phase("p1", protocol.PhaseAuthorizing)
		synctest.Wait()
		saved, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(saved), `"ptxid":"p1","code":"010010","status":"pending"`) {
			t.Fatalf("while authorizing, the file holds no pending line:\n%s", saved)
		}
		if n := syncs(); n != 0 {
			t.Errorf("%d syncs before the card company answered, want 0", n)
		}
		if o := rg.follow(protocol.CodeCreditApproval, outcome{}); o.final.ResultCode != protocol.ResultOK {
			t.Fatalf("final %s", o.final.ResultCode)
		}
		if n := syncs(); n != 1 {
			t.Errorf("%d syncs for one payment, want 1", n)
		}
	})
}

// TestEntriesReadBack: an entry no one holds is dropped from memory and
// read back from its latest line, changes included; one still held stays
// the same object, so a change made through it is never lost to a second
// copy.
func TestEntriesReadBack(t *testing.T) {
	b, n := newBooks(), newNumbers(nil)
	if err := loadBooks(filepath.Join(t.TempDir(), "books.json"), b, n, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	want := *approvalAt(1)
	e := approvalAt(1)
	b.record(e)
	e.balance = 400 // changed after record, before the save: saved as changed
	want.balance = 400
	if err := b.save(true); err != nil {
		t.Fatal(err)
	}
	slot := e.slot
	e = nil
	runtime.GC()
	if b.live[slot].Value() != nil {
		t.Fatal("an entry no one holds is still in memory after a collection")
	}
	got := b.get(want.ptxid)
	if got == nil || got.balance != 400 || string(got.final) != string(want.final) || got.card != want.card || got.approvalNo != want.approvalNo {
		t.Fatalf("read back %+v\nwant %+v", got, want)
	}
	got.status = protocol.OutcomeReversed // held and changed, not yet saved
	runtime.GC()
	if again := b.get(want.ptxid); again != got {
		t.Fatal("a held entry was read back as a second copy")
	}
	if o, _ := b.approval(protocol.CodeCreditApproval, want.approvalNo, want.day); o != got {
		t.Errorf("approval index: %p, want %p", o, got)
	}
	runtime.KeepAlive(got)
}

// TestApprovalKeys: approvals differing in code, number or day never
// share a key, and numbers or days that do not pack are still found.
func TestApprovalKeys(t *testing.T) {
	b := newBooks()
	keys := []approvalKey{
		{protocol.CodeCreditApproval, "00000001", "20261124"},
		{protocol.CodeSimplePayApproval, "00000001", "20261124"},
		{protocol.CodeCreditApproval, "00000002", "20261124"},
		{protocol.CodeCreditApproval, "00000001", "20261125"},
		{protocol.CodeCreditApproval, "00000001", "20271124"},
		{protocol.CodeCreditApproval, "00000001", "20261231"},
		{protocol.CodeCreditApproval, "00000001", "20270100"},
		{protocol.CodeCreditApproval, "99999999", "99991231"},
		{protocol.CodeCreditApproval, "A1", "20261124"},       // not 8 digits
		{protocol.CodeCreditApproval, "00000001", "2026-1-1"}, // not a YYYYMMDD
		{protocol.CodeCreditApproval, "00000001", "20261332"}, // month 13
		{protocol.CodeCashReceipt, "123456789", "20261124"},   // 9 digits
	}
	for i, k := range keys {
		b.record(&entry{ptxid: fmt.Sprint("p", i), code: k.code, status: protocol.OutcomeApproved, approvalNo: k.approvalNo, day: k.day})
	}
	for i, k := range keys {
		if e, _ := b.approval(k.code, k.approvalNo, k.day); e == nil || e.ptxid != fmt.Sprint("p", i) {
			t.Errorf("%+v: found %+v, want p%d", k, e, i)
		}
	}
	if e, _ := b.approval(protocol.CodeCreditApproval, "00000003", "20261124"); e != nil {
		t.Errorf("an approval never given: found %+v", e)
	}
}
