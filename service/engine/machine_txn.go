package engine

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// Messages of refusals and of endings termd decides itself.
const (
	msgShuttingDown         = "termd 종료 중: 거래를 시작할 수 없습니다"
	msgJournalDown          = "거래 기록을 저장할 수 없어 거래를 시작할 수 없습니다"
	msgJournalUnreadableTxn = "거래 기록을 읽을 수 없어 거래를 시작할 수 없습니다"
	msgDiskLow              = "저장 공간 부족: 거래를 시작할 수 없습니다"
	msgAwaitConfirm         = "직전 거래의 결과 확인(980001)을 기다리는 중입니다"
	msgSettling             = "미확인 거래를 정리하는 중입니다"
	msgOutcomePending       = "단말기 응답 없음: 승인 결과 확인 중"
	msgShutdownAuth         = "termd 종료: 승인 결과 확인 중"
	msgNotJournaled         = "거래 기록 저장 실패: 승인을 취소합니다"
	msgCancelUnsaved        = "거래 기록 저장 실패: 결과 확인 중 (990001로 확인)"
	msgFinalUnsaved         = "거래 기록 저장 실패: 결제되지 않았습니다"
	msgConfirmUnsaved       = "결과 확인을 저장하지 못했습니다. 980001을 다시 보내 주십시오"
	msgOrigPending          = "이 원거래에 대한 이전 취소의 결과를 확인하는 중입니다"
)

// refusal says why a transaction cannot start now, or "" when it can.
func (st *step) refusal(in inRequest) (code, msg string) {
	s := &st.s
	switch {
	case s.Mode != Serving:
		return protocol.ResultDevice, msgShuttingDown
	case s.Journal == JournalFailed:
		return protocol.ResultDevice, msgJournalDown
	case in.Unreadable:
		return protocol.ResultDevice, msgJournalUnreadableTxn
	case in.NoDisk:
		return protocol.ResultDevice, msgDiskLow
	case s.Link != LinkUp:
		return protocol.ResultDevice, protocol.MsgDeviceDown
	case s.Phase.running():
		return protocol.ResultBusy, protocol.MsgBusy
	case s.Phase == Delivered || s.Phase == Confirming:
		return protocol.ResultBusy, msgAwaitConfirm
	case s.Phase != Idle:
		return protocol.ResultBusy, msgSettling
	}
	return "", ""
}

// request admits a transaction request (its record is journaled first) or
// refuses it without touching the terminal.
func (st *step) request(in inRequest) {
	if in.Dup != nil {
		st.reply(in.Client, in.Code, result(protocol.ResultDuplicate, protocol.MsgDuplicatePtxid, duplicateData(in.Dup)))
		return
	}
	if code, msg := st.refusal(in); code != "" {
		st.reply(in.Client, in.Code, result(code, msg, withPtxid(in.Ptxid)))
		return
	}
	if in.Info.Cancel && in.NoOrig != "" {
		st.reply(in.Client, in.Code, result(protocol.ResultNoOriginal, in.NoOrig, withPtxid(in.Ptxid)))
		return
	}
	if in.OrigPending {
		st.reply(in.Client, in.Code, result(protocol.ResultBusy, msgOrigPending, withPtxid(in.Ptxid)))
		return
	}
	rec := &store.Record{Ptxid: in.Ptxid, Code: in.Code, Status: store.StatusRunning, Request: in.Journaled, Day: in.Day}
	if in.Orig != nil {
		rec.OrigPtxid = in.Orig.Ptxid
	}
	st.s.Phase = Admitting
	st.s.Txn = Txn{Rec: rec, Info: in.Info, Owner: in.Client, Orig: in.Orig, Body: in.Body}
	st.write(writeStart, rec)
}

// started: the new record is on disk (or not). Only then does the request
// reach the terminal.
func (st *step) started(err error) {
	t := &st.s.Txn
	if err != nil {
		st.log(zapcore.ErrorLevel, "journal write failed; transaction refused", zap.String("ptxid", t.Rec.Ptxid), zap.Error(err))
		st.reply(t.Owner, t.Rec.Code, result(protocol.ResultDevice, msgJournalDown, withPtxid(t.Rec.Ptxid)))
		st.s.Txn, st.s.Phase = Txn{}, Idle
		return
	}
	st.s.Phase = Reading
	t.Sent = true
	st.send(t.Rec.Code, t.Body)
	st.arm(timerTxn, st.cfg.ReadTimeout)
	st.log(zapcore.InfoLevel, "transaction started", zap.String("ptxid", t.Rec.Ptxid), zap.String("code", string(t.Rec.Code)))
}

// phaseReport moves the running transaction forward as the terminal says.
// Phases only move forward: a late or repeated report (the serial link may
// deliver a packet twice) never takes a transaction back.
func (st *step) phaseReport(ptxid, report string) {
	s := &st.s
	if !s.Phase.running() || ptxid != s.Txn.Rec.Ptxid {
		st.log(zapcore.WarnLevel, "phase report for no running transaction ignored", zap.String("ptxid", ptxid), zap.String("phase", report))
		return
	}
	s.Txn.Started = true
	switch {
	case report == protocol.PhaseSigning && s.Phase == Reading:
		s.Phase = Signing
		st.arm(timerTxn, st.cfg.SignTimeout)
		st.reply(s.Txn.Owner, s.Txn.Rec.Code, result(protocol.ResultSignWait, protocol.MsgSignWait, withPtxid(ptxid)))
	case report == protocol.PhaseAuthorizing && (s.Phase == Reading || s.Phase == Signing):
		st.authorizing()
	case report == protocol.PhaseAuthorizing && s.Phase == Stopping:
		// Too late for the cancel on its way: its answer will say 0001.
		st.refuseWaiters()
		st.authorizing()
	default:
		st.log(zapcore.DebugLevel, "phase report changes nothing", zap.String("ptxid", ptxid), zap.String("report", report), zap.Stringer("phase", s.Phase))
	}
}

// authorizing: the card company decides. Nothing stops it; a watchdog
// asks the terminal if its answer is long in coming.
func (st *step) authorizing() {
	st.s.Phase = Authorizing
	st.arm(timerTxn, st.cfg.AuthTimeout)
}

// final takes a transaction's final answer from the terminal.
func (st *step) final(in inFinal) {
	s := &st.s
	mine := s.Phase.running() && s.Txn.Sent && in.Code == s.Txn.Rec.Code && (in.Ptxid == "" || in.Ptxid == s.Txn.Rec.Ptxid)
	switch {
	case !mine:
		st.recoveredFinal(in)
	case s.Phase == Saving:
		st.log(zapcore.WarnLevel, "repeated final answer ignored", zap.String("ptxid", s.Txn.Rec.Ptxid))
	case in.Result == protocol.ResultSignWait:
		st.phaseReport(s.Txn.Rec.Ptxid, protocol.PhaseSigning)
	case in.Result == protocol.ResultBusy && s.Txn.Started:
		// A terminal running this very transaction is not busy with
		// another: this answers a second copy of the request (a serial
		// resend whose ACK was lost). The real answer is still to come.
		st.log(zapcore.WarnLevel, "terminal busy with the transaction it runs; answer to a duplicate ignored", zap.String("ptxid", s.Txn.Rec.Ptxid))
	default:
		// Not passed on on the strength of in.Ptxid: that was read
		// case-blind ("Data" counts), a POS reads data.ptxid exactly.
		st.finish(in.Result, in.Body)
	}
}

// finish ends the running transaction: the final answer is journaled
// first and sent to the owner only when it is on disk (saved).
func (st *step) finish(code string, body []byte) {
	s := &st.s
	t := &s.Txn
	st.disarm(timerTxn)
	if s.Phase == Stopping || len(t.Waiters) > 0 {
		st.answerWaiters(code == protocol.ResultFailed)
	}
	// As it came when data.ptxid is there already; masked, so the POS gets
	// what the journal holds and what 990001 says later, never a card
	// number a terminal failed to mask.
	body = journalBody(ensurePtxid(body, t.Rec.Ptxid))
	recs := settle(t.Rec, t.Orig, code, body)
	if code == protocol.ResultOK && t.Info.Confirm && st.cfg.Policy != PolicyOff {
		recs[0].Confirm = store.ConfirmAwaiting
	}
	t.Final, t.FinalCode, t.Settled = body, code, recs[0]
	s.Phase = Saving
	st.write(writeFinal, recs...)
}

// saved: the final record is on disk, or the write failed.
func (st *step) saved(err error) {
	s := &st.s
	t := s.Txn
	s.Txn, s.Phase = Txn{}, Idle
	if err != nil {
		st.unsaved(t, err)
		return
	}
	st.log(zapcore.InfoLevel, "transaction finished", zap.String("ptxid", t.Rec.Ptxid), zap.String("code", string(t.Rec.Code)),
		zap.String("result", t.FinalCode), zap.String("status", string(t.Settled.Status)))
	if t.Settled.Confirm == store.ConfirmAwaiting {
		s.Phase = Delivered
		s.Result = Result{Rec: t.Settled, Owner: t.Owner}
		s.LastDelivered = LastResult{t.Rec.Ptxid, statusApproved}
		st.arm(timerConfirm, st.cfg.ConfirmTimeout)
	}
	st.reply(t.Owner, t.Rec.Code, t.Final)
}

// unsaved: the final answer could not be journaled, so it does not leave
// as it is (SPEC §6): the owner gets 9004. An approval is reversed on the
// terminal; a cancel, which cannot be undone, is settled from the
// terminal's books; any other answer moved no money and is owed to the
// journal as it is.
func (st *step) unsaved(t Txn, err error) {
	s := &st.s
	ptxid := t.Rec.Ptxid
	st.log(zapcore.ErrorLevel, "final answer not journaled", zap.String("ptxid", ptxid), zap.String("result", t.FinalCode), zap.Error(err))
	if t.FinalCode != protocol.ResultOK { // nothing moved: say so, and owe the true record
		st.owe(err, t.Settled)
		st.reply(t.Owner, t.Rec.Code, result(protocol.ResultDevice, msgFinalUnsaved, withPtxid(ptxid)))
		return
	}
	owed := t.Settled.Clone()
	owed.Status, owed.Confirm = store.StatusUnknown, store.ConfirmNone // asked of the terminal at next start
	st.owe(err, owed)
	if !reversible(t.Rec.Code) {
		// A cancel cannot be undone: the terminal's books settle it.
		st.reply(t.Owner, t.Rec.Code, result(protocol.ResultDevice, msgCancelUnsaved, withPtxid(ptxid)))
		st.queue(Chore{choreAsk, owed})
		return
	}
	st.reply(t.Owner, t.Rec.Code, result(protocol.ResultDevice, msgNotJournaled, withPtxid(ptxid)))
	st.log(zapcore.WarnLevel, "reversing an approval the journal could not hold", zap.String("ptxid", ptxid))
	rev := t.Settled.Clone()
	rev.Confirm = store.ConfirmReverse
	s.Chores = append([]Chore{{choreReverse, rev}}, s.Chores...)
}

// reversible reports whether a 0000 of code can be reversed (망취소): an
// approval can; a cancel cannot.
func reversible(code protocol.Code) bool {
	info := mustLookup(code)
	return info.Confirm && !info.Cancel
}

// recoveredFinal takes a final answer for a transaction that is not the
// running one (it was left unknown) and settles it.
func (st *step) recoveredFinal(in inFinal) {
	rec := in.Rec
	if rec == nil || (rec.Status != store.StatusRunning && rec.Status != store.StatusUnknown) {
		st.log(zapcore.WarnLevel, "final answer for no running transaction ignored", zap.String("code", string(in.Code)), zap.String("ptxid", in.Ptxid))
		return
	}
	st.dropChores(rec.Ptxid)
	st.resolve(rec, in.Orig, in.Result, in.Body)
}
