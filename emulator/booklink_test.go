package emulator

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
)

// slowClose is a link whose Close takes until released: the session that
// owns it is still ending (a cancel it was authorizing not yet decided)
// when the daemon's next link comes.
type slowClose struct {
	FrameConn
	release chan struct{}
}

func (c *slowClose) Close() error {
	<-c.release
	return c.FrameConn.Close()
}

// TestNoCancelTwiceAcrossLinks: a cancel is authorizing when its link
// drops; the terminal decides it as the old session ends. A cancel of the
// same approval on the daemon's next link must not run beside it: the
// approval is cancelled once, whatever the order.
func TestNoCancelTwiceAcrossLinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{BooksFile: filepath.Join(t.TempDir(), "books.json"), AuthDelay: time.Minute})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "ap"))
		rg.conn.Close()

		// The first link: a cancel reaches authorizing, then the link drops.
		daemonEnd, termEnd := pipe()
		old := &slowClose{FrameConn: protocol.NewConn(termEnd), release: make(chan struct{})}
		served := make(chan struct{})
		go func() { defer close(served); _ = rg.term.Serve(context.Background(), old) }()
		first := protocol.NewConn(daemonEnd)
		body, _ := json.Marshal(cancelOf(ap, 30000, "c1"))
		if err := first.WriteFrame(protocol.Frame{Code: protocol.CodeCreditCancel, Body: body}); err != nil {
			t.Fatal(err)
		}
		for {
			f, err := first.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if f.Code == protocol.DevPhase && json.Valid(f.Body) && string(f.Body) == `{"ptxid":"c1","phase":"authorizing"}` {
				break
			}
		}
		daemonEnd.Close()

		// The next link, while the first session is still ending.
		rg.dial()
		cancelBody, _ := json.Marshal(cancelOf(ap, 30000, "c2"))
		sent := make(chan error, 1) // the write waits for the new session: not in the test's goroutine
		go func() { sent <- rg.conn.WriteFrame(protocol.Frame{Code: protocol.CodeCreditCancel, Body: cancelBody}) }()
		synctest.Wait()
		close(old.release)
		<-served
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		c2 := rg.follow(protocol.CodeCreditCancel, outcome{}).final

		if a := rg.askOutcome("c1"); a.Status == protocol.OutcomeApproved && c2.ResultCode == protocol.ResultOK {
			t.Errorf("the approval was cancelled twice: c1 %s on the old link, c2 %s on the new", a.Status, c2.ResultCode)
		}
		rg.term.mu.Lock()
		orig, _ := rg.term.books.find("ap")
		balance := orig.balance
		rg.term.mu.Unlock()
		if balance < 0 {
			t.Errorf("the approval's balance is %d", balance)
		}
	})
}

// TestPtxidOfAnotherCodeLeavesTheBooksAlone: a request naming a ptxid the
// books hold under another code is refused (9007) and changes nothing: it
// used to take the ptxid's place in the books, so the approval made under
// it could no longer be cancelled or asked about.
func TestPtxidOfAnotherCodeLeavesTheBooksAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{BooksFile: filepath.Join(t.TempDir(), "books.json")})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "dup"))
		o := rg.transact(protocol.CodeCashReceipt, protocol.CashReceiptRequest{PriceAmt: 5000, TraderType: "1", ApprovalNumber: "01012345678", Ptxid: "dup"})
		if o.final.ResultCode != protocol.ResultDuplicate || o.final.Data.Ptxid != "dup" {
			t.Errorf("a cash receipt under the approval's ptxid: %s %s, want 9007", o.final.ResultCode, o.final.ResultMessage)
		}
		if a := rg.askOutcome("dup"); a.Code != protocol.CodeCreditApproval || string(a.Final) != string(ap.raw) {
			t.Errorf("the approval's ptxid now says %+v", a)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c1"))
	})
}

// TestCancelOfAnApprovalSettledMeanwhile: a cancel is checked against its
// original when it starts and again when the card company answers: an
// approval reversed while the cancel waited for the card is not cancelled
// on top of its reversal.
func TestCancelOfAnApprovalSettledMeanwhile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{BooksFile: filepath.Join(t.TempDir(), "books.json"), Manual: true})
		rg.send(protocol.CodeCreditApproval, credit(30000, "ap"))
		rg.phase("ap", protocol.PhaseReading)
		if err := rg.term.InsertCard(); err != nil {
			t.Fatal(err)
		}
		ap := rg.follow(protocol.CodeCreditApproval, outcome{}).final

		rg.send(protocol.CodeCreditCancel, cancelOf(ap, 30000, "c"))
		rg.phase("c", protocol.PhaseReading)
		if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: "ap"}); a.ResultCode != protocol.ResultOK {
			t.Fatalf("reverse: %+v", a)
		}
		if err := rg.term.InsertCard(); err != nil {
			t.Fatal(err)
		}
		if c := rg.follow(protocol.CodeCreditCancel, outcome{}).final; c.ResultCode == protocol.ResultOK {
			t.Errorf("cancel of an approval reversed while it waited: 0000")
		}
		if a := rg.askOutcome("ap"); a.Status != protocol.OutcomeReversed {
			t.Errorf("the approval: %q, want reversed", a.Status)
		}
	})
}
