package emulator

import (
	"encoding/json"

	"github.com/termd/termd/protocol"
)

// entry is one transaction in the emulated terminal's own books, which the
// daemon can ask about (DevOutcome) and which cancels are checked against.
type entry struct {
	ptxid   string
	code    protocol.Code
	status  string // protocol.Outcome*
	final   json.RawMessage
	amount  int64 // approvalAmt
	balance int64 // left to cancel
	// for approvals
	approvalNo, day string
	card            card
	refundSerial    string
}

type approvalKey struct {
	code            protocol.Code
	approvalNo, day string
}

// books are the terminal's memory of what it did; they survive link
// sessions (an unplug) but not the process.
type books struct {
	byPtxid    map[string]*entry
	byApproval map[approvalKey]*entry
	bySlip     map[string]*entry
	dirty      []*entry // changed since the books were last saved
}

func newBooks() *books {
	return &books{byPtxid: map[string]*entry{}, byApproval: map[approvalKey]*entry{}, bySlip: map[string]*entry{}}
}

// touch notes that e changed in place.
func (b *books) touch(e *entry) { b.dirty = append(b.dirty, e) }

func (b *books) record(e *entry) {
	b.touch(e)
	b.byPtxid[e.ptxid] = e
	if e.status == protocol.OutcomeApproved && e.approvalNo != "" && !mustInfo(e.code).Cancel {
		b.byApproval[approvalKey{e.code, e.approvalNo, e.day}] = e
	}
	if e.refundSerial != "" {
		b.bySlip[e.refundSerial] = e
	}
}

// msgNotRecorded is the final answer of a transaction the card company
// approved but the terminal could not write into its books: the terminal
// voids it rather than answer 0000 for money its books do not hold.
const msgNotRecorded = "단말기 거래 기록 실패"

// undo holds entries as they were before a change, so that a change the
// books could not save can be taken back.
type undo []struct {
	e   *entry
	was entry
}

// snapshot remembers es (nil ones skipped) as they are now.
func (b *books) snapshot(es ...*entry) undo {
	var u undo
	for _, e := range es {
		if e != nil {
			u = append(u, struct {
				e   *entry
				was entry
			}{e, *e})
		}
	}
	return u
}

// restore puts the remembered entries back as they were.
func (u undo) restore() {
	for _, x := range u {
		*x.e = x.was
	}
}

// void turns e, just recorded as approved, into a failure the terminal
// answers with 9004: no cancel can name it and no slip is issued.
func (b *books) void(e *entry) []byte {
	delete(b.byApproval, approvalKey{e.code, e.approvalNo, e.day})
	if e.refundSerial != "" {
		delete(b.bySlip, e.refundSerial)
	}
	e.status, e.balance = protocol.OutcomeFailed, 0
	e.final = mustJSON(protocol.Response{ResultCode: protocol.ResultDevice, ResultMessage: msgNotRecorded, Data: protocol.PtxidData{Ptxid: e.ptxid}})
	b.touch(e)
	return e.final
}

// slipOf is the slip a slip cancel or query names, if the books have it.
func (b *books) slipOf(req any) *entry {
	if r, ok := req.(*protocol.TaxRefundRefRequest); ok {
		return b.bySlip[r.TaxRefundSerial]
	}
	return nil
}

// approvalCode maps a cancel to the approval it cancels.
var approvalCode = map[protocol.Code]protocol.Code{
	protocol.CodeCreditCancel:      protocol.CodeCreditApproval,
	protocol.CodeSimplePayCancel:   protocol.CodeSimplePayApproval,
	protocol.CodeCashReceiptCancel: protocol.CodeCashReceipt,
}

// original finds the approval a cancel names, or says why it cannot be
// cancelled.
func (b *books) original(code protocol.Code, r *protocol.CancelRequest) (*entry, string) {
	e, ok := b.byApproval[approvalKey{approvalCode[code], r.ApprovalNo, r.OriginalDate()}]
	switch {
	case !ok:
		return nil, protocol.MsgNoOriginal
	case e.status != protocol.OutcomeApproved:
		return nil, "이미 취소된 거래입니다"
	case r.ApprovalAmt > e.balance:
		return nil, "취소 가능 금액 초과"
	}
	return e, ""
}

func mustInfo(c protocol.Code) protocol.Info {
	info, _ := protocol.Lookup(c)
	return info
}
