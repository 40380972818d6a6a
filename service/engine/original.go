package engine

import (
	"fmt"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// approvalCodeOf maps a cancel code to the approval code it cancels.
var approvalCodeOf = map[protocol.Code]protocol.Code{
	protocol.CodeCreditCancel:      protocol.CodeCreditApproval,
	protocol.CodeSimplePayCancel:   protocol.CodeSimplePayApproval,
	protocol.CodeCashReceiptCancel: protocol.CodeCashReceipt,
}

// findOriginal finds the approval a cancel names in the journal, or says in
// the POS's language why it cannot be cancelled (answered as 9006).
// Tax-refund slips are looked up by the terminal itself.
func (e *Engine) findOriginal(code protocol.Code, req any) (*store.Record, string) {
	r, ok := req.(*protocol.CancelRequest)
	if !ok {
		return nil, ""
	}
	orig, found := e.store.FindApproval(approvalCodeOf[code], r.ApprovalNo, r.OriginalDate())
	switch {
	case !found:
		return nil, fmt.Sprintf("%s: 승인번호 %s, 거래일자 %s", protocol.MsgNoOriginal, r.ApprovalNo, r.OriginalDate())
	case orig.Status == store.StatusCancelled || orig.Status == store.StatusReversed:
		return nil, "이미 취소된 거래입니다"
	case orig.Status != store.StatusApproved:
		return nil, "원거래가 승인된 거래가 아닙니다"
	case r.TransactionNo != "" && orig.TransactionNo != "" && r.TransactionNo != orig.TransactionNo:
		return nil, "거래번호(transactionNo)가 원거래와 다릅니다"
	case r.ApprovalAmt > orig.Balance:
		return nil, fmt.Sprintf("취소 금액 %d원이 취소 가능 잔액 %d원을 넘습니다", r.ApprovalAmt, orig.Balance)
	}
	return orig, ""
}
