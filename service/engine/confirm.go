package engine

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// confirm handles 980001 from any connection. It always answers 0000: with
// nothing awaiting confirmation it changes nothing (a POS may repeat it).
func (e *Engine) confirm(c Client) {
	if e.awaiting != "" {
		if rec, ok := e.store.Get(e.awaiting); ok {
			r := rec.Clone()
			r.Confirm = store.ConfirmConfirmed
			e.put(r)
			e.log.Info("result confirmed", zap.String("ptxid", r.Ptxid))
		}
		e.awaiting = ""
		e.disarmTimer()
	}
	e.reply(c, protocol.CodeConfirm, result(protocol.ResultOK, protocol.MsgConfirmed, nil))
	e.nextChore()
}

// confirmWindowPassed applies confirm.policy to the result nobody confirmed.
func (e *Engine) confirmWindowPassed() {
	ptxid := e.awaiting
	e.awaiting = ""
	if rec, ok := e.store.Get(ptxid); ok {
		e.log.Warn("result not confirmed in time", zap.String("ptxid", ptxid), zap.String("policy", string(e.cfg.Policy)))
		e.unconfirmed(rec)
	}
	e.nextChore()
}

// unconfirmed decides the fate of a 0000 result the POS never confirmed: an
// approval is reversed under the reverse policy; anything else is kept and
// marked unconfirmed.
func (e *Engine) unconfirmed(rec *store.Record) {
	if e.cfg.Policy == PolicyReverse && !mustLookup(rec.Code).Cancel && rec.Status == store.StatusApproved {
		e.toReverse = append(e.toReverse, rec.Ptxid)
		return
	}
	r := rec.Clone()
	r.Confirm = store.ConfirmUnconfirmed
	e.put(r)
}

// reverse sends the next queued reversal to a free terminal.
func (e *Engine) reverse(ptxid string) {
	e.reversing = ptxid
	body := mustJSON(protocol.DevPtxid{Ptxid: ptxid})
	if err := e.dev.Send(context.Background(), protocol.Frame{Code: protocol.DevReverse, Body: body}); err != nil {
		// Still awaiting in the journal: recovery retries when the link returns.
		e.reversing = ""
		e.log.Warn("reversal not sent; retried when the terminal returns", zap.String("ptxid", ptxid), zap.Error(err))
	}
}

// reverseAnswer records the terminal's answer to DevReverse.
func (e *Engine) reverseAnswer(body []byte) {
	var a protocol.DevResult
	_ = json.Unmarshal(body, &a)
	ptxid := e.reversing
	e.reversing = ""
	rec, ok := e.store.Get(ptxid)
	if !ok {
		return
	}
	r := rec.Clone()
	r.Confirm = store.ConfirmUnconfirmed
	if a.ResultCode == protocol.ResultOK {
		r.Status, r.Balance = store.StatusReversed, 0
	}
	e.put(r) // journaled before it is logged: queries read the store directly
	if a.ResultCode == protocol.ResultOK {
		e.log.Warn("unconfirmed approval reversed", zap.String("ptxid", ptxid))
	} else {
		e.log.Error("terminal refused the reversal; approval kept as unconfirmed", zap.String("ptxid", ptxid), zap.String("result", a.ResultCode), zap.String("message", a.ResultMessage))
	}
	e.nextChore()
}

// restoreAwaiting, at start, reopens the confirmation window of a result
// delivered before a restart, for what is left of it; one whose window has
// passed meets the policy when the terminal is back.
func (e *Engine) restoreAwaiting() {
	for _, rec := range e.store.Unsettled() {
		if rec.Confirm != store.ConfirmAwaiting {
			continue
		}
		left := e.cfg.ConfirmTimeout - e.cfg.Clock.Now().Sub(rec.Updated)
		if left > 0 && e.awaiting == "" {
			e.awaiting = rec.Ptxid
			e.armTimer(timerConfirm, left)
			e.log.Info("result delivered before restart still awaits 980001", zap.String("ptxid", rec.Ptxid), zap.Duration("left", left))
			continue
		}
		e.unconfirmed(rec)
	}
}
