package emulator

import (
	"encoding/json"
	"fmt"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// decide plays the card company: it answers the running transaction by its
// magic amount, records the outcome in the books and, if send, sends the
// final answer. An approval reaches the POS only once the books on disk hold
// it; one they cannot hold is voided and answered 9004.
func (s *session) decide(send bool) {
	o := s.op
	s.op = nil
	s.stopTimer()
	s.idle()
	result, msg := verdict(o.magic)
	e := &entry{ptxid: o.ptxid, code: o.code, amount: o.amount}
	s.t.mu.Lock()
	if o.orig != nil && result == protocol.ResultOK {
		if why := uncancellable(o.orig, o.amount); why != "" {
			result, msg = protocol.ResultNoOriginal, why
		}
	}
	before := s.t.books.snapshot(o.orig, s.t.books.slipOf(o.req))
	var final []byte
	if result != protocol.ResultOK {
		final = mustJSON(protocol.Response{ResultCode: result, ResultMessage: msg, Data: protocol.PtxidData{Ptxid: o.ptxid}})
	} else {
		final = s.approve(o, e)
	}
	// The answer built decides the outcome, not the magic amount alone: a
	// slip cancel or query of an unknown slip is a 9006, not an approval.
	var h protocol.ResultHeader
	_ = json.Unmarshal(final, &h)
	e.status, e.final = outcomeOf(h.ResultCode), final
	s.t.books.record(e)
	if err := s.t.saveBooks(); err != nil {
		s.t.log.Error("books not saved; the answer is not 0000", zap.String("ptxid", o.ptxid), zap.Error(err))
		if e.status == protocol.OutcomeApproved {
			before.restore()
			final = s.t.books.void(e)
		}
	}
	s.t.mu.Unlock()
	if send {
		s.write(o.code, final)
	}
}

func verdict(magic int) (result, msg string) {
	switch magic {
	case magicLimit:
		return protocol.ResultDeclined, "한도초과"
	case magicLost:
		return protocol.ResultDeclined, "분실/도난 카드"
	case magicExpired:
		return protocol.ResultDeclined, "유효기간 경과"
	case magicHostSilent:
		return protocol.ResultDevice, "카드사 응답 없음"
	}
	return protocol.ResultOK, ""
}

// approve builds the 0000 answer and fills the book entry. Called with t.mu held.
func (s *session) approve(o *op, e *entry) []byte {
	now := s.t.clock.Now()
	e.approvalNo, e.day, e.card, e.balance = s.t.nums.next(8), now.Format("20060102"), o.card, o.amount
	txNo := s.t.nums.next(12)
	date := now.Format("20060102150405")
	if o.orig != nil { // a cancel: the original loses what was cancelled
		o.orig.balance -= o.amount
		if o.orig.balance <= 0 {
			o.orig.status = protocol.OutcomeCancelled
		}
		s.t.books.touch(o.orig)
	}
	msg := protocol.MsgApproved
	if o.info.Cancel {
		msg = protocol.MsgCancelled
	}
	var data any
	switch r := o.req.(type) {
	case *protocol.PaymentRequest:
		cr := s.cardResult(o, e.approvalNo, txNo, date)
		cr.Installment, cr.TipAmt, cr.TaxAmt, cr.TaxFreeAmt = r.Installment, r.TipAmt, *r.TaxAmt, r.TaxFreeAmt
		data = s.shaped(o, cr, r.ServiceCode)
	case *protocol.CancelRequest:
		data = s.cancelResult(o, r, e.approvalNo, txNo, date)
	case *protocol.CashReceiptRequest:
		data = protocol.CashReceiptResult{ApprovalNo: e.approvalNo, TransactionNo: txNo, ApprovalAmt: o.amount, TipAmt: r.TipAmt,
			TaxAmt: *r.TaxAmt, TaxFreeAmt: r.TaxFreeAmt, MaskedTrackData: maskedID(r.ApprovalNumber, o.card), TransactionDate: date,
			ReceiptTitle: receiptTitle(r.TraderType), TraderType: r.TraderType, Ptxid: o.ptxid}
	case *protocol.TaxRefundRequest:
		data = s.refund(o, r, e, now)
	case *protocol.TaxRefundRefRequest:
		return s.refundRef(o, r)
	}
	return mustJSON(protocol.Response{ResultCode: protocol.ResultOK, ResultMessage: msg, Data: data})
}

func (s *session) cardResult(o *op, approvalNo, txNo, date string) protocol.CardResult {
	is := o.card.issuer
	return protocol.CardResult{
		ApprovalNo: approvalNo, TransactionNo: txNo, MerchantCode: s.t.cfg.MerchantCode, ApprovalAmt: o.amount,
		MaskedTrackData: o.card.masked, IssuerCode: is.code, IssuerName: is.name, AcquirerCode: is.acqCode, AcquirerName: is.acqName,
		TransactionDate: date, Ptxid: o.ptxid,
	}
}

// shaped gives simple-pay answers their extra fields.
func (s *session) shaped(o *op, cr protocol.CardResult, serviceCode string) any {
	if o.info.Family != protocol.FamilySimplePay {
		return cr
	}
	if serviceCode == "" {
		serviceCode = "QRD"
	}
	return protocol.SimplePayResult{CardResult: cr, ServiceCode: serviceCode}
}

func (s *session) cancelResult(o *op, r *protocol.CancelRequest, approvalNo, txNo, date string) any {
	var orig map[string]any
	_ = json.Unmarshal(o.orig.final, &struct{ Data *map[string]any }{&orig})
	if o.code == protocol.CodeCashReceiptCancel {
		return protocol.CashReceiptResult{ApprovalNo: approvalNo, TransactionNo: txNo, ApprovalAmt: r.ApprovalAmt,
			MaskedTrackData: o.card.masked, TransactionDate: date, ReceiptTitle: receiptTitle(r.TraderType), TraderType: r.TraderType, Ptxid: o.ptxid}
	}
	cr := s.cardResult(o, approvalNo, txNo, date)
	if n, ok := orig["installment"].(float64); ok {
		cr.Installment = int(n)
	}
	sc, _ := orig["serviceCode"].(string)
	return s.shaped(o, cr, sc)
}

func receiptTitle(traderType string) string {
	if traderType == "2" {
		return "현금(지출증빙)"
	}
	return "현금(소득공제)"
}

// maskedID masks the customer's number of a cash receipt (phone, card or
// business number) like a card number.
func maskedID(number string, c card) string {
	if number == "" {
		return c.masked
	}
	return protocol.MaskCard(number)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: marshal %T: %v", v, err))
	}
	return b
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
