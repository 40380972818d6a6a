package emulator

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// TestCompactionAtLoad: books mostly made of superseded lines are
// rewritten at start with the latest line of each ptxid; every entry is
// then read back from its new place, a payment running at the crash is
// failed, and what the next run saves lands after the compacted lines and
// is read back by the start after it.
func TestCompactionAtLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "books.json")
	const n = 2000
	var buf []byte
	for i := range n { // three lines each: pending, approved, reversed
		e := approvalAt(i)
		buf = appendLines(buf, []*entry{{ptxid: e.ptxid, code: e.code, status: protocol.OutcomePending, amount: e.amount}, e})
		e.status, e.balance = protocol.OutcomeReversed, 0
		buf = appendLines(buf, []*entry{e})
	}
	buf = appendLines(buf, []*entry{{ptxid: "inflight", code: protocol.CodeCreditApproval, status: protocol.OutcomePending, amount: 1000}})
	if err := os.WriteFile(file, buf, 0o600); err != nil {
		t.Fatal(err)
	}

	b, nums := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b, nums, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Size() > int64(len(buf))/2 {
		t.Fatalf("books of %d bytes, mostly superseded, are %d bytes after the start (%v)", len(buf), st.Size(), err)
	}
	check := func(b *books, when string) {
		t.Helper()
		for _, i := range []int{0, 1, n / 2, n - 1} {
			want := approvalAt(i)
			e, err := b.find(want.ptxid)
			if err != nil || e == nil || e.status != protocol.OutcomeReversed || string(e.final) != string(want.final) || e.approvalNo != want.approvalNo {
				t.Errorf("%s, %s: %+v (%v), want reversed", when, want.ptxid, e, err)
			}
		}
		if e, _ := b.find("inflight"); e == nil || e.status != protocol.OutcomeFailed {
			t.Errorf("%s, the payment running at the crash: %+v, want failed", when, e)
		}
	}
	check(b, "after compaction")
	e := approvalAt(n)
	b.record(e)
	if err := b.save(true); err != nil {
		t.Fatal(err)
	}

	b2 := newBooks()
	if err := loadBooks(file, b2, newNumbers(nil), zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	check(b2, "the start after")
	if got, _ := b2.find(e.ptxid); got == nil || got.status != protocol.OutcomeApproved {
		t.Errorf("saved after the compaction: %+v, want approved", got)
	}
}
