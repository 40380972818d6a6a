package emulator

import (
	"fmt"
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
