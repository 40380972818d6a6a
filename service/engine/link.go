package engine

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// deviceEvent takes everything the terminal says, and its link's changes.
func (e *Engine) deviceEvent(ev device.Event) {
	switch ev.Kind {
	case device.EventUp:
		e.linkUp()
	case device.EventDown:
		e.linkDown(ev.Err)
	case device.EventFrame:
		e.deviceFrame(ev.Frame)
	}
}

func (e *Engine) deviceFrame(f protocol.Frame) {
	switch f.Code {
	case protocol.DevPhase:
		var rep protocol.DevPhaseReport
		if err := json.Unmarshal(f.Body, &rep); err != nil {
			e.log.Warn("unreadable phase report", zap.Error(err))
			return
		}
		e.phaseReport(rep)
	case protocol.DevCancel:
		e.cancelAnswer(f.Body)
	case protocol.DevOutcome:
		e.outcomeAnswer(f.Body)
	case protocol.DevReverse:
		e.reverseAnswer(f.Body)
	case protocol.DevStatus:
		// Liveness only.
	case protocol.CodeCodeDownload:
		e.codeList(f.Body)
	default:
		if info, ok := protocol.Lookup(f.Code); ok && info.Kind == protocol.KindTransaction {
			e.finalFrame(f)
			return
		}
		e.log.Warn("unexpected frame from the terminal", zap.String("code", string(f.Code)))
	}
}

// linkUp: the terminal is (back) on line. Fetch its code list and resolve
// whatever the journal left unsettled.
func (e *Engine) linkUp() {
	e.devUp = true
	e.send(protocol.Frame{Code: protocol.CodeCodeDownload})
	unsettled := e.store.Unsettled()
	e.log.Info("terminal ready", zap.Int("unsettled", len(unsettled)))
	for _, rec := range unsettled {
		switch {
		case e.cur != nil && rec.Ptxid == e.cur.rec.Ptxid:
		case rec.Status == store.StatusRunning || rec.Status == store.StatusUnknown:
			e.askOutcome(rec.Ptxid)
		}
	}
	e.nextChore()
}

// linkDown: the terminal is gone. A transaction still reading or signing
// fails with 9004; one that was authorizing has an unknown outcome, asked of
// the terminal when it returns.
func (e *Engine) linkDown(err error) {
	e.devUp = false
	e.asking = map[string]bool{}
	if e.reversing != "" {
		e.toReverse = append(e.toReverse, e.reversing)
		e.reversing = ""
	}
	t := e.cur
	if t == nil {
		return
	}
	e.log.Warn("terminal lost during a transaction", zap.String("ptxid", t.rec.Ptxid), zap.Stringer("phase", t.phase), zap.Error(err))
	if t.cancel != nil {
		for _, w := range t.cancel.waiters {
			e.reply(w.client, w.code, result(protocol.ResultUnable, protocol.MsgUnable, withPtxid(t.rec.Ptxid)))
		}
		t.cancel = nil
	}
	if t.phase.Stoppable() {
		e.finish(t, protocol.ResultDevice, protocol.MsgDeviceDown, nil)
		return
	}
	e.disarmTimer()
	e.clearCur()
	e.markUnknown(t)
	e.reply(t.owner, t.rec.Code, result(protocol.ResultDevice, "단말기 응답 없음: 승인 결과 확인 중", withPtxid(t.rec.Ptxid)))
}

// markUnknown journals a transaction whose outcome only the terminal knows.
func (e *Engine) markUnknown(t *txn) {
	r := t.rec.Clone()
	r.Status = store.StatusUnknown
	e.put(r)
}

func (e *Engine) askOutcome(ptxid string) {
	if e.asking[ptxid] {
		return
	}
	if e.send(protocol.Frame{Code: protocol.DevOutcome, Body: mustJSON(protocol.DevPtxid{Ptxid: ptxid})}) {
		e.asking[ptxid] = true
	}
}

// outcomeAnswer settles a transaction whose final answer was lost (crash,
// unplugged terminal) from the terminal's own books.
func (e *Engine) outcomeAnswer(body []byte) {
	var a protocol.DevOutcomeAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		e.log.Warn("unreadable outcome answer", zap.Error(err))
		return
	}
	delete(e.asking, a.Ptxid)
	rec, ok := e.store.Get(a.Ptxid)
	if !ok || (rec.Status != store.StatusRunning && rec.Status != store.StatusUnknown) {
		return
	}
	if e.cur != nil && e.cur.rec.Ptxid == a.Ptxid {
		return // its final answer is still to come
	}
	switch {
	case a.ResultCode == protocol.ResultNoOriginal:
		// The request never reached the terminal: nothing happened.
		e.resolve(rec, protocol.ResultDevice, result(protocol.ResultDevice, protocol.MsgDeviceDown, withPtxid(rec.Ptxid)))
	case a.Status == protocol.OutcomePending:
		// Still running on the terminal though its owner is long gone:
		// stop it if it can be; its final answer or a re-ask settles it.
		e.send(protocol.Frame{Code: protocol.DevCancel, Body: mustJSON(protocol.DevCancelRequest{Ptxid: a.Ptxid, Reason: protocol.ReasonDisconnect})})
	case len(a.Final) > 0:
		var h protocol.ResultHeader
		_ = json.Unmarshal(a.Final, &h)
		e.resolve(rec, h.ResultCode, a.Final)
	case a.Status == protocol.OutcomeApproved:
		e.log.Error("terminal says approved but sent no answer; left unknown", zap.String("ptxid", a.Ptxid))
	default: // the terminal knows it did not complete, but kept no answer
		e.resolve(rec, protocol.ResultFailed, result(protocol.ResultFailed, "단말기에서 완료되지 않은 거래", withPtxid(rec.Ptxid)))
	}
}

// recoveredFinal takes a final answer that arrives for a transaction that is
// not the running one (it was left unknown), and settles it.
func (e *Engine) recoveredFinal(f protocol.Frame, h protocol.ResultHeader, ptxid string) {
	rec, ok := e.store.Get(ptxid)
	if !ok || (rec.Status != store.StatusRunning && rec.Status != store.StatusUnknown) {
		e.log.Warn("final answer for no running transaction", zap.String("code", string(f.Code)), zap.String("ptxid", ptxid))
		return
	}
	e.resolve(rec, h.ResultCode, f.Body)
}

// resolve journals the outcome of a transaction whose owner never got its
// final answer. A 0000 nobody saw cannot be confirmed: it meets the policy.
func (e *Engine) resolve(rec *store.Record, code string, body []byte) {
	body = ensurePtxid(body, rec.Ptxid)
	recs := e.settle(rec, nil, code, body)
	e.put(recs...)
	e.log.Warn("transaction outcome recovered", zap.String("ptxid", rec.Ptxid), zap.String("result", code), zap.String("status", string(recs[0].Status)))
	if code == protocol.ResultOK && mustLookup(rec.Code).Confirm && e.cfg.Policy != PolicyOff {
		e.unconfirmed(recs[0])
	}
	e.nextChore()
}

// nextChore starts a queued reversal when the terminal is free.
func (e *Engine) nextChore() {
	if !e.devUp || e.cur != nil || e.awaiting != "" || e.reversing != "" || len(e.toReverse) == 0 {
		return
	}
	ptxid := e.toReverse[0]
	e.toReverse = e.toReverse[1:]
	e.reverse(ptxid)
}

// codeList caches the terminal's 081008 answer for POS queries.
func (e *Engine) codeList(body []byte) {
	var h protocol.ResultHeader
	if json.Unmarshal(body, &h) != nil || h.ResultCode != protocol.ResultOK {
		e.log.Warn("terminal sent no usable code list")
		return
	}
	b := append([]byte(nil), body...)
	e.codes.Store(&b)
}

func (e *Engine) send(f protocol.Frame) bool {
	if err := e.dev.Send(context.Background(), f); err != nil {
		e.log.Warn("frame not sent to the terminal", zap.String("code", string(f.Code)), zap.Error(err))
		return false
	}
	return true
}
