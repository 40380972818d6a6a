package emulator

import (
	"encoding/json"
	"time"

	"github.com/termd/termd/protocol"
)

// refund issues a tax-refund slip: the goods-and-hotel body, or the medical
// body on a P3MIX with medical amounts. Called with t.mu held.
func (s *session) refund(o *op, r *protocol.TaxRefundRequest, e *entry, now time.Time) any {
	serial := now.Format("060102") + s.t.nums.next(14)
	e.refundSerial = serial
	refund := o.amount * 6 / 100 // the emulated refund rate
	date, tm := now.Format("20060102"), now.Format("150405")
	if s.t.cfg.Model == protocol.ModelP3MIX && (r.CardAmount > 0 || r.CashAmount > 0 || r.EtcAmount > 0 || r.FacilitatorNumber != "") {
		return protocol.RefundMedicalResult{BuyerCountry: "JPN", BuyerName: "TANAKA HANAKO", CardAmount: r.CardAmount, CashAmount: r.CashAmount,
			EtcAmount: r.EtcAmount, FacilitatorBusinessSerial: "1234567890", FacilitatorMedicalSerial: "M0001", FacilitatorName: "termd 의원",
			FacilitatorSerial: r.FacilitatorNumber, PassportSerial: "TR1234567", Price: o.amount, RefundBalance: refund,
			RefundDate: date, RefundTime: tm, RefundSerial: serial, ResCode: "0000", ResMessage: "정상", ResMessageTaxrefund: "환급 완료", Ptxid: o.ptxid}
	}
	return protocol.RefundGoodsResult{BuyerCountry: "JPN", BuyerName: "TANAKA HANAKO", DutyFreeStoreNumber: "DF0001",
		Message0: "사후면세 환급전표", PassportSerial: "TR1234567", RefundBalance: refund, RefundDate: date, RefundTime: tm,
		RefundSerial: serial, TaxrefundSerial: serial, Ptxid: o.ptxid}
}

// refundRef answers a slip cancel (050020) or query (900050). Called with
// t.mu held.
func (s *session) refundRef(o *op, r *protocol.TaxRefundRefRequest) []byte {
	slip, err := s.t.books.slip(r.TaxRefundSerial)
	if err != nil { // the slip may well be there: never say it is not
		return mustJSON(protocol.Response{ResultCode: protocol.ResultDevice, ResultMessage: msgUnreadable, Data: protocol.PtxidData{Ptxid: o.ptxid}})
	}
	if slip == nil || (o.code == protocol.CodeTaxRefundCancel && slip.status != protocol.OutcomeApproved) {
		return mustJSON(protocol.Response{ResultCode: protocol.ResultNoOriginal, ResultMessage: "환급전표 없음", Data: protocol.PtxidData{Ptxid: o.ptxid}})
	}
	var body map[string]any
	_ = json.Unmarshal(slip.final, &body)
	data, _ := body["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	data["ptxid"] = o.ptxid
	msg := "환급전표 조회"
	if o.code == protocol.CodeTaxRefundCancel {
		slip.status = protocol.OutcomeCancelled
		s.t.books.touch(slip)
		msg = "환급전표 취소"
	}
	return mustJSON(map[string]any{"resultCode": protocol.ResultOK, "resultMessage": msg, "data": data})
}
