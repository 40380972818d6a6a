package engine

import (
	"fmt"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// moreTransitions are the rows about recovery: a restart, answers the
// terminal gives about transactions whose answer was lost, and what must
// never be settled twice.
func moreTransitions() []transition {
	approvedFinal := []byte(`{"resultCode":"0000","resultMessage":"정상승인","data":{"ptxid":"P1","approvalNo":"12345678","approvalAmt":1000}}`)
	unknown := &store.Record{Ptxid: "P1", Code: credit, Status: store.StatusUnknown}
	asking := func(s *State) { s.Result = Result{Rec: unknown, Why: choreAsk} }
	cancelTxn := func(s *State) {
		s.Txn.Rec = &store.Record{Ptxid: "C1", Code: cancelC, Status: store.StatusRunning, OrigPtxid: "P0"}
		s.Txn.Info = mustLookup(cancelC)
	}
	chores := func(want ...string) func(State) string {
		return func(s State) string {
			var got []string
			for _, c := range s.Chores {
				got = append(got, fmt.Sprintf("%d %s", c.Kind, c.Rec.Ptxid))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Sprintf("chores %v, want %v", got, want)
			}
			return ""
		}
	}
	last := func(status string) func(State) string {
		return func(s State) string {
			if s.LastDelivered.Status != status {
				return fmt.Sprintf("latest delivered %q, want %q", s.LastDelivered.Status, status)
			}
			return ""
		}
	}
	return []transition{
		// A restart.
		{name: "boot: a window still open", state: in(Idle), input: inBoot{Awaiting: []awaiting{{res1, 10 * time.Second}}},
			want: Delivered, fx: []string{arm(timerConfirm)}},
		{name: "boot: a window passed", state: in(Idle), input: inBoot{Awaiting: []awaiting{{res1, -time.Second}}},
			want: Reversing, fx: []string{"send 800040", arm(timerChore)}},
		{name: "boot: a window passed under hold", state: in(Idle), input: inBoot{Awaiting: []awaiting{{res1, -time.Second}}},
			want: Idle, fx: []string{w(writeSettled)}, policy: PolicyHold},
		{name: "boot: a 0000 nobody was told is reversed at once", state: in(Idle), input: inBoot{Reverse: []*store.Record{res1}},
			want: Reversing, fx: []string{"send 800040", arm(timerChore)}},
		// Lost answers.
		{name: "request that never left", state: in(Reading, func(s *State) { s.Txn.Started = false }), input: inSendFailed{credit},
			want: Saving, fx: []string{w(writeFinal)}},
		{name: "a cancel that never left changes nothing", state: in(Reading), input: inSendFailed{protocol.DevCancel}, want: Reading},
		{name: "running: the terminal still runs it", state: in(Authorizing),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomePending}}, want: Authorizing},
		{name: "running: the terminal kept its answer", state: in(Authorizing),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeApproved, Final: approvedFinal}},
			want:  Saving, fx: []string{w(writeFinal)}},
		{name: "running: the terminal never saw it", state: in(Authorizing),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: protocol.ResultNoOriginal, Ptxid: "P1"}}, want: Saving, fx: []string{w(writeFinal)}},
		{name: "lost answer still running on the terminal: stop it, ask later", state: in(Resolving, asking),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomePending}, Rec: unknown},
			want:  Resolving, fx: []string{"send 800020", arm(timerChore)}},
		{name: "lost approval is reversed whatever the policy", state: in(Resolving, asking), policy: PolicyHold,
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeApproved, Final: approvedFinal}, Rec: unknown},
			want:  Idle, fx: []string{w(writeSettled)}, check: chores("1 P1")},
		{name: "lost approval under policy off too", state: in(Resolving, asking), policy: PolicyOff,
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeApproved, Final: approvedFinal}, Rec: unknown},
			want:  Idle, fx: []string{w(writeSettled)}, check: chores("1 P1")},
		{name: "outcome of what was settled meanwhile is not applied twice", state: in(Resolving, asking),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeApproved, Final: approvedFinal},
				Rec: &store.Record{Ptxid: "P1", Code: credit, Status: store.StatusFailed}},
			want: Idle},
		{name: "a late final settles and drops the queued question", state: in(Idle, func(s *State) { s.Chores = []Chore{{choreAsk, unknown}} }),
			input: inFinal{Code: credit, Result: "9999", Ptxid: "P1", Body: []byte(`{"resultCode":"9999"}`), Rec: unknown},
			want:  Idle, fx: []string{w(writeSettled)}, check: chores()},
		{name: "the terminal kept an approval it was asked to reverse", state: in(Resolving, func(s *State) { s.LastDelivered = LastResult{"P1", statusReversing} }),
			input: inOutcome{A: protocol.DevOutcomeAnswer{ResultCode: "0000", Ptxid: "P1", Status: protocol.OutcomeApproved}},
			want:  Idle, fx: []string{w(writeSettled)}, check: last(statusApproved)},
		{name: "reversal journaled: 980001 then says 9009", state: in(Reversing, func(s *State) { s.LastDelivered = LastResult{"P1", statusReversing} }),
			input: inReverseAnswer{"P1", "0000", ""}, want: Idle, fx: []string{w(writeSettled)}, check: last(statusReversed)},
		{name: "question not answered: asked again", state: in(Resolving, asking), input: inTimer{timerChore},
			want: Resolving, fx: []string{"send 800030", arm(timerChore)}},
		// A cancel the journal could not hold is asked of the terminal.
		{name: "cancel not on disk", state: in(Saving, cancelTxn, saving("0000")), input: inWritten{Tag: writeFinal, Err: errFull},
			want: Resolving, fx: []string{arm(timerJournal), "reply owner 010020 9004", "send 800030", arm(timerChore)}},
		{name: "second cancel while the first is unsettled", state: in(Idle),
			input: inRequest{Client: other, Code: cancelC, Info: mustLookup(cancelC), Ptxid: "C2", OrigPending: true},
			want:  Idle, fx: []string{"reply other 010020 9001"}},
		{name: "owed records written before stopping", state: in(Idle, failing, draining), input: inTimer{timerDrain},
			want: Idle, fx: []string{w(writeRetry)}},
		{name: "stopped after the last try", state: in(Idle, failing, func(s *State) { s.Mode = Expired }),
			input: inWritten{Tag: writeRetry, Recs: []*store.Record{res1}, Err: errFull}, want: Idle, fx: []string{arm(timerJournal), "stop"}},
	}
}
