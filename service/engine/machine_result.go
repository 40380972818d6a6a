package engine

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// Statuses 980001 reports of the latest delivered result.
const (
	statusApproved  = "approved"  // stands (confirmed or not)
	statusReversing = "reversing" // its window passed: being reversed
	statusReversed  = "reversed"  // reversed: it no longer stands
)

// confirm handles 980001 from any connection. A delivered result is
// confirmed once the confirmation is on disk; otherwise nothing changes and
// the answer says what became of the latest delivered result.
func (st *step) confirm(c Client) {
	s := &st.s
	if s.Phase == Delivered {
		s.Phase = Confirming
		s.Result.Asker = c
		r := s.Result.Rec.Clone()
		r.Confirm = store.ConfirmConfirmed
		st.write(writeConfirm, r)
		return
	}
	last := s.LastDelivered
	switch {
	case last.Ptxid == "":
		st.reply(c, protocol.CodeConfirm, result(protocol.ResultOK, protocol.MsgConfirmed, nil))
	case last.Status == statusReversed:
		st.reply(c, protocol.CodeConfirm, result(protocol.ResultReversed, protocol.MsgReversed, confirmData{last.Ptxid, statusReversed}))
	case last.Status == statusReversing: // decided, not done: the terminal has the last word
		st.reply(c, protocol.CodeConfirm, result(protocol.ResultDevice, protocol.MsgResolving, confirmData{last.Ptxid, statusReversing}))
	default:
		st.reply(c, protocol.CodeConfirm, result(protocol.ResultOK, protocol.MsgConfirmed, confirmData(last)))
	}
}

// confirmData names the result a 980001 answer is about.
type confirmData struct {
	Ptxid  string `json:"ptxid"`
	Status string `json:"status"`
}

// confirmed: the confirmation is on disk (0000), or it is not (9004, and
// the result still waits for a 980001 that sticks).
func (st *step) confirmed(err error) {
	s := &st.s
	ptxid, asker := s.Result.Rec.Ptxid, s.Result.Asker
	s.Result.Asker = nil
	if err != nil {
		s.Phase = Delivered
		st.log(zapcore.ErrorLevel, "confirmation not journaled; the POS is told to send it again", zap.String("ptxid", ptxid), zap.Error(err))
		st.reply(asker, protocol.CodeConfirm, result(protocol.ResultDevice, msgConfirmUnsaved, confirmData{ptxid, statusApproved}))
		return
	}
	s.Phase, s.Result = Idle, Result{}
	st.disarm(timerConfirm)
	st.log(zapcore.InfoLevel, "result confirmed", zap.String("ptxid", ptxid))
	st.reply(asker, protocol.CodeConfirm, result(protocol.ResultOK, protocol.MsgConfirmed, confirmData{ptxid, statusApproved}))
}

// confirmWindowPassed applies confirm.policy to the result nobody confirmed.
func (st *step) confirmWindowPassed() {
	s := &st.s
	if s.Phase != Delivered {
		return
	}
	rec := s.Result.Rec
	s.Phase, s.Result = Idle, Result{}
	st.log(zapcore.WarnLevel, "result not confirmed in time", zap.String("ptxid", rec.Ptxid), zap.String("policy", string(st.cfg.Policy)))
	st.unconfirmed(rec)
}

// unconfirmed decides the fate of a 0000 the POS never confirmed: an
// approval is reversed under the reverse policy; anything else is kept and
// marked unconfirmed.
func (st *step) unconfirmed(rec *store.Record) {
	if st.cfg.Policy == PolicyReverse && reversible(rec.Code) && rec.Status == store.StatusApproved {
		if st.s.LastDelivered.Ptxid == rec.Ptxid {
			st.s.LastDelivered.Status = statusReversing
		}
		st.queue(Chore{choreReverse, rec})
		return
	}
	r := rec.Clone()
	r.Confirm = store.ConfirmUnconfirmed
	st.write(writeSettled, r)
}

// reverseAnswer takes the terminal's answer to a reversal. Anything but
// 0000 is not taken as a refusal: the terminal is asked what became of it.
func (st *step) reverseAnswer(in inReverseAnswer) {
	s := &st.s
	if s.Phase != Reversing || in.Ptxid != s.Result.Rec.Ptxid {
		st.log(zapcore.WarnLevel, "reversal answer for no reversal ignored", zap.String("ptxid", in.Ptxid), zap.String("result", in.Result))
		return
	}
	st.disarm(timerChore)
	if in.Result != protocol.ResultOK {
		st.log(zapcore.WarnLevel, "reversal not confirmed by the terminal; asking it what became of the approval",
			zap.String("ptxid", in.Ptxid), zap.String("result", in.Result), zap.String("message", in.Message))
		st.ask(choreAskAfterReverse)
		return
	}
	st.reversed(s.Result.Rec)
}

// ask sends the terminal a question about the result being settled.
func (st *step) ask(why choreKind) {
	s := &st.s
	s.Phase, s.Result.Why = Resolving, why
	st.send(protocol.DevOutcome, mustJSON(protocol.DevPtxid{Ptxid: s.Result.Rec.Ptxid}))
	st.arm(timerChore, st.cfg.ChoreTimeout)
}

// reversed journals an approval the terminal reversed.
func (st *step) reversed(rec *store.Record) {
	s := &st.s
	r := rec.Clone()
	r.Status, r.Balance = store.StatusReversed, 0
	if r.Confirm != store.ConfirmReverse { // it was delivered: say it was never confirmed
		r.Confirm = store.ConfirmUnconfirmed
	}
	s.Phase, s.Result = Idle, Result{}
	if s.LastDelivered.Ptxid == r.Ptxid {
		s.LastDelivered.Status = statusReversed
	}
	st.write(writeSettled, r)
	st.log(zapcore.WarnLevel, "unconfirmed approval reversed", zap.String("ptxid", r.Ptxid))
}

// kept journals an approval the terminal did not reverse: it stands.
func (st *step) kept(rec *store.Record) {
	if st.s.LastDelivered.Ptxid == rec.Ptxid {
		st.s.LastDelivered.Status = statusApproved
	}
	r := rec.Clone()
	r.Confirm = store.ConfirmUnconfirmed
	st.write(writeSettled, r)
}

// choreTimeout: the terminal did not answer a reversal or a question.
func (st *step) choreTimeout() {
	s := &st.s
	switch s.Phase {
	case Reversing:
		st.log(zapcore.WarnLevel, "no answer to the reversal; asking the terminal", zap.String("ptxid", s.Result.Rec.Ptxid))
		st.ask(choreAskAfterReverse)
	case Resolving:
		st.log(zapcore.WarnLevel, "no answer to an outcome question; asking again later", zap.String("ptxid", s.Result.Rec.Ptxid))
		c := Chore{s.Result.Why, s.Result.Rec}
		s.Phase, s.Result = Idle, Result{}
		s.Chores = append(s.Chores, c)
	}
}

// outcome takes the terminal's answer to "what became of ptxid?".
func (st *step) outcome(in inOutcome) {
	s := &st.s
	a := in.A
	switch {
	case s.Phase.running() && s.Txn.Sent && a.Ptxid == s.Txn.Rec.Ptxid:
		st.runningOutcome(a)
	case s.Phase == Resolving && a.Ptxid == s.Result.Rec.Ptxid:
		st.disarm(timerChore)
		rec, why := s.Result.Rec, s.Result.Why
		s.Phase, s.Result = Idle, Result{}
		if why == choreAsk && in.Rec != nil && in.Rec.Status != store.StatusRunning && in.Rec.Status != store.StatusUnknown {
			// Settled meanwhile (its late final answer came): settling it
			// again would apply a cancel twice.
			return
		}
		st.settleOutcome(rec, in.Orig, why, a)
	default:
		st.log(zapcore.DebugLevel, "outcome answer nobody waits for", zap.String("ptxid", a.Ptxid))
	}
}

// runningOutcome: the terminal said it runs nothing while we wait for the
// running transaction's answer; it says here what became of it.
func (st *step) runningOutcome(a protocol.DevOutcomeAnswer) {
	switch {
	case a.ResultCode == protocol.ResultNoOriginal: // it never reached the terminal
		st.finish(protocol.ResultDevice, result(protocol.ResultDevice, protocol.MsgDeviceDown, withPtxid(a.Ptxid)))
	case a.Status == protocol.OutcomePending:
	case a.ResultCode != protocol.ResultOK:
		// The terminal cannot tell now (its books unreadable): the
		// watchdog asks again; "failed" could hide a charge.
		st.log(zapcore.WarnLevel, "the terminal cannot tell what became of the running transaction; asking again later",
			zap.String("ptxid", a.Ptxid), zap.String("result", a.ResultCode))
	case len(a.Final) > 0:
		st.finish(resultCodeOf(a.Final), a.Final)
	default:
		st.finish(protocol.ResultFailed, result(protocol.ResultFailed, "단말기에서 완료되지 않은 거래", withPtxid(a.Ptxid)))
	}
}

// settleOutcome journals what the terminal says became of rec.
func (st *step) settleOutcome(rec, orig *store.Record, why choreKind, a protocol.DevOutcomeAnswer) {
	ptxid := rec.Ptxid
	switch {
	case a.ResultCode != protocol.ResultOK && a.ResultCode != protocol.ResultNoOriginal:
		// The terminal cannot tell now (its books unreadable): nothing
		// it said settles rec. Ask again after a while.
		st.log(zapcore.WarnLevel, "the terminal cannot tell what became of the transaction; asking again later",
			zap.String("ptxid", ptxid), zap.String("result", a.ResultCode))
		st.s.Phase, st.s.Result = Resolving, Result{Rec: rec, Why: why}
		st.arm(timerChore, st.cfg.ChoreTimeout)
	case a.Status == protocol.OutcomeReversed:
		st.reversed(rec)
	case why == choreAskAfterReverse && a.Status == protocol.OutcomeApproved:
		st.log(zapcore.ErrorLevel, "the terminal did not reverse the approval; it is kept as unconfirmed: settle it with the card company",
			zap.String("ptxid", ptxid))
		st.kept(rec)
	case why == choreAskAfterReverse:
		st.log(zapcore.ErrorLevel, "the terminal does not know the approval termd asked it to reverse; check the terminal's books",
			zap.String("ptxid", ptxid), zap.String("result", a.ResultCode), zap.String("status", a.Status))
		st.kept(rec)
	case a.ResultCode == protocol.ResultNoOriginal: // the request never reached the terminal
		st.resolve(rec, nil, protocol.ResultDevice, result(protocol.ResultDevice, protocol.MsgDeviceDown, withPtxid(ptxid)))
	case a.Status == protocol.OutcomePending:
		// Still running on the terminal though its owner is long gone:
		// stop it, and ask again after a while (the chore timer).
		st.send(protocol.DevCancel, mustJSON(protocol.DevCancelRequest{Ptxid: ptxid, Reason: protocol.ReasonDisconnect}))
		st.s.Phase, st.s.Result = Resolving, Result{Rec: rec, Why: why}
		st.arm(timerChore, st.cfg.ChoreTimeout)
	case len(a.Final) > 0:
		st.resolve(rec, orig, resultCodeOf(a.Final), a.Final)
	case a.Status == protocol.OutcomeApproved:
		st.log(zapcore.ErrorLevel, "terminal says approved but sent no answer; left unknown", zap.String("ptxid", ptxid))
	default: // the terminal knows it did not complete, but kept no answer
		st.resolve(rec, nil, protocol.ResultFailed, result(protocol.ResultFailed, "단말기에서 완료되지 않은 거래", withPtxid(ptxid)))
	}
}

// resolve journals the outcome of a transaction whose owner never got its
// final answer. A 0000 nobody saw cannot be confirmed: it meets the policy.
func (st *step) resolve(rec, orig *store.Record, code string, body []byte) {
	body = ensurePtxid(body, rec.Ptxid)
	recs := settle(rec, orig, code, body)
	defer st.log(zapcore.WarnLevel, "transaction outcome recovered", zap.String("ptxid", rec.Ptxid), zap.String("result", code), zap.String("status", string(recs[0].Status)))
	switch {
	case code != protocol.ResultOK:
	case reversible(rec.Code):
		// Its owner was told 9004 and will never confirm it, whatever the
		// policy: reverse it. The mark survives a restart.
		recs[0].Confirm = store.ConfirmReverse
		st.queue(Chore{choreReverse, recs[0]})
	case mustLookup(rec.Code).Confirm:
		recs[0].Confirm = store.ConfirmUnconfirmed // a cancel cannot be undone
	}
	st.write(writeSettled, recs...)
}
