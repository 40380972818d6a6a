package engine

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// pendingCancel is a DevCancel on its way to the terminal, and who waits for
// its answer: read-cancel and abort senders each get their own answer.
type pendingCancel struct {
	reason  string
	waiters []waiter
}

type waiter struct {
	client Client
	code   protocol.Code // 555555 or a read-cancel code
}

// readCancel handles 910021 / 930021 / 970021: it can only stop a reading or
// signing transaction of its own family.
func (e *Engine) readCancel(c Client, code protocol.Code, fam protocol.Family) {
	t := e.cur
	if t == nil || t.info.Family != fam || !t.phase.Stoppable() {
		e.reply(c, code, result(protocol.ResultUnable, protocol.MsgUnable, e.runningPtxid()))
		return
	}
	e.requestCancel(protocol.ReasonUser, c, code)
}

// abort handles 555555.
func (e *Engine) abort(c Client) {
	t := e.cur
	switch {
	case t == nil && e.printer.busy():
		e.reply(c, protocol.CodeAbort, result(protocol.ResultProcessing, protocol.MsgCannotAbort, nil))
	case t == nil:
		e.reply(c, protocol.CodeAbort, result(protocol.ResultUnable, protocol.MsgUnable, nil))
	case !t.phase.Stoppable():
		e.reply(c, protocol.CodeAbort, result(protocol.ResultProcessing, protocol.MsgCannotAbort, withPtxid(t.rec.Ptxid)))
	default:
		e.requestCancel(protocol.ReasonUser, c, protocol.CodeAbort)
	}
}

func (e *Engine) runningPtxid() any {
	if e.cur == nil {
		return nil
	}
	return withPtxid(e.cur.rec.Ptxid)
}

// txnTimeout: the read or signature window passed.
func (e *Engine) txnTimeout(reason string) {
	if e.cur == nil || !e.cur.phase.Stoppable() {
		return
	}
	e.log.Info("transaction timed out", zap.String("ptxid", e.cur.rec.Ptxid), zap.String("reason", reason))
	e.requestCancel(reason, nil, "")
}

// clientGone: a POS connection ended. Its reading or signing transaction is
// cancelled on the terminal; a later one completes, and its result waits in
// the journal for 990001 and 980001 from a new connection.
func (e *Engine) clientGone(c Client) {
	t := e.cur
	if t == nil || t.owner != c {
		return
	}
	t.owner = nil
	if t.phase.Stoppable() {
		e.log.Info("owner disconnected; cancelling on the terminal", zap.String("ptxid", t.rec.Ptxid))
		e.requestCancel(protocol.ReasonDisconnect, nil, "")
	}
}

// requestCancel asks the terminal to stop the running transaction, or joins
// the request already on its way.
func (e *Engine) requestCancel(reason string, c Client, code protocol.Code) {
	t := e.cur
	if t.cancel == nil {
		t.cancel = &pendingCancel{reason: reason}
		e.disarmTimer()
		body := mustJSON(protocol.DevCancelRequest{Ptxid: t.rec.Ptxid, Reason: reason})
		if err := e.dev.Send(context.Background(), protocol.Frame{Code: protocol.DevCancel, Body: body}); err != nil {
			e.log.Warn("cancel not sent", zap.Error(err)) // the link-down event ends the transaction
		}
	}
	if c != nil {
		t.cancel.waiters = append(t.cancel.waiters, waiter{c, code})
	}
}

// cancelAnswer handles the terminal's answer to DevCancel.
func (e *Engine) cancelAnswer(body []byte) {
	var a protocol.DevResult
	_ = json.Unmarshal(body, &a)
	t := e.cur
	if t == nil || t.cancel == nil || (a.Ptxid != "" && a.Ptxid != t.rec.Ptxid) {
		e.log.Warn("cancel answer for no pending cancel", zap.String("ptxid", a.Ptxid), zap.String("result", a.ResultCode))
		return
	}
	pc := t.cancel
	t.cancel = nil
	if a.ResultCode == protocol.ResultOK {
		e.cancelled(t, pc)
		return
	}
	// Too late (0001: authorizing) or the terminal had nothing running
	// (9991): the final answer is on its way; nobody's cancel took effect.
	for _, w := range pc.waiters {
		e.refuseWaiter(w, t)
	}
	if a.ResultCode != protocol.ResultProcessing {
		e.askOutcome(t.rec.Ptxid)
	} else {
		e.enterPhase(t, Authorizing)
	}
}

// cancelled: the terminal stopped the transaction. Every waiter learns it,
// then the owner gets the final 9999.
func (e *Engine) cancelled(t *txn, pc *pendingCancel) {
	for _, w := range pc.waiters {
		if w.code == protocol.CodeAbort {
			e.reply(w.client, w.code, result(protocol.ResultFailed, protocol.MsgUserCancel, withPtxid(t.rec.Ptxid)))
		} else {
			e.reply(w.client, w.code, result(protocol.ResultOK, protocol.MsgDone, withPtxid(t.rec.Ptxid)))
		}
	}
	e.finish(t, protocol.ResultFailed, cancelMessage(pc.reason), nil)
}

func (e *Engine) refuseWaiter(w waiter, t *txn) {
	if w.code == protocol.CodeAbort {
		e.reply(w.client, w.code, result(protocol.ResultProcessing, protocol.MsgCannotAbort, withPtxid(t.rec.Ptxid)))
		return
	}
	e.reply(w.client, w.code, result(protocol.ResultUnable, protocol.MsgUnable, withPtxid(t.rec.Ptxid)))
}

func cancelMessage(reason string) string {
	switch reason {
	case protocol.ReasonReadTimeout:
		return protocol.MsgReadTimeout
	case protocol.ReasonSignTimeout:
		return protocol.MsgSignTimeout
	}
	return protocol.MsgUserCancel
}
