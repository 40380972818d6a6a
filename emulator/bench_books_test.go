package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// BenchmarkBooksSave is what keeping the books costs per answer: one entry
// appended to the books file and synced (fsync), as before every final
// answer. The /memory case is the same change with no books file, the
// cost without durability; the difference is the fsync and the file I/O.
func BenchmarkBooksSave(b *testing.B) {
	for _, c := range []struct{ name, file string }{
		{"memory", ""},
		{"disk", filepath.Join(b.TempDir(), "books.json")},
	} {
		b.Run(c.name, func(b *testing.B) {
			t := New(Config{BooksFile: c.file}, zap.NewNop())
			<-t.loaded
			final := mustJSON(protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgApproved})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				t.mu.Lock()
				t.books.record(&entry{ptxid: fmt.Sprint("p", i), code: protocol.CodeCreditApproval, status: protocol.OutcomeApproved,
					final: final, amount: 10000, balance: 10000, approvalNo: "12345678", day: "20261126"})
				if err := t.saveBooks(); err != nil {
					b.Fatal(err)
				}
				t.mu.Unlock()
			}
		})
	}
}

// BenchmarkBooksLoad100k is the emulated terminal's start with the books
// of 100,000 approvals, each saved twice (pending, then approved), as real
// payments save them.
func BenchmarkBooksLoad100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "books.json")
	final := mustJSON(protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: protocol.MsgApproved, Data: protocol.CardResult{
		ApprovalNo: "12345678", TransactionNo: "123456789012", ApprovalAmt: 12000, MaskedTrackData: "536148******1234", IssuerCode: "04",
		IssuerName: "KB국민카드", AcquirerCode: "04", AcquirerName: "KB국민카드", TransactionDate: "20261124120000", Ptxid: "ptx"}})
	var buf []byte
	for i := range 100_000 {
		e := &entry{ptxid: fmt.Sprintf("ptx-%08d", i), code: protocol.CodeCreditApproval, status: protocol.OutcomePending, amount: 12000}
		buf = appendLines(buf, []*entry{e})
		e.status, e.final, e.balance, e.approvalNo, e.day = protocol.OutcomeApproved, final, 12000, fmt.Sprintf("%08d", i), "20261124"
		buf = appendLines(buf, []*entry{e})
	}
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		t := New(Config{BooksFile: path}, zap.NewNop())
		<-t.loaded
		if len(t.books.index) != 100_000 {
			b.Fatalf("%d entries", len(t.books.index))
		}
	}
}
