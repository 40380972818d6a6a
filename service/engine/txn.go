package engine

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// txn is the transaction running on the terminal.
type txn struct {
	rec    *store.Record
	info   protocol.Info
	owner  Client // nil once the owner disconnected
	phase  Phase
	cancel *pendingCancel // a DevCancel on its way, if any
	orig   *store.Record  // for a cancel: the approval it cancels
	// started: the terminal has reported a phase of this transaction, so
	// it is running it.
	started bool
}

// startTxn admits a transaction request or refuses it (9001, 9004, 9006,
// 9007) without touching the terminal.
func (e *Engine) startTxn(in input) {
	ptxid := in.req.(protocol.Transaction).PtxID()
	if code, msg := e.busy(); code != "" {
		e.reply(in.client, in.code, result(code, msg, withPtxid(ptxid)))
		return
	}
	if old, ok := e.store.Get(ptxid); ok {
		e.reply(in.client, in.code, result(protocol.ResultDuplicate, protocol.MsgDuplicatePtxid, duplicateData(old)))
		return
	}
	t := &txn{info: in.info, owner: in.client, phase: Reading}
	if in.info.Cancel {
		orig, why := e.findOriginal(in.code, in.req)
		if why != "" {
			e.reply(in.client, in.code, result(protocol.ResultNoOriginal, why, withPtxid(ptxid)))
			return
		}
		t.orig = orig
	}
	now := e.cfg.Clock.Now()
	t.rec = &store.Record{
		Ptxid: ptxid, Code: in.code, Status: store.StatusRunning,
		Request: in.body, Day: now.Format("20060102"),
	}
	if t.orig != nil {
		t.rec.OrigPtxid = t.orig.Ptxid
	}
	if err := e.store.Put(t.rec); err != nil {
		e.log.Error("journal write failed; request refused", zap.String("ptxid", ptxid), zap.Error(err))
		e.reply(in.client, in.code, result(protocol.ResultDevice, "journal unavailable: "+err.Error(), withPtxid(ptxid)))
		return
	}
	if err := e.dev.Send(context.Background(), protocol.Frame{Code: in.code, Body: in.body}); err != nil {
		e.cur = t
		e.finish(t, protocol.ResultDevice, protocol.MsgDeviceDown, nil)
		return
	}
	e.cur = t
	e.running.Store(&runningTxn{ptxid, Reading})
	e.armTimer(timerRead, e.cfg.ReadTimeout)
	e.log.Info("transaction started", zap.String("ptxid", ptxid), zap.String("code", string(in.code)))
}

// duplicateData is the data of a 9007 answer: what became of the first
// request with that ptxid.
func duplicateData(r *store.Record) any {
	return struct {
		Ptxid           string        `json:"ptxid"`
		TransactionCode protocol.Code `json:"transactionCode"`
		Status          string        `json:"status"`
		ResultCode      string        `json:"resultCode,omitempty"`
		Confirmed       bool          `json:"confirmed"`
	}{r.Ptxid, r.Code, PublicStatus(r.Status), r.ResultCode, r.Confirmed()}
}

// phaseReport moves the running transaction forward as the terminal says.
func (e *Engine) phaseReport(rep protocol.DevPhaseReport) {
	t := e.cur
	if t == nil || rep.Ptxid != t.rec.Ptxid {
		e.log.Warn("phase report for no running transaction", zap.String("ptxid", rep.Ptxid), zap.String("phase", rep.Phase))
		return
	}
	t.started = true
	e.enterPhase(t, nextPhase(t.phase, rep.Phase))
}

// enterPhase applies a phase change: the one place where timers follow phases.
func (e *Engine) enterPhase(t *txn, p Phase) {
	if p == t.phase {
		return
	}
	e.log.Debug("phase", zap.String("ptxid", t.rec.Ptxid), zap.Stringer("from", t.phase), zap.Stringer("to", p))
	t.phase = p
	e.running.Store(&runningTxn{t.rec.Ptxid, p})
	switch p {
	case Signing:
		if t.cancel == nil {
			e.armTimer(timerSign, e.cfg.SignTimeout)
		}
		e.reply(t.owner, t.rec.Code, result(protocol.ResultSignWait, protocol.MsgSignWait, withPtxid(t.rec.Ptxid)))
	case Authorizing:
		e.disarmTimer()
	}
}

// finalFrame handles a transaction's final answer from the terminal.
func (e *Engine) finalFrame(f protocol.Frame) {
	var h protocol.ResultHeader
	if err := json.Unmarshal(f.Body, &h); err != nil {
		e.log.Error("terminal sent an unreadable answer", zap.String("code", string(f.Code)), zap.Error(err))
		return
	}
	ptxid := dataPtxid(h.Data)
	t := e.cur
	if t == nil || f.Code != t.rec.Code || (ptxid != "" && ptxid != t.rec.Ptxid) {
		e.recoveredFinal(f, h, ptxid)
		return
	}
	switch {
	case h.ResultCode == protocol.ResultSignWait:
		e.enterPhase(t, Signing)
		return
	case h.ResultCode == protocol.ResultBusy && t.started:
		// A terminal running this very transaction is not busy with
		// another: this answers a second copy of the request (a serial
		// resend whose ACK was lost). The real answer is still to come.
		e.log.Warn("terminal busy with the transaction it runs; answer to a duplicate ignored", zap.String("ptxid", t.rec.Ptxid))
		return
	}
	e.finish(t, h.ResultCode, h.ResultMessage, f.Body)
}

// finish ends the running transaction: journal first, then the one final
// answer to its owner.
func (e *Engine) finish(t *txn, code, msg string, body []byte) {
	e.disarmTimer()
	e.clearCur()
	if body == nil {
		body = result(code, msg, withPtxid(t.rec.Ptxid))
	}
	body = ensurePtxid(body, t.rec.Ptxid)
	recs := e.settle(t.rec, t.orig, code, body)
	if code == protocol.ResultOK && t.info.Confirm && e.cfg.Policy != PolicyOff {
		recs[0].Confirm = store.ConfirmAwaiting
	}
	e.put(recs...)
	if recs[0].Confirm == store.ConfirmAwaiting {
		e.awaiting = recs[0].Ptxid
		e.armTimer(timerConfirm, e.cfg.ConfirmTimeout)
	}
	e.log.Info("transaction finished", zap.String("ptxid", t.rec.Ptxid), zap.String("code", string(t.rec.Code)),
		zap.String("result", code), zap.String("status", string(recs[0].Status)))
	e.reply(t.owner, t.rec.Code, body)
	if e.awaiting == "" {
		e.nextChore()
	}
}

// settle returns the record with its final answer, and for a successful
// cancel the original with its balance reduced, to be journaled together.
func (e *Engine) settle(rec, orig *store.Record, code string, body []byte) []*store.Record {
	r := rec.Clone()
	r.ResultCode, r.Final = code, body
	r.Status = statusOf(code)
	if code != protocol.ResultOK {
		return []*store.Record{r}
	}
	fillFromFinal(r, body)
	if !mustLookup(r.Code).Cancel {
		r.Balance = r.ApprovalAmt
		return []*store.Record{r}
	}
	if orig == nil && r.OrigPtxid != "" {
		orig, _ = e.store.Get(r.OrigPtxid)
	}
	if orig == nil {
		return []*store.Record{r}
	}
	o := orig.Clone()
	o.Balance = max(0, o.Balance-r.ApprovalAmt)
	if o.Balance == 0 {
		o.Status = store.StatusCancelled
	}
	return []*store.Record{r, o}
}

func statusOf(code string) store.Status {
	switch code {
	case protocol.ResultOK:
		return store.StatusApproved
	case protocol.ResultDeclined:
		return store.StatusDeclined
	}
	return store.StatusFailed
}

// fillFromFinal copies the fields the books index from a 0000 answer.
func fillFromFinal(r *store.Record, body []byte) {
	var v struct {
		Data struct {
			ApprovalNo      string `json:"approvalNo"`
			TransactionNo   string `json:"transactionNo"`
			TransactionDate string `json:"transactionDate"`
			ApprovalAmt     int64  `json:"approvalAmt"`
			IssuerCode      string `json:"issuerCode"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return
	}
	d := v.Data
	r.ApprovalNo, r.TransactionNo, r.IssuerCode, r.ApprovalAmt = d.ApprovalNo, d.TransactionNo, d.IssuerCode, d.ApprovalAmt
	if len(d.TransactionDate) >= 8 {
		r.Day = d.TransactionDate[:8]
	}
}

// put journals records; a failing disk is logged loudly but the answer
// still goes out, since the money already moved on the terminal.
func (e *Engine) put(recs ...*store.Record) {
	if err := e.store.Put(recs...); err != nil {
		e.log.Error("JOURNAL WRITE FAILED: transaction not on disk", zap.String("ptxid", recs[0].Ptxid), zap.Error(err))
	}
}

func mustLookup(c protocol.Code) protocol.Info {
	info, _ := protocol.Lookup(c)
	return info
}

func dataPtxid(data json.RawMessage) string {
	var d struct {
		Ptxid string `json:"ptxid"`
	}
	if len(data) == 0 || json.Unmarshal(data, &d) != nil {
		return ""
	}
	return d.Ptxid
}

// ensurePtxid makes sure an answer echoes its ptxid in data.ptxid, whatever
// the terminal sent.
func ensurePtxid(body []byte, ptxid string) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return result(protocol.ResultFailed, "unreadable answer from the terminal", withPtxid(ptxid))
	}
	if dataPtxid(top["data"]) == ptxid {
		return body
	}
	data := map[string]json.RawMessage{}
	if raw, ok := top["data"]; ok {
		_ = json.Unmarshal(raw, &data)
	}
	data["ptxid"] = mustJSON(ptxid)
	top["data"] = mustJSON(data)
	return mustJSON(top)
}
