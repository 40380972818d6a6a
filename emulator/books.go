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
