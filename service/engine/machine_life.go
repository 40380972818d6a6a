package engine

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// boot starts the machine after a restart: a result delivered before it
// gets what is left of its window; one whose window passed meets the policy.
func (st *step) boot(in inBoot) {
	s := &st.s
	s.LastDelivered = in.Last
	for _, rec := range in.Reverse {
		st.queue(Chore{choreReverse, rec})
	}
	var marks []*store.Record
	for _, a := range in.Awaiting {
		if a.Left > 0 && s.Phase == Idle {
			s.Phase, s.Result = Delivered, Result{Rec: a.Rec}
			st.arm(timerConfirm, a.Left)
			st.log(zapcore.InfoLevel, "result delivered before restart still awaits 980001", zap.String("ptxid", a.Rec.Ptxid), zap.Duration("left", a.Left))
			continue
		}
		if st.cfg.Policy == PolicyReverse && reversible(a.Rec.Code) && a.Rec.Status == store.StatusApproved {
			st.unconfirmed(a.Rec)
			continue
		}
		r := a.Rec.Clone()
		r.Confirm = store.ConfirmUnconfirmed
		marks = append(marks, r)
	}
	if len(marks) > 0 {
		st.write(writeSettled, marks...)
	}
}

// linkUp: the terminal is (back) on line. Fetch its code list and ask what
// became of every transaction the journal left unsettled.
func (st *step) linkUp(unsettled []*store.Record) {
	st.s.Link = LinkUp
	st.send(protocol.CodeCodeDownload, nil)
	for _, rec := range unsettled {
		if rec.Status == store.StatusRunning || rec.Status == store.StatusUnknown {
			st.queue(Chore{choreAsk, rec})
		}
	}
	st.log(zapcore.InfoLevel, "terminal ready", zap.Int("unsettled", len(st.s.Chores)))
}

// linkDown: the terminal is gone. The running transaction's owner gets
// 9004; its outcome is journaled unknown and asked of the terminal when it
// returns (a pulled cable does not stop a card company). A reversal or a
// question in flight is asked again.
func (st *step) linkDown(err error) {
	s := &st.s
	s.Link = LinkDown
	switch {
	case s.Phase == Reversing:
		st.disarm(timerChore)
		s.Chores = append([]Chore{{choreAskAfterReverse, s.Result.Rec}}, s.Chores...)
		s.Phase, s.Result = Idle, Result{}
	case s.Phase == Resolving:
		st.disarm(timerChore)
		s.Chores = append([]Chore{{s.Result.Why, s.Result.Rec}}, s.Chores...)
		s.Phase, s.Result = Idle, Result{}
	case s.Phase.running() && s.Phase != Saving:
		t := s.Txn
		st.log(zapcore.WarnLevel, "terminal lost during a transaction", zap.String("ptxid", t.Rec.Ptxid), zap.Stringer("phase", s.Phase), zap.Error(err))
		msg := protocol.MsgDeviceDown
		if s.Phase == Authorizing {
			msg = msgOutcomePending
		}
		st.abandon(msg)
	}
}

// abandon ends the running transaction without its final answer: its
// owner gets 9004, the journal says unknown, and the terminal is asked what
// became of it when it is back (or at next start).
func (st *step) abandon(msg string) {
	s := &st.s
	t := s.Txn
	st.disarm(timerTxn)
	st.refuseWaiters()
	s.Txn, s.Phase = Txn{}, Idle
	st.reply(t.Owner, t.Rec.Code, result(protocol.ResultDevice, msg, withPtxid(t.Rec.Ptxid)))
	r := t.Rec.Clone()
	r.Status = store.StatusUnknown
	st.queue(Chore{choreAsk, r})
	st.write(writeUnknown, r)
}

// sendFailed: a frame could not be queued to the terminal; the link-down
// event follows. A request that never left is over at once.
func (st *step) sendFailed(code protocol.Code) {
	s := &st.s
	if s.Phase == Reading && !s.Txn.Started && code == s.Txn.Rec.Code {
		st.finish(protocol.ResultDevice, result(protocol.ResultDevice, protocol.MsgDeviceDown, withPtxid(s.Txn.Rec.Ptxid)))
	}
}

// drain begins shutdown: nothing new starts; a reading or signing
// transaction is stopped; an authorizing one, and a delivered result still
// owned by an open connection, are waited for, up to the drain time.
func (st *step) drain() {
	s := &st.s
	if s.Mode != Serving {
		return
	}
	s.Mode = Draining
	st.arm(timerDrain, st.cfg.DrainTimeout)
	switch {
	case s.Phase.stoppable():
		st.log(zapcore.InfoLevel, "shutting down: stopping the transaction on the terminal", zap.String("ptxid", s.Txn.Rec.Ptxid), zap.Stringer("phase", s.Phase))
		st.stop(protocol.ReasonShutdown, nil)
	case s.Phase.running():
		st.log(zapcore.InfoLevel, "shutting down: waiting for the terminal to finish the transaction", zap.String("ptxid", s.Txn.Rec.Ptxid),
			zap.Stringer("phase", s.Phase), zap.Duration("at most", st.cfg.DrainTimeout))
	case s.Phase == Delivered && s.Result.Owner != nil:
		st.log(zapcore.InfoLevel, "shutting down: waiting for the POS to confirm (980001) the result it was sent", zap.String("ptxid", s.Result.Rec.Ptxid),
			zap.Duration("at most", st.cfg.DrainTimeout))
	case s.Phase == Reversing || s.Phase == Resolving:
		st.log(zapcore.InfoLevel, "shutting down: waiting for the terminal's answer about an earlier transaction", zap.String("ptxid", s.Result.Rec.Ptxid))
	}
}

// drainExpired: the drain time is up. A transaction still running is left
// unknown, to be settled at next start; a delivered result keeps its
// journaled window, so the next start still honours a late 980001.
func (st *step) drainExpired() {
	s := &st.s
	s.Mode = Expired
	switch {
	case s.Phase.running() && s.Phase != Saving:
		st.log(zapcore.WarnLevel, "transaction unfinished at shutdown; it will be settled at next start", zap.String("ptxid", s.Txn.Rec.Ptxid))
		st.abandon(msgShutdownAuth) // its write carries what is owed
	case len(s.Unwritten) > 0:
		st.write(writeRetry) // one last try; the next start settles the rest
	}
}

// checkDrained stops the machine once shutdown has nothing left to wait for.
func (st *step) checkDrained() {
	s := &st.s
	if s.Mode == Serving {
		return
	}
	waiting := s.Phase.running() || s.Phase == Reversing || s.Phase == Resolving ||
		(s.Phase == Delivered && s.Result.Owner != nil)
	if s.Mode == Expired || !waiting {
		st.fx = append(st.fx, fxStop{})
	}
}
