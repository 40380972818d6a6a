package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// The transition table: next, called directly, over the (state, input)
// pairs that matter, the hostile ones first. Effects are compared as short
// strings ("reply 010010 9004", "send 800040", "write final"); log lines
// and disarms are left out.

type client string

func (client) Send(protocol.Frame) error { return nil }

const (
	owner = client("owner")
	other = client("other")
)

var (
	rec1 = &store.Record{Ptxid: "P1", Code: credit, Status: store.StatusRunning}
	res1 = &store.Record{Ptxid: "P1", Code: credit, Status: store.StatusApproved, ResultCode: "0000", Confirm: store.ConfirmAwaiting,
		Final: []byte(`{"resultCode":"0000","resultMessage":"정상승인","data":{"ptxid":"P1"}}`)}
	creditInfo = mustLookup(credit)
	errFull    = errors.New("no space left on device")
)

// in builds a state with the link up and the journal working.
func in(p Phase, mods ...func(*State)) State {
	s := State{Phase: p, Link: LinkUp}
	if p.running() {
		s.Txn = Txn{Rec: rec1, Info: creditInfo, Owner: owner, Sent: p != Admitting, Started: p > Reading}
	}
	if p == Delivered || p == Reversing || p == Resolving {
		s.Result = Result{Rec: res1, Owner: owner, Why: choreAskAfterReverse}
	}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func final(code string) inFinal {
	return inFinal{Code: credit, Result: code, Ptxid: "P1",
		Body: []byte(fmt.Sprintf(`{"resultCode":%q,"resultMessage":"m","data":{"ptxid":"P1","approvalNo":"12345678","approvalAmt":1000}}`, code))}
}

func effects(fx []Effect) []string {
	var out []string
	for _, f := range fx {
		switch f := f.(type) {
		case fxReply:
			out = append(out, fmt.Sprintf("reply %s %s %s", f.To, f.Code, resultCodeOf(f.Body)))
		case fxSend:
			out = append(out, "send "+string(f.Frame.Code))
		case fxWrite:
			out = append(out, fmt.Sprintf("write %d", f.Tag))
		case fxArm:
			out = append(out, fmt.Sprintf("arm %d", f.Kind))
		case fxStop:
			out = append(out, "stop")
		}
	}
	return out
}

// transition is one row of the table: from state, on input, the phase
// and effects expected.
type transition struct {
	name  string
	state State
	input Input
	want  Phase
	fx    []string
	// Optional: the policy (reverse when empty), and a check of the rest
	// of the state (chores, journal, the latest delivered result).
	policy Policy
	check  func(State) string
}

func w(tag writeTag) string  { return fmt.Sprintf("write %d", tag) }
func arm(k timerKind) string { return fmt.Sprintf("arm %d", k) }
func draining(s *State)      { s.Mode = Draining }
func failing(s *State)       { s.Journal = JournalFailed; s.Unwritten = []*store.Record{res1} }
func lastReversed(s *State)  { s.LastDelivered = LastResult{"P1", statusReversed} }
func stopping(s *State) {
	s.Txn.Reason = protocol.ReasonUser
	s.Txn.Waiters = []Waiter{{other, protocol.CodeAbort}}
}

func saving(code string) func(*State) {
	return func(s *State) {
		s.Txn.FinalCode, s.Txn.Final = code, []byte(`{"resultCode":"`+code+`"}`)
		s.Txn.Settled = &store.Record{Ptxid: "P1", Code: s.Txn.Rec.Code, Status: statusOf(code), Confirm: store.ConfirmAwaiting}
	}
}

func TestTransitions(t *testing.T) {
	cfg := Config{}
	cfg.fill()

	rows := []struct {
		name  string
		state State
		input Input
		want  Phase
		fx    []string
	}{
		// Late and repeated reports never move a transaction back.
		{"0010 again after authorizing", in(Authorizing), final(protocol.ResultSignWait), Authorizing, nil},
		{"signing report after authorizing", in(Authorizing), inPhase{"P1", protocol.PhaseSigning}, Authorizing, nil},
		{"reading report while signing", in(Signing), inPhase{"P1", protocol.PhaseReading}, Signing, nil},
		{"phase report for another ptxid", in(Reading), inPhase{"P2", protocol.PhaseSigning}, Reading, nil},
		{"phase report while idle", in(Idle), inPhase{"P1", protocol.PhaseSigning}, Idle, nil},
		{"signing report", in(Reading), inPhase{"P1", protocol.PhaseSigning}, Signing, []string{arm(timerTxn), "reply owner 010010 0010"}},
		{"final 0010 is a signing report", in(Reading), final(protocol.ResultSignWait), Signing, []string{arm(timerTxn), "reply owner 010010 0010"}},
		{"abort while authorizing", in(Authorizing), inAbort{Client: other}, Authorizing, []string{"reply other 555555 0001"}},
		{"abort while reading", in(Reading), inAbort{Client: other}, Stopping, []string{arm(timerTxn), "send 800020"}},
		{"abort idle", in(Idle), inAbort{Client: other}, Idle, []string{"reply other 555555 9991"}},
		{"abort idle while printing", in(Idle), inAbort{Client: other, PrinterBusy: true}, Idle, []string{"reply other 555555 0001"}},
		{"read-cancel of another kind", in(Reading), inReadCancel{other, protocol.CodeCashReceiptReadCancel, protocol.FamilyCashReceipt}, Reading, []string{"reply other 970021 9991"}},
		{"busy answer to a duplicate request", in(Signing), final(protocol.ResultBusy), Signing, nil},
		{"final for another ptxid nobody runs", in(Reading), inFinal{Code: credit, Result: "0000", Ptxid: "P9", Body: []byte(`{}`)}, Reading, nil},
		{"final of another code", in(Reading), inFinal{Code: cancelC, Result: "0000", Ptxid: "P1", Body: []byte(`{}`)}, Reading, nil},
		{"final while idle, record settled", in(Idle), inFinal{Code: credit, Result: "0000", Ptxid: "P1", Body: []byte(`{}`), Rec: res1}, Idle, nil},
		// The terminal's answers in order.
		{"final 0000 is journaled before it is sent", in(Authorizing), final("0000"), Saving, []string{w(writeFinal)}},
		{"final 0000 on disk is delivered", in(Saving, saving("0000")), inWritten{Tag: writeFinal}, Delivered, []string{arm(timerConfirm), "reply owner 010010 0000"}},
		{"final 0000 not on disk is reversed, answered 9004", in(Saving, saving("0000")), inWritten{Tag: writeFinal, Err: errFull}, Reversing,
			[]string{arm(timerJournal), "reply owner 010010 9004", "send 800040", arm(timerChore)}},
		{"decline not on disk is not sent as it is", in(Saving, saving("9005")), inWritten{Tag: writeFinal, Err: errFull}, Idle,
			[]string{arm(timerJournal), "reply owner 010010 9004"}},
		{"start record not on disk", in(Admitting), inWritten{Tag: writeStart, Err: errFull}, Idle, []string{"reply owner 010010 9004"}},
		{"start record on disk", in(Admitting), inWritten{Tag: writeStart}, Reading, []string{"send 010010", arm(timerTxn)}},
		{"request while the journal fails", in(Idle, failing), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2"}, Idle, []string{"reply other 010010 9004"}},
		{"request while the disk is low", in(Idle), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2", NoDisk: true}, Idle, []string{"reply other 010010 9004"}},
		{"request while the journal cannot be read back", in(Idle), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2", Unreadable: true}, Idle, []string{"reply other 010010 9004"}},
		{"cancel while the journal cannot be read back: not 9006", in(Idle), inRequest{Client: other, Code: protocol.CodeCreditCancel, Info: mustLookup(protocol.CodeCreditCancel), Ptxid: "P2", NoOrig: "원거래 없음", Unreadable: true}, Idle, []string{"reply other 010020 9004"}},
		{"request while delivered", in(Delivered), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2"}, Delivered, []string{"reply other 010010 9001"}},
		{"request while reversing", in(Reversing), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2"}, Reversing, []string{"reply other 010010 9001"}},
		{"request with a used ptxid", in(Reading), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P1", Dup: res1}, Reading, []string{"reply other 010010 9007"}},
		{"request while draining", in(Idle, draining), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2"}, Idle, []string{"reply other 010010 9004", "stop"}},
		{"request idle", in(Idle), inRequest{Client: other, Code: credit, Info: creditInfo, Ptxid: "P2"}, Admitting, []string{w(writeStart)}},
		// Cancels.
		{"cancel answered too late", in(Stopping, stopping), inCancelAnswer{"P1", protocol.ResultProcessing}, Authorizing, []string{"reply other 555555 0001", arm(timerTxn)}},
		{"cancel answered for another ptxid", in(Stopping, stopping), inCancelAnswer{"P9", "0000"}, Stopping, nil},
		{"cancel done", in(Stopping, stopping), inCancelAnswer{"P1", "0000"}, Saving, []string{"reply other 555555 9999", w(writeFinal)}},
		{"cancel answer with nothing to cancel", in(Reading), inCancelAnswer{"P1", "0000"}, Reading, nil},
		{"terminal runs nothing: asked", in(Stopping, stopping), inCancelAnswer{"P1", protocol.ResultUnable}, Authorizing, []string{"reply other 555555 0001", "send 800030", arm(timerTxn)}},
		{"cancel never answered: asked", in(Stopping, stopping), inTimer{timerTxn}, Stopping, []string{"send 800030", arm(timerTxn)}},
		{"signature window passed", in(Signing), inTimer{timerTxn}, Stopping, []string{arm(timerTxn), "send 800020"}},
		{"authorization long in coming: asked", in(Authorizing), inTimer{timerTxn}, Authorizing, []string{"send 800030", arm(timerTxn)}},
		{"authorizing report arms the watchdog", in(Signing), inPhase{"P1", protocol.PhaseAuthorizing}, Authorizing, []string{arm(timerTxn)}},
		// Confirmation.
		{"980001 journaled first", in(Delivered), inConfirm{other}, Confirming, []string{w(writeConfirm)}},
		{"980001 on disk", in(Confirming, func(s *State) { s.Result = Result{Rec: res1, Asker: other} }), inWritten{Tag: writeConfirm}, Idle, []string{"reply other 980001 0000"}},
		{"980001 not on disk", in(Confirming, func(s *State) { s.Result = Result{Rec: res1, Asker: other} }), inWritten{Tag: writeConfirm, Err: errFull}, Delivered, []string{"reply other 980001 9004"}},
		{"980001 for a reversed result", in(Idle, lastReversed), inConfirm{other}, Idle, []string{"reply other 980001 9009"}},
		{"980001 while it is being reversed", in(Reversing, func(s *State) { s.LastDelivered = LastResult{"P1", statusReversing} }), inConfirm{other}, Reversing, []string{"reply other 980001 9004"}},
		{"980001 with nothing delivered", in(Idle), inConfirm{other}, Idle, []string{"reply other 980001 0000"}},
		{"confirm window passed: reverse", in(Delivered), inTimer{timerConfirm}, Reversing, []string{"send 800040", arm(timerChore)}},
		// Reversals are settled by asking.
		{"reversal answered for another ptxid", in(Reversing), inReverseAnswer{"P9", "0000", ""}, Reversing, nil},
		{"reversal answered 9006: ask", in(Reversing), inReverseAnswer{"P1", protocol.ResultNoOriginal, ""}, Resolving, []string{"send 800030", arm(timerChore)}},
		{"reversal not answered: ask", in(Reversing), inTimer{timerChore}, Resolving, []string{"send 800030", arm(timerChore)}},
		{"reversal done", in(Reversing), inReverseAnswer{"P1", "0000", ""}, Idle, []string{w(writeSettled)}},
		{"terminal says reversed", in(Resolving), inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeReversed}}, Idle, []string{w(writeSettled)}},
		{"terminal cannot tell (9004): ask again later", in(Resolving), inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: protocol.ResultDevice, Ptxid: "P1"}}, Resolving, []string{arm(timerChore)}},
		{"terminal cannot tell while authorizing: keep waiting", in(Authorizing), inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: protocol.ResultDevice, Ptxid: "P1"}}, Authorizing, nil},
		{"outcome of another ptxid", in(Resolving), inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P9", Status: protocol.OutcomeReversed}}, Resolving, nil},
		// The link goes down in every state.
		{"link down while reading", in(Reading), inLinkDown{}, Idle, []string{"reply owner 010010 9004", w(writeUnknown)}},
		{"link down while signing", in(Signing), inLinkDown{}, Idle, []string{"reply owner 010010 9004", w(writeUnknown)}},
		{"link down while stopping", in(Stopping, stopping), inLinkDown{}, Idle, []string{"reply other 555555 0001", "reply owner 010010 9004", w(writeUnknown)}},
		{"link down while authorizing", in(Authorizing), inLinkDown{}, Idle, []string{"reply owner 010010 9004", w(writeUnknown)}},
		{"link down while delivered", in(Delivered), inLinkDown{}, Delivered, nil},
		{"link down while reversing", in(Reversing), inLinkDown{}, Idle, nil},
		{"link down while resolving", in(Resolving), inLinkDown{}, Idle, nil},
		{"link down idle", in(Idle), inLinkDown{}, Idle, nil},
		// Journal writes that fail outside a transaction are owed.
		{"reversal not on disk is owed", in(Idle), inWritten{Tag: writeSettled, Recs: []*store.Record{res1}, Err: errFull}, Idle, []string{arm(timerJournal)}},
		{"owed records written again", in(Idle, failing), inTimer{timerJournal}, Idle, []string{w(writeRetry)}},
		// Shutdown.
		{"drain while reading stops it", in(Reading), inDrain{}, Stopping, []string{arm(timerDrain), arm(timerTxn), "send 800020"}},
		{"drain while authorizing waits", in(Authorizing), inDrain{}, Authorizing, []string{arm(timerDrain)}},
		{"drain while delivered to an open connection waits", in(Delivered), inDrain{}, Delivered, []string{arm(timerDrain)}},
		{"drain while delivered to a closed connection stops", in(Delivered, func(s *State) { s.Result.Owner = nil }), inDrain{}, Delivered, []string{arm(timerDrain), "stop"}},
		{"drain idle stops", in(Idle), inDrain{}, Idle, []string{arm(timerDrain), "stop"}},
		{"drain time up while authorizing", in(Authorizing, draining), inTimer{timerDrain}, Idle, []string{"reply owner 010010 9004", w(writeUnknown)}},
		{"unknown written after the drain time", in(Idle, func(s *State) { s.Mode = Expired }), inWritten{Tag: writeUnknown}, Idle, []string{"stop"}},
		{"drain time up while delivered", in(Delivered, draining), inTimer{timerDrain}, Delivered, []string{"stop"}},
	}
	cases := []transition{
		{name: "confirm window passed under hold", state: in(Delivered), input: inTimer{timerConfirm}, want: Idle, fx: []string{w(writeSettled)}, policy: PolicyHold},
	}
	for _, r := range rows {
		cases = append(cases, transition{name: r.name, state: r.state, input: r.input, want: r.want, fx: r.fx})
	}
	cases = append(cases, moreTransitions()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := cfg
			if c.policy != "" {
				cfg.Policy = c.policy
			}
			s, fx := next(&cfg, c.state, c.input)
			if got := effects(fx); s.Phase != c.want || !slices.Equal(got, c.fx) {
				t.Errorf("%s + %T:\n got %s %q\nwant %s %q", c.state.Phase, c.input, s.Phase, got, c.want, c.fx)
			}
			if c.check != nil {
				if why := c.check(s); why != "" {
					t.Error(why)
				}
			}
		})
	}
}

func TestEveryPhaseHasAName(t *testing.T) {
	for p := Idle; p <= Resolving; p++ {
		if strings.Contains(p.String(), "?") {
			t.Errorf("phase %d has no name", p)
		}
	}
}
