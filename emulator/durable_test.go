package emulator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// The emulated terminal keeps its books like a terminal: an answer that
// depends on them leaves only once they are on disk, and an approval they
// cannot hold is never answered 0000.

// crashConn copies the books file the moment the terminal writes an answer:
// what a crash at that instant would leave for the next start.
type crashConn struct {
	FrameConn
	file string

	mu    sync.Mutex
	snaps map[protocol.Code][]byte // books file contents, by the answer's code
}

func (c *crashConn) WriteFrame(f protocol.Frame) error {
	if f.Code != protocol.DevPhase {
		b, _ := os.ReadFile(c.file)
		c.mu.Lock()
		c.snaps[f.Code] = b
		c.mu.Unlock()
	}
	return c.FrameConn.WriteFrame(f)
}

// crashedAt starts a terminal on the books as they were when the answer
// with code left.
func (c *crashConn) crashedAt(t *testing.T, code protocol.Code) *rig {
	t.Helper()
	c.mu.Lock()
	b, ok := c.snaps[code]
	c.mu.Unlock()
	if !ok {
		t.Fatalf("no answer %s was written", code)
	}
	file := filepath.Join(t.TempDir(), "crashed.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return newRig(t, Config{BooksFile: file})
}

// watchCrashes replaces rg's link with one served through a crashConn.
func watchCrashes(t *testing.T, rg *rig, file string) *crashConn {
	t.Helper()
	rg.conn.Close()
	daemonEnd, termEnd := pipe()
	cc := &crashConn{FrameConn: protocol.NewConn(termEnd), file: file, snaps: map[protocol.Code][]byte{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = rg.term.Serve(ctx, cc)
	}()
	t.Cleanup(func() { cancel(); daemonEnd.Close(); <-done })
	rg.attach(daemonEnd)
	return cc
}

// TestAnswerLeavesAfterBooks: a crash right when the final answer of an
// approval, of a cancel, or a DevReverse answer leaves finds the books on
// disk already saying so.
func TestAnswerLeavesAfterBooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		rg := newRig(t, Config{BooksFile: file})
		cc := watchCrashes(t, rg, file)

		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		if a := cc.crashedAt(t, protocol.CodeCreditApproval).askOutcome("ap"); a.Status != protocol.OutcomeApproved || string(a.Final) != string(ap.raw) {
			t.Errorf("crash as the approval left: status %q final %s, want approved with the answer sent", a.Status, a.Final)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c"))
		after := cc.crashedAt(t, protocol.CodeCreditCancel)
		if a := after.askOutcome("c"); a.Status != protocol.OutcomeApproved {
			t.Errorf("crash as the cancel left: cancel %q, want approved", a.Status)
		}
		if a := after.askOutcome("ap"); a.Status != protocol.OutcomeCancelled {
			t.Errorf("crash as the cancel left: original %q, want cancelled", a.Status)
		}

		rg.approve(protocol.CodeCreditApproval, credit(20000, "rv"))
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "rv"}); a.ResultCode != protocol.ResultOK {
			t.Fatalf("reverse: %+v", a)
		}
		if a := cc.crashedAt(t, protocol.DevReverse).askOutcome("rv"); a.Status != protocol.OutcomeReversed {
			t.Errorf("crash as the reversal's answer left: %q, want reversed", a.Status)
		}
	})
}

// TestReverseTwiceOnDisk: reversing twice answers 0000 both times and the
// books on disk say reversed; a fully cancelled approval is not reversible.
func TestReverseTwiceOnDisk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		rg := newRig(t, Config{BooksFile: file})
		rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		for i := range 2 {
			if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a.ResultCode != protocol.ResultOK || a.Ptxid != "ap" {
				t.Fatalf("reverse %d: %+v, want 0000", i+1, a)
			}
		}
		cc := newRig(t, Config{BooksFile: file})
		if a := cc.askOutcome("ap"); a.Status != protocol.OutcomeReversed {
			t.Errorf("books after two reversals: %+v", a)
		}

		gone := rg.approve(protocol.CodeCreditApproval, credit(30000, "gone"))
		rg.approve(protocol.CodeCreditCancel, cancelOf(gone, 30000, "gone-c"))
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "gone"}); a.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("reverse of a cancelled approval: %+v, want 9006", a)
		}
	})
}

// TestBooksUnwritable: a terminal whose books cannot be written never
// answers 0000: an approval is voided and answered 9004, and its own books
// say failed, so a later outcome question agrees with the answer. Answers
// that move no money stand.
func TestBooksUnwritable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		rg := newRig(t, Config{BooksFile: file})
		breakFile(t, file) // nothing can be written from the first answer on
		o := rg.transact(protocol.CodeCreditApproval, credit(10000, "ap"))
		if o.final.ResultCode != protocol.ResultDevice || o.final.ResultMessage != msgNotRecorded || o.final.Data.Ptxid != "ap" {
			t.Fatalf("approval with unwritable books: %s %s (ptxid %q), want 9004 %s", o.final.ResultCode, o.final.ResultMessage, o.final.Data.Ptxid, msgNotRecorded)
		}
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeFailed || string(a.Final) != string(o.final.raw) {
			t.Errorf("books after a voided approval: %+v", a)
		}
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("reverse of a voided approval: %+v, want 9006", a)
		}
		if o := rg.transact(protocol.CodeCreditApproval, credit(10001, "dec")); o.final.ResultCode != protocol.ResultDeclined {
			t.Errorf("a decline with unwritable books: %s, want 9005", o.final.ResultCode)
		}
	})
}

// TestBooksFailMidRun: the books file stops being writable after an
// approval (the disk filled). A cancel of it and its reversal are refused
// with 9004 and leave it whole; once the file is writable again, both work
// and the file holds everything.
func TestBooksFailMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "books.json")
		rg := newRig(t, Config{BooksFile: file})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		slip := rg.approve(protocol.CodeTaxRefund, `{"approvalAmt":50000,"ptxId":"slip"}`)

		saved, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		breakFile(t, file)
		runtime.GC() // the books hold no entry now: each is read back, and cannot be
		if o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 10000, "c1")); o.final.ResultCode != protocol.ResultDevice {
			t.Errorf("cancel with unwritable books: %s, want 9004", o.final.ResultCode)
		}
		if o := rg.transact(protocol.CodeTaxRefundCancel, protocol.TaxRefundRefRequest{TaxRefundSerial: slip.Data.RefundSerial, Ptxid: "sc1"}); o.final.ResultCode != protocol.ResultDevice {
			t.Errorf("slip cancel with unwritable books: %s, want 9004", o.final.ResultCode)
		}
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a.ResultCode != protocol.ResultDevice {
			t.Errorf("reverse with unwritable books: %+v, want 9004", a)
		}
		if a := rg.askOutcome("ap"); a.ResultCode != protocol.ResultDevice && a.Status != protocol.OutcomeApproved {
			t.Errorf("after refused changes, unreadable: %+v, want approved or 9004", a)
		}

		synctest.Wait() // the session's retry of the save after the last event is over
		mendFile(t, file, saved)
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeApproved {
			t.Errorf("after refused changes: %+v, want approved", a)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c2")) // the whole amount is still there
		rg.approve(protocol.CodeTaxRefundCancel, protocol.TaxRefundRefRequest{TaxRefundSerial: slip.Data.RefundSerial, Ptxid: "sc2"})
		rg.approve(protocol.CodeCreditApproval, credit(20000, "rv"))
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "rv"}); a.ResultCode != protocol.ResultOK {
			t.Errorf("reverse once writable: %+v", a)
		}
		rg.stop()
		next := newRig(t, Config{BooksFile: file})
		for ptxid, want := range map[string]string{"ap": protocol.OutcomeCancelled, "c1": protocol.OutcomeFailed, "c2": protocol.OutcomeApproved,
			"sc1": protocol.OutcomeFailed, "slip": protocol.OutcomeCancelled, "rv": protocol.OutcomeReversed} {
			if a := next.askOutcome(ptxid); a.Status != want {
				t.Errorf("after restart %s: %+v, want %s", ptxid, a, want)
			}
		}
	})
}

// breakFile makes file unwritable, even for root: a folder takes its place.
func breakFile(t *testing.T, file string) {
	t.Helper()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(file, 0o700); err != nil {
		t.Fatal(err)
	}
}

func mendFile(t *testing.T, file string, content []byte) {
	t.Helper()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A save after a line a failed save left unfinished starts on a line of its
// own, so the next start reads both: the terminal never forgets what it
// answered because a disk once filled up.
func TestSaveAfterAnUnfinishedLineIsNotLost(t *testing.T) {
	file := filepath.Join(t.TempDir(), "books.json")
	a := `{"ptxid":"A","code":"010010","status":"approved","amount":1000,"balance":1000,"approvalNo":"11111111","day":"20261124","issuer":0}` + "\n"
	unfinished := `{"ptxid":"X","code":"010010","status":"appr`
	if err := os.WriteFile(file, []byte(a+unfinished), 0o600); err != nil {
		t.Fatal(err)
	}
	y := &entry{ptxid: "Y", code: protocol.CodeCreditApproval, status: protocol.OutcomeApproved, amount: 2000, balance: 2000, approvalNo: "22222222", day: "20261124"}
	if err := appendSynced(file, appendLines(nil, []*entry{y})); err != nil {
		t.Fatal(err)
	}
	b, n := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b, n, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	if !b.has("A") || !b.has("Y") || b.get("Y").status != protocol.OutcomeApproved {
		t.Fatalf("after the unfinished line: A %v, Y %+v", b.has("A"), b.get("Y"))
	}
}

// A ptxid whose last line is damaged keeps what its line before says,
// rather than vanishing from the books.
func TestDamagedLastLineFallsBackToTheOneBefore(t *testing.T) {
	file := filepath.Join(t.TempDir(), "books.json")
	x := `{"ptxid":"X","code":"010010","status":"approved","amount":1000,"balance":1000,"approvalNo":"11111111","day":"20261124","issuer":0}` + "\n"
	damaged := `{"ptxid":"X","code":"010010","status":"reversed","amount":1000,"balance":0,"approvalNo":"1111` + "\x00\x00\n"
	z := `{"ptxid":"Z","code":"010010","status":"approved","amount":3000,"balance":3000,"approvalNo":"33333333","day":"20261124","issuer":0}` + "\n"
	if err := os.WriteFile(file, []byte(x+damaged+z), 0o600); err != nil {
		t.Fatal(err)
	}
	b, n := newBooks(), newNumbers(nil)
	if err := loadBooks(file, b, n, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	if !b.has("X") || b.get("X").status != protocol.OutcomeApproved || !b.has("Z") {
		t.Fatalf("X %+v, Z %v", b.get("X"), b.has("Z"))
	}
}

// A terminal whose books cannot be read does not start: it would answer
// as one that forgot what it did.
func TestUnreadableBooksKeepTheTerminalFromStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		term := New(Config{BooksFile: t.TempDir()}, zap.NewNop()) // a folder: nothing can be read
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := term.Dial(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Dial to a terminal with unreadable books: %v, want no link", err)
		}
	})
}
