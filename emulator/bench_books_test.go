package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// BenchmarkBooksSave is what keeping the books costs per answer: one entry
// appended to the books file and synced (fsync), as before every final
// answer. The /memory case is the same change with no books file, the
// cost without durability; /written is the pending line, appended without
// a sync.
func BenchmarkBooksSave(b *testing.B) {
	for _, c := range []struct {
		name, file string
		save       func(*Terminal) error
	}{
		{"memory", "", (*Terminal).saveBooks},
		{"disk", filepath.Join(b.TempDir(), "books.json"), (*Terminal).saveBooks},
		{"written", filepath.Join(b.TempDir(), "books.json"), (*Terminal).writeBooks},
	} {
		b.Run(c.name, func(b *testing.B) {
			t := New(Config{BooksFile: c.file}, zap.NewNop())
			<-t.loaded
			final := mustJSON(protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgApproved})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				t.mu.Lock()
				t.books.record(&entry{ptxid: fmt.Sprint("p", i), code: protocol.CodeCreditApproval, status: protocol.OutcomeApproved,
					final: final, amount: 10000, balance: 10000, approvalNo: fmt.Sprintf("%08d", i), day: "20261126"})
				if err := c.save(t); err != nil {
					b.Fatal(err)
				}
				t.mu.Unlock()
			}
		})
	}
}

// BenchmarkBooksLoad100k is the emulated terminal's start with the books
// of 100,000 approvals, each saved twice (pending, then approved), as real
// payments save them. live-MB is the heap the loaded books hold.
func BenchmarkBooksLoad100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "books.json")
	writeApprovals(b, path, 100_000, true)
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		live = liveHeap(func() any {
			t := New(Config{BooksFile: path}, zap.NewNop())
			<-t.loaded
			if len(t.books.index) != 100_000 {
				b.Fatalf("%d entries", len(t.books.index))
			}
			return t
		})
	}
	b.ReportMetric(float64(live)/1e6, "live-MB")
}

// liveHeap is the heap that what make returns holds after a collection.
func liveHeap(make func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := make()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// approvalAt is the i-th approval writeApprovals writes: a credit approval
// with its full final answer, shaped like those a real payment leaves.
func approvalAt(i int) *entry {
	ptxid, no := fmt.Sprintf("bench-dn4vg75701wq-%d", i), fmt.Sprintf("%08d", 7*i+3)
	is := issuers[i%len(issuers)]
	masked := is.bin + "******" + fmt.Sprintf("%04d", i%10000)
	final := mustJSON(protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgApproved, Data: protocol.CardResult{
		ApprovalNo: no, TransactionNo: fmt.Sprintf("%012d", 31*i+7), MerchantCode: "00012345", ApprovalAmt: 1000 + int64(i%50)*100,
		TaxAmt: 91, MaskedTrackData: masked, IssuerCode: is.code, IssuerName: is.name, AcquirerCode: is.acqCode,
		AcquirerName: is.acqName, TransactionDate: "20261124120000", Ptxid: ptxid}})
	amount := 1000 + int64(i%50)*100
	return &entry{ptxid: ptxid, code: protocol.CodeCreditApproval, status: protocol.OutcomeApproved, final: final, amount: amount,
		balance: amount, approvalNo: no, day: "20261124", card: card{issuer: is, masked: masked}}
}

// writeApprovals writes the books of n approvals to path; with pending,
// each is preceded by its pending line, as a payment writes them.
func writeApprovals(tb testing.TB, path string, n int, pending bool) {
	tb.Helper()
	var buf []byte
	for i := range n {
		e := approvalAt(i)
		if pending {
			buf = appendLines(buf, []*entry{{ptxid: e.ptxid, code: e.code, status: protocol.OutcomePending, amount: e.amount}})
		}
		buf = appendLines(buf, []*entry{e})
	}
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		tb.Fatal(err)
	}
}
