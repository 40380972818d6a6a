package engine

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
)

// readCancel handles 910021 / 930021 / 970021: it stops only a reading or
// signing transaction of its own family.
func (st *step) readCancel(in inReadCancel) {
	s := &st.s
	if !s.Phase.running() || s.Txn.Info.Family != in.Family || !(s.Phase.stoppable() || s.Phase == Stopping) {
		st.reply(in.Client, in.Code, result(protocol.ResultUnable, protocol.MsgUnable, st.runningPtxid()))
		return
	}
	st.stop(protocol.ReasonUser, &Waiter{in.Client, in.Code})
}

// abort handles 555555.
func (st *step) abort(c Client, printing bool) {
	s := &st.s
	switch {
	case s.Phase.stoppable() || s.Phase == Stopping:
		st.stop(protocol.ReasonUser, &Waiter{c, protocol.CodeAbort})
	case s.Phase.running():
		st.reply(c, protocol.CodeAbort, result(protocol.ResultProcessing, protocol.MsgCannotAbort, withPtxid(s.Txn.Rec.Ptxid)))
	case printing:
		st.reply(c, protocol.CodeAbort, result(protocol.ResultProcessing, protocol.MsgCannotAbort, nil))
	default:
		st.reply(c, protocol.CodeAbort, result(protocol.ResultUnable, protocol.MsgUnable, nil))
	}
}

func (st *step) runningPtxid() any {
	if !st.s.Phase.running() {
		return nil
	}
	return withPtxid(st.s.Txn.Rec.Ptxid)
}

// txnTimeout: the read or signature window passed, or the terminal is
// long in answering a cancel or an authorization: then it is asked what
// became of the transaction, and again until it says.
func (st *step) txnTimeout() {
	ptxid := zap.String("ptxid", st.s.Txn.Rec.Ptxid)
	switch st.s.Phase {
	case Reading:
		st.log(zapcore.InfoLevel, "no card in time", ptxid)
		st.stop(protocol.ReasonReadTimeout, nil)
	case Signing:
		st.log(zapcore.InfoLevel, "no signature in time", ptxid)
		st.stop(protocol.ReasonSignTimeout, nil)
	case Stopping, Authorizing:
		st.log(zapcore.WarnLevel, "the terminal is long in answering; asking it what became of the transaction", ptxid, zap.Stringer("phase", st.s.Phase))
		st.send(protocol.DevOutcome, mustJSON(protocol.DevPtxid{Ptxid: st.s.Txn.Rec.Ptxid}))
		st.arm(timerTxn, st.cfg.ChoreTimeout)
	}
}

// clientGone: a POS connection ended. Its reading or signing transaction is
// stopped; a later one completes, and its result waits for 990001 and
// 980001 from another connection.
func (st *step) clientGone(c Client) {
	s := &st.s
	if s.Phase.running() && s.Txn.Owner == c {
		s.Txn.Owner = nil
		if s.Phase.stoppable() {
			st.log(zapcore.InfoLevel, "owner disconnected; stopping the transaction", zap.String("ptxid", s.Txn.Rec.Ptxid))
			st.stop(protocol.ReasonDisconnect, nil)
		}
	}
	if s.Result.Owner == c {
		s.Result.Owner = nil
	}
}

// stop asks the terminal to stop the running transaction, or joins the
// cancel already on its way.
func (st *step) stop(reason string, w *Waiter) {
	s := &st.s
	t := &s.Txn
	if s.Phase != Stopping {
		t.Reason = reason
		s.Phase = Stopping
		st.arm(timerTxn, st.cfg.ChoreTimeout) // the cancel's answer may be lost
		st.send(protocol.DevCancel, mustJSON(protocol.DevCancelRequest{Ptxid: t.Rec.Ptxid, Reason: reason}))
	}
	if w != nil {
		t.Waiters = append(t.Waiters, *w)
	}
}

// cancelAnswer takes the terminal's answer to a cancel.
func (st *step) cancelAnswer(ptxid, code string) {
	s := &st.s
	if s.Phase != Stopping || (ptxid != "" && ptxid != s.Txn.Rec.Ptxid) {
		st.log(zapcore.DebugLevel, "cancel answer for no pending cancel", zap.String("ptxid", ptxid), zap.String("result", code))
		return
	}
	switch code {
	case protocol.ResultOK:
		st.finish(protocol.ResultFailed, result(protocol.ResultFailed, stopMessage(s.Txn.Reason), withPtxid(s.Txn.Rec.Ptxid)))
	case protocol.ResultProcessing: // too late: the card company decides
		st.refuseWaiters()
		st.authorizing()
	default:
		// The terminal runs nothing: its final answer crossed the cancel,
		// or was lost. Ask it.
		st.refuseWaiters()
		s.Phase = Authorizing
		st.send(protocol.DevOutcome, mustJSON(protocol.DevPtxid{Ptxid: s.Txn.Rec.Ptxid}))
		st.arm(timerTxn, st.cfg.ChoreTimeout)
	}
}

// answerWaiters tells every read-cancel and abort sender what became of
// the transaction they wanted stopped.
func (st *step) answerWaiters(stopped bool) {
	t := &st.s.Txn
	if !stopped {
		st.refuseWaiters()
		return
	}
	for _, w := range t.Waiters {
		if w.Code == protocol.CodeAbort {
			st.reply(w.Client, w.Code, result(protocol.ResultFailed, protocol.MsgUserCancel, withPtxid(t.Rec.Ptxid)))
		} else {
			st.reply(w.Client, w.Code, result(protocol.ResultOK, protocol.MsgDone, withPtxid(t.Rec.Ptxid)))
		}
	}
	t.Waiters = nil
}

func (st *step) refuseWaiters() {
	t := &st.s.Txn
	for _, w := range t.Waiters {
		if w.Code == protocol.CodeAbort {
			st.reply(w.Client, w.Code, result(protocol.ResultProcessing, protocol.MsgCannotAbort, withPtxid(t.Rec.Ptxid)))
		} else {
			st.reply(w.Client, w.Code, result(protocol.ResultUnable, protocol.MsgUnable, withPtxid(t.Rec.Ptxid)))
		}
	}
	t.Waiters = nil
}

// stopMessage is the final message of a transaction termd stopped.
func stopMessage(reason string) string {
	switch reason {
	case protocol.ReasonReadTimeout:
		return protocol.MsgReadTimeout
	case protocol.ReasonSignTimeout:
		return protocol.MsgSignTimeout
	case protocol.ReasonShutdown:
		return protocol.MsgShutdown
	}
	return protocol.MsgUserCancel
}
