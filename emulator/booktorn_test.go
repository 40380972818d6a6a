package emulator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// TestTornSaveOfACancel: a cancel's save is one write of two lines, the
// original's new balance and the cancel's approval. A kill -9 can cut a
// write short at a page boundary, so the file may end after the first
// line, whole or with a piece of the second. No answer left, so the next
// start must see neither line: the approval whole and the cancel failed,
// never the approval cancelled by a cancel that failed (it could then
// never be cancelled: "already cancelled").
func TestTornSaveOfACancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "books.json")
		rg := newRig(t, Config{BooksFile: file})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c"))
		rg.stop()
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.SplitAfter(raw, []byte("\n"))
		lines = lines[:len(lines)-1] // the empty piece after the last newline
		n := len(lines)
		if !bytes.Contains(lines[n-2], []byte(`"ptxid":"ap"`)) || !bytes.Contains(lines[n-1], []byte(`"ptxid":"c"`)) {
			t.Fatalf("the cancel's save is not the original's line then the cancel's:\n%s", raw)
		}
		before := bytes.Join(lines[:n-2], nil)
		for name, tail := range map[string][]byte{
			"at the line's end": lines[n-2],
			"in the next line":  append(append([]byte{}, lines[n-2]...), lines[n-1][:40]...),
		} {
			crashed := filepath.Join(dir, "crashed.json")
			if err := os.WriteFile(crashed, append(append([]byte{}, before...), tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			rg2 := newRig(t, Config{BooksFile: crashed})
			orig, c := rg2.askOutcome("ap"), rg2.askOutcome("c")
			if orig.Status != protocol.OutcomeApproved || c.Status != protocol.OutcomeFailed {
				t.Errorf("save cut %s: approval %q, cancel %q; want approved and failed", name, orig.Status, c.Status)
			}
			rg2.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c2")) // the approval can still be cancelled
			rg2.stop()
		}
	})
}

// TestBooksCutAnywhere: books cut at any byte of their last saves (a kill
// -9 mid-write) load, and say for every ptxid what the last whole save
// before the cut said (a payment then pending is failed), nothing from
// the save that was cut.
func TestBooksCutAnywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "books.json")
		rg := newRig(t, Config{BooksFile: file})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 10000, "c1"))
		rg.approve(protocol.CodeCreditApproval, credit(20000, "rv"))
		rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "rv"})
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, "c2"))
		rg.stop()
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for cut := len(raw) - 1500; cut <= len(raw); cut++ {
			crashed := filepath.Join(dir, "cut.json")
			if err := os.WriteFile(crashed, raw[:cut], 0o600); err != nil {
				t.Fatal(err)
			}
			b := newBooks()
			if err := loadBooks(crashed, b, newNumbers(nil), zap.NewNop()); err != nil {
				t.Fatalf("cut at %d: %v", cut, err)
			}
			for ptxid, want := range statusAtLastSave(raw[:cut]) {
				if e, err := b.find(ptxid); e == nil || err != nil || e.status != want {
					t.Fatalf("cut at %d of %d, %s: %+v (%v), want %s", cut, len(raw), ptxid, e, err, want)
				}
			}
		}
	})
}

// statusAtLastSave reads books the simple way: whole saves only, the last
// line of a ptxid wins, pending is failed.
func statusAtLastSave(raw []byte) map[string]string {
	end := bytes.LastIndex(raw, []byte(endMark+"\n"))
	out := map[string]string{}
	if end < 0 {
		return out
	}
	for _, line := range bytes.Split(raw[:end+len(endMark)], []byte("\n")) {
		var s savedEntry
		if json.Unmarshal(line, &s) == nil {
			out[s.Ptxid] = s.Status
			if s.Status == protocol.OutcomePending {
				out[s.Ptxid] = protocol.OutcomeFailed
			}
		}
	}
	return out
}
