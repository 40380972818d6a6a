package engine

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// The functions here turn what arrives into inputs for next, with what
// next needs to know from the journal already looked up.

// bootInput: results delivered before a restart, and the latest one.
func (e *Engine) bootInput() Input {
	now := e.cfg.Clock.Now()
	var b inBoot
	for _, rec := range e.store.Unsettled() {
		switch {
		case rec.Confirm == store.ConfirmAwaiting:
			b.Awaiting = append(b.Awaiting, awaiting{rec, e.cfg.ConfirmTimeout - now.Sub(rec.Updated)})
		case rec.Confirm == store.ConfirmReverse && rec.Status == store.StatusApproved:
			b.Reverse = append(b.Reverse, rec)
		}
	}
	if last, ok := e.store.LastDelivered(); ok {
		b.Last = LastResult{last.Ptxid, statusApproved}
		if last.Status == store.StatusReversed {
			b.Last.Status = statusReversed
		}
	}
	return b
}

// requestInput prepares a transaction request.
func (e *Engine) requestInput(c Client, code protocol.Code, info protocol.Info, req any, body []byte) Input {
	ptxid := req.(protocol.Transaction).PtxID()
	if r, ok := req.(*protocol.TaxRefundRequest); ok && ptxid == "" {
		ptxid, body = e.namedSlip(r)
	}
	in := inRequest{Client: c, Code: code, Info: info, Ptxid: ptxid, Body: body, Journaled: journalBody(body),
		Day: e.cfg.Clock.Now().Format("20060102")}
	if old, ok := e.store.Get(ptxid); ok {
		in.Dup = old
		return in
	}
	if err := e.store.Space(); err != nil {
		in.NoDisk = true
		e.log.Error("journal disk nearly full; transaction refused: free space in dataDir", zap.String("ptxid", ptxid), zap.Error(err))
	}
	if info.Cancel {
		in.Orig, in.NoOrig = e.findOriginal(code, req)
		in.OrigPending = in.Orig != nil && e.cancelPending(in.Orig.Ptxid)
	}
	if err := e.store.Health(); err != nil {
		in.Unreadable = true
		e.log.Error("journal cannot be read back; transaction refused: check the disk of dataDir", zap.String("ptxid", ptxid), zap.Error(err))
	}
	return in
}

// namedSlip gives a P3MIX tax-refund slip, whose fields are all optional,
// the ptxid its POS left out, so that it is journaled and answered like
// any other (SPEC §3.1): "termd-", the time in milliseconds and a random
// part, in base 36. It returns the body the terminal gets.
func (e *Engine) namedSlip(r *protocol.TaxRefundRequest) (string, []byte) {
	r.Ptxid = "termd-" + strconv.FormatInt(e.cfg.Clock.Now().UnixMilli(), 36) + "-" + strconv.FormatUint(uint64(rand.Uint32()), 36)
	body, _ := json.Marshal(r) // a validated request always encodes
	return r.Ptxid, body
}

// cancelPending reports whether a cancel of the approval orig is running
// or unknown.
func (e *Engine) cancelPending(orig string) bool {
	for _, r := range e.store.Unsettled() {
		if r.OrigPtxid == orig && (r.Status == store.StatusRunning || r.Status == store.StatusUnknown) {
			return true
		}
	}
	return false
}

// journalBody is a request or an answer as the journal keeps it: personal
// numbers masked (a cash receipt's approvalNumber, any card number).
func journalBody(body []byte) []byte { return protocol.MaskBody(body) }

// deviceInput turns what the terminal says into an input, or nil when
// there is nothing to decide.
func (e *Engine) deviceInput(ev device.Event) Input {
	switch ev.Kind {
	case device.EventUp:
		return inLinkUp{e.store.Unsettled()}
	case device.EventDown:
		return inLinkDown{ev.Err}
	}
	f := ev.Frame
	switch f.Code {
	case protocol.DevPhase:
		var rep protocol.DevPhaseReport
		if err := json.Unmarshal(f.Body, &rep); err != nil {
			e.log.Warn("unreadable phase report from the terminal", zap.Error(err))
			return nil
		}
		return inPhase{rep.Ptxid, rep.Phase}
	case protocol.DevCancel:
		var a protocol.DevResult
		_ = json.Unmarshal(f.Body, &a)
		return inCancelAnswer{a.Ptxid, a.ResultCode}
	case protocol.DevOutcome:
		var a protocol.DevOutcomeAnswer
		if err := json.Unmarshal(f.Body, &a); err != nil {
			e.log.Warn("unreadable outcome answer from the terminal", zap.Error(err))
			return nil
		}
		rec, _ := e.store.Get(a.Ptxid)
		return inOutcome{a, rec, e.origOf(a.Ptxid)}
	case protocol.DevReverse:
		var a protocol.DevResult
		_ = json.Unmarshal(f.Body, &a)
		return inReverseAnswer{a.Ptxid, a.ResultCode, a.ResultMessage}
	case protocol.DevStatus:
		return nil // liveness only
	case protocol.CodeCodeDownload:
		e.codeList(f.Body)
		return nil
	}
	if info, ok := protocol.Lookup(f.Code); ok && info.Kind == protocol.KindTransaction {
		return e.finalInput(f)
	}
	e.log.Warn("unexpected frame from the terminal", zap.String("code", string(f.Code)))
	return nil
}

func (e *Engine) finalInput(f protocol.Frame) Input {
	var h protocol.ResultHeader
	if err := json.Unmarshal(f.Body, &h); err != nil {
		e.log.Error("terminal sent an unreadable answer", zap.String("code", string(f.Code)), zap.Error(err))
		return nil
	}
	in := inFinal{Code: f.Code, Result: h.ResultCode, Ptxid: dataPtxid(h.Data), Body: f.Body}
	if rec, ok := e.store.Get(in.Ptxid); ok && in.Ptxid != "" {
		in.Rec = rec
		in.Orig = e.origOf(in.Ptxid)
	}
	return in
}

// origOf returns the approval that ptxid's transaction cancels, if any.
func (e *Engine) origOf(ptxid string) *store.Record {
	rec, ok := e.store.Get(ptxid)
	if !ok || rec.OrigPtxid == "" {
		return nil
	}
	orig, _ := e.store.Get(rec.OrigPtxid)
	return orig
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
