package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// linkClosed waits for the link to close, and for the terminal's session
// to wind up.
func (r *rig) linkClosed() {
	r.t.Helper()
	for {
		select {
		case f, ok := <-r.in:
			if !ok {
				synctest.Wait()
				return
			}
			if f.Code != protocol.DevPhase {
				r.t.Fatalf("got %s %s while waiting for the link to close", f.Code, f.Body)
			}
		case <-time.After(patience):
			r.t.Fatal("the link stayed up")
		}
	}
}

// TestUnplugPlug: pulling the cable cuts the link and refuses new ones
// until it is plugged back; the books outlive the link.
func TestUnplugPlug(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		ap := rg.approve(protocol.CodeCreditApproval, credit(20000, "before"))
		rg.term.Unplug()
		rg.linkClosed()
		if _, err := rg.term.Dial(context.Background()); !errors.Is(err, ErrUnplugged) {
			t.Fatalf("Dial while unplugged: %v, want ErrUnplugged", err)
		}
		rg.term.Plug()
		rg.dial()
		if f := rg.ask(protocol.DevStatus, nil); decodeReply(t, f).ResultCode != protocol.ResultOK {
			t.Errorf("status after plugging back: %s", f.Body)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, "after"))
	})
}

// TestUnplugWhileReading: the customer's wait ends with the link; the
// books say failed and nothing is answered later.
func TestUnplugWhileReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(10000, "r"))
		rg.phase("r", protocol.PhaseReading)
		rg.term.Unplug()
		rg.linkClosed()
		rg.term.Plug()
		rg.dial()
		rg.quiet(time.Hour)
		if a := rg.askOutcome("r"); a.Status != protocol.OutcomeFailed {
			t.Errorf("after unplug while reading: %+v, want failed", a)
		}
		if s := rg.term.Screen(); s.Phase != "" {
			t.Errorf("screen %+v, want idle", s)
		}
	})
}

// TestUnplugWhileAuthorizing: the card company decides anyway, so the
// daemon can learn the outcome when the link is back, and cancel it.
func TestUnplugWhileAuthorizing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(10000, "a"))
		rg.phase("a", protocol.PhaseReading)
		rg.phase("a", protocol.PhaseAuthorizing)
		rg.term.Unplug()
		rg.linkClosed()
		rg.term.Plug()
		rg.dial()
		a := rg.askOutcome("a")
		if a.Status != protocol.OutcomeApproved {
			t.Fatalf("after unplug while authorizing: %+v, want approved", a)
		}
		final := decodeReply(t, frameAt{Frame: protocol.Frame{Body: a.Final}})
		if final.ResultCode != protocol.ResultOK || final.Data.Ptxid != "a" || len(final.Data.ApprovalNo) != 8 {
			t.Errorf("kept final %s", a.Final)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(final, 10000, "a-c"))
		rg.quiet(time.Hour) // no stray final on the new link
	})
}

// TestDaemonHangsUp: the daemon closing its end is a lost link too.
func TestDaemonHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(60000, "h"))
		rg.phase("h", protocol.PhaseReading)
		rg.phase("h", protocol.PhaseSigning)
		rg.conn.Close()
		rg.linkClosed()
		rg.dial()
		if a := rg.askOutcome("h"); a.Status != protocol.OutcomeFailed {
			t.Errorf("after the daemon hung up while signing: %+v, want failed", a)
		}
		rg.approve(protocol.CodeCreditApproval, credit(10000, "next"))
	})
}

// TestManualCustomer: in Manual mode nothing happens until the card is
// inserted and the customer signs; the screen follows each step.
func TestManualCustomer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{Manual: true, AuthDelay: authDelay})
		if s := rg.term.Screen(); s != (Screen{Message: "대기 중"}) {
			t.Errorf("idle screen %+v", s)
		}
		if err := rg.term.InsertCard(); !errors.Is(err, ErrNotNow) {
			t.Errorf("InsertCard while idle: %v, want ErrNotNow", err)
		}
		rg.send(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 59000, TipAmt: 1000, Ptxid: "m"})
		rg.phase("m", protocol.PhaseReading)
		rg.quiet(time.Hour)
		if s := rg.term.Screen(); s != (Screen{Phase: protocol.PhaseReading, Code: protocol.CodeCreditApproval, Ptxid: "m", Amount: 60000, Message: "카드를 넣어 주세요"}) {
			t.Errorf("reading screen %+v", s)
		}
		if err := rg.term.Sign(); !errors.Is(err, ErrNotNow) {
			t.Errorf("Sign while reading: %v, want ErrNotNow", err)
		}
		if err := rg.term.InsertCard(); err != nil {
			t.Fatalf("InsertCard: %v", err)
		}
		rg.phase("m", protocol.PhaseSigning)
		rg.quiet(time.Hour)
		if s := rg.term.Screen(); s.Phase != protocol.PhaseSigning || s.Message != "서명해 주세요" {
			t.Errorf("signing screen %+v", s)
		}
		if err := rg.term.InsertCard(); !errors.Is(err, ErrNotNow) {
			t.Errorf("InsertCard while signing: %v, want ErrNotNow", err)
		}
		if err := rg.term.Sign(); err != nil {
			t.Fatalf("Sign: %v", err)
		}
		signed := rg.phase("m", protocol.PhaseAuthorizing)
		if s := rg.term.Screen(); s.Phase != protocol.PhaseAuthorizing || s.Message != "승인 중입니다" {
			t.Errorf("authorizing screen %+v", s)
		}
		if err := rg.term.RemoveCard(); !errors.Is(err, ErrNotNow) {
			t.Errorf("RemoveCard while authorizing: %v, want ErrNotNow", err)
		}
		o := rg.follow(protocol.CodeCreditApproval, outcome{started: signed})
		if o.final.ResultCode != protocol.ResultOK || o.elapsed != authDelay {
			t.Errorf("final %s after %v, want 0000 after %v", o.final.ResultCode, o.elapsed, authDelay)
		}
		if s := rg.term.Screen(); s != (Screen{Message: "대기 중"}) {
			t.Errorf("screen after the answer %+v", s)
		}
	})
}

// TestRemoveCard: pulling the card while reading or signing ends the
// transaction with 9999 사용자 취소, sent by the terminal itself.
func TestRemoveCard(t *testing.T) {
	for _, p := range []string{protocol.PhaseReading, protocol.PhaseSigning} {
		t.Run(p, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rg := newRig(t, Config{Manual: true})
				rg.send(protocol.CodeCreditApproval, credit(60000, "rc"))
				rg.phase("rc", protocol.PhaseReading)
				if p == protocol.PhaseSigning {
					if err := rg.term.InsertCard(); err != nil {
						t.Fatal(err)
					}
					rg.phase("rc", protocol.PhaseSigning)
				}
				if err := rg.term.RemoveCard(); err != nil {
					t.Fatalf("RemoveCard: %v", err)
				}
				o := rg.follow(protocol.CodeCreditApproval, outcome{started: time.Now()})
				if o.final.ResultCode != protocol.ResultFailed || o.final.ResultMessage != protocol.MsgUserCancel || o.final.Data.Ptxid != "rc" || o.elapsed != 0 {
					t.Errorf("final %s %q ptxid %q after %v, want 9999 %s at once", o.final.ResultCode, o.final.ResultMessage, o.final.Data.Ptxid, o.elapsed, protocol.MsgUserCancel)
				}
				a := rg.askOutcome("rc")
				if a.Status != protocol.OutcomeFailed || string(a.Final) != string(o.final.raw) {
					t.Errorf("books %+v, want failed with the final sent", a)
				}
				if err := rg.term.RemoveCard(); !errors.Is(err, ErrNotNow) {
					t.Errorf("second RemoveCard: %v", err)
				}
			})
		})
	}
}

// TestInsertCardEarly: outside Manual mode a card inserted before the
// card delay is read at once.
func TestInsertCardEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		start := rg.send(protocol.CodeCreditApproval, credit(10000, "early"))
		rg.phase("early", protocol.PhaseReading)
		if err := rg.term.InsertCard(); err != nil {
			t.Fatal(err)
		}
		if at := rg.phase("early", protocol.PhaseAuthorizing); at.Sub(start) != 0 {
			t.Errorf("authorizing after %v, want at once", at.Sub(start))
		}
		if o := rg.follow(protocol.CodeCreditApproval, outcome{started: start}); o.elapsed != authDelay {
			t.Errorf("final after %v, want %v", o.elapsed, authDelay)
		}
	})
}

// TestControlWithoutSession: with no link up, customer actions give up
// after a second and say so.
func TestControlWithoutSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		term := New(Config{}, zap.NewNop())
		for name, act := range map[string]func() error{"InsertCard": term.InsertCard, "Sign": term.Sign, "RemoveCard": term.RemoveCard} {
			start := time.Now()
			if err := act(); !errors.Is(err, ErrNotNow) || time.Since(start) != time.Second {
				t.Errorf("%s with no session: %v after %v, want ErrNotNow after 1s", name, err, time.Since(start))
			}
		}
	})
}

// TestDevPhaseBodies: the phase reports are the documented JSON.
func TestDevPhaseBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		rg.send(protocol.CodeCreditApproval, credit(1000, "j"))
		f := rg.next()
		var m map[string]any
		if err := json.Unmarshal(f.Body, &m); err != nil || f.Code != protocol.DevPhase || m["ptxid"] != "j" || m["phase"] != "reading" || len(m) != 2 {
			t.Errorf("phase report %s %s", f.Code, f.Body)
		}
		if !protocol.IsDeviceCode(f.Code) {
			t.Errorf("%s is not in the device range", f.Code)
		}
		rg.follow(protocol.CodeCreditApproval, outcome{})
	})
}

// A link dialled just before the cable is pulled, and not yet served (its
// session waits for the last one to end), is cut too: a pulled cable
// carries nothing, whenever the link came up.
func TestUnplugCutsALinkNotYetServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		c2, err := rg.term.Dial(context.Background()) // waits for the rig's link to end
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		rg.term.Unplug()
		rg.linkClosed()
		conn := protocol.NewConn(c2)
		_ = conn.WriteFrame(protocol.Frame{Code: protocol.DevStatus, Body: []byte(`{}`)})
		got := make(chan error, 1)
		go func() { _, err := conn.ReadFrame(); got <- err }()
		synctest.Wait()
		select {
		case err := <-got:
			if err == nil {
				t.Fatal("an unplugged terminal answered on a link dialled before the unplug")
			}
		default:
			t.Fatal("a link dialled before the unplug is still open")
		}
	})
}
