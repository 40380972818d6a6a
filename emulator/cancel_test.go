package emulator

import (
	"slices"
	"testing"
	"testing/synctest"

	"github.com/termd/termd/protocol"
)

// TestPartialCancel: cancels name the approval by approvalNo and date (8
// or 14 digits), may take part of it, never more than what is left, and
// an approval cancelled in full cannot be cancelled again.
func TestPartialCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		ap := rg.approve(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 30000, Installment: 0, Ptxid: "orig"})

		// 10,000 of 30,000, naming the day only.
		req := cancelOf(ap, 10000, "c1")
		req.TransactionDate = ap.Data.TransactionDate[:8]
		o := rg.transact(protocol.CodeCreditCancel, req)
		c := o.final
		if c.ResultCode != protocol.ResultOK || c.ResultMessage != protocol.MsgCancelled {
			t.Fatalf("partial cancel: %s %q", c.ResultCode, c.ResultMessage)
		}
		if want := []string{protocol.PhaseReading, protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("cancel phases %v, want %v", o.phases, want)
		}
		if c.Data.ApprovalAmt != 10000 || c.Data.Ptxid != "c1" {
			t.Errorf("cancel data %+v", c.Data)
		}
		if c.Data.ApprovalNo == ap.Data.ApprovalNo || c.Data.TransactionNo == ap.Data.TransactionNo {
			t.Errorf("the cancel reuses the approval's numbers: %+v", c.Data)
		}
		// The same card as the approval.
		if c.Data.MaskedTrackData != ap.Data.MaskedTrackData || c.Data.IssuerCode != ap.Data.IssuerCode || c.Data.AcquirerCode != ap.Data.AcquirerCode {
			t.Errorf("cancel card %s/%s/%s, approval %s/%s/%s", c.Data.MaskedTrackData, c.Data.IssuerCode, c.Data.AcquirerCode,
				ap.Data.MaskedTrackData, ap.Data.IssuerCode, ap.Data.AcquirerCode)
		}
		if out := rg.askOutcome("orig"); out.Status != protocol.OutcomeApproved {
			t.Errorf("partly cancelled approval: status %s, want approved", out.Status)
		}

		// 25,000 is more than the 20,000 left: refused at once.
		o = rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 25000, "c2"))
		if o.final.ResultCode != protocol.ResultNoOriginal || len(o.phases) != 0 || o.final.Data.Ptxid != "c2" {
			t.Errorf("cancel above the balance: %s %q phases %v", o.final.ResultCode, o.final.ResultMessage, o.phases)
		}
		// The rest, with the 14-digit date.
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, "c3"))
		if out := rg.askOutcome("orig"); out.Status != protocol.OutcomeCancelled {
			t.Errorf("approval cancelled in full: status %s, want cancelled", out.Status)
		}
		// Nothing is left.
		o = rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 1000, "c4"))
		if o.final.ResultCode != protocol.ResultNoOriginal || len(o.phases) != 0 {
			t.Errorf("double cancel: %s %q phases %v, want 9006", o.final.ResultCode, o.final.ResultMessage, o.phases)
		}
		if out := rg.askOutcome("c4"); out.Status != protocol.OutcomeFailed {
			t.Errorf("refused cancel: books say %q, want failed", out.Status)
		}
	})
}

// TestCancelNeedsTheRightOriginal: approvalNo, day and kind must all match.
func TestCancelNeedsTheRightOriginal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		ap := rg.approve(protocol.CodeCreditApproval, credit(30000, "orig"))
		cases := map[string]struct {
			code protocol.Code
			req  protocol.CancelRequest
		}{
			"other approvalNo": {protocol.CodeCreditCancel, func() protocol.CancelRequest {
				r := cancelOf(ap, 1000, "x1")
				r.ApprovalNo = "00000000"
				if r.ApprovalNo == ap.Data.ApprovalNo {
					r.ApprovalNo = "00000001"
				}
				return r
			}()},
			"other day": {protocol.CodeCreditCancel, func() protocol.CancelRequest {
				r := cancelOf(ap, 1000, "x2")
				r.TransactionDate = "19990101"
				return r
			}()},
			"simple-pay cancel of a credit approval": {protocol.CodeSimplePayCancel, cancelOf(ap, 1000, "x3")},
			"cash-receipt cancel of a credit approval": {protocol.CodeCashReceiptCancel, func() protocol.CancelRequest {
				r := cancelOf(ap, 1000, "x4")
				r.TraderType = "1"
				return r
			}()},
		}
		for name, c := range cases {
			o := rg.transact(c.code, c.req)
			if o.final.ResultCode != protocol.ResultNoOriginal || o.final.ResultMessage != protocol.MsgNoOriginal {
				t.Errorf("%s: %s %q, want 9006 %s", name, o.final.ResultCode, o.final.ResultMessage, protocol.MsgNoOriginal)
			}
		}
		// The original is untouched.
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 30000, "full"))
	})
}

// TestCancelMagicAmount: a cancel's behaviour follows its approvalAmt; a
// declined cancel takes nothing off the original.
func TestCancelMagicAmount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		ap := rg.approve(protocol.CodeCreditApproval, credit(20000, "orig"))
		o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 1001, "declined"))
		if o.final.ResultCode != protocol.ResultDeclined || o.final.ResultMessage != "한도초과" {
			t.Fatalf("cancel of 1001: %s %q, want 9005 한도초과", o.final.ResultCode, o.final.ResultMessage)
		}
		o = rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 1004, "silent"))
		if o.final.ResultCode != protocol.ResultDevice {
			t.Fatalf("cancel of 1004: %s, want 9004", o.final.ResultCode)
		}
		rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, "full"))
	})
}

// TestCancelKeepsInstallment: the cancel answer repeats the original's
// installment months.
func TestCancelKeepsInstallment(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		ap := rg.approve(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 120000, Installment: 3, Ptxid: "inst"})
		c := rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 120000, "inst-c"))
		if c.Data.Installment != 3 {
			t.Errorf("cancel installment %d, want 3", c.Data.Installment)
		}
	})
}

// TestSimplePay: simple-pay answers carry the service code (QRD when none
// was given) and the point fields; the cancel repeats the original's
// service code.
func TestSimplePay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		o := rg.transact(protocol.CodeSimplePayApproval, protocol.PaymentRequest{ServiceCode: "KKO", PriceAmt: 90000, Ptxid: "sp"})
		ap := o.final
		if ap.ResultCode != protocol.ResultOK || ap.Data.ServiceCode != "KKO" {
			t.Fatalf("simple pay: %s serviceCode %q", ap.ResultCode, ap.Data.ServiceCode)
		}
		if want := []string{protocol.PhaseReading, protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("phases %v, want %v", o.phases, want)
		}
		for _, k := range []string{"pointAmt1", "pointAmt2", "pointAmt3", "issuerCode", "approvalNo"} {
			if _, ok := ap.DataKeys[k]; !ok {
				t.Errorf("simple-pay answer lacks %s: %s", k, ap.raw)
			}
		}
		c := rg.approve(protocol.CodeSimplePayCancel, cancelOf(ap, 90000, "sp-c"))
		if c.Data.ServiceCode != "KKO" || c.ResultMessage != protocol.MsgCancelled {
			t.Errorf("simple-pay cancel: serviceCode %q message %q", c.Data.ServiceCode, c.ResultMessage)
		}
		if d := rg.approve(protocol.CodeSimplePayApproval, credit(1000, "sp2")).Data; d.ServiceCode != "QRD" {
			t.Errorf("default serviceCode %q, want QRD", d.ServiceCode)
		}
		// A credit cancel cannot cancel a simple-pay approval.
		if o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 1000, "wrong-kind")); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("credit cancel of a simple-pay approval: %s", o.final.ResultCode)
		}
		// Credit answers have no simple-pay fields.
		cr := rg.approve(protocol.CodeCreditApproval, credit(1000, "cr"))
		if _, ok := cr.DataKeys["serviceCode"]; ok {
			t.Errorf("credit answer carries serviceCode: %s", cr.raw)
		}
	})
}

// TestCashReceipt: with no approvalNumber the customer keys it on the
// terminal (a reading phase); with one, the terminal goes straight to the
// card company and masks the number it was given.
func TestCashReceipt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		o := rg.transact(protocol.CodeCashReceipt, protocol.CashReceiptRequest{PriceAmt: 11000, TraderType: "1", Ptxid: "keyed"})
		if want := []string{protocol.PhaseReading, protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("keyed number: phases %v, want %v", o.phases, want)
		}
		if o.elapsed != cardDelay+authDelay {
			t.Errorf("keyed number: answer after %v, want %v", o.elapsed, cardDelay+authDelay)
		}
		d := o.final.Data
		if o.final.ResultCode != protocol.ResultOK || d.ReceiptTitle != "현금(소득공제)" || d.TraderType != "1" || d.TaxAmt != 1000 || d.ApprovalAmt != 11000 {
			t.Errorf("cash receipt: %s %+v", o.final.ResultCode, d)
		}
		if len(d.MaskedTrackData) < 12 || d.MaskedTrackData[6:12] != "******" {
			t.Errorf("keyed number shown as %q, want it masked", d.MaskedTrackData)
		}

		o = rg.transact(protocol.CodeCashReceipt, protocol.CashReceiptRequest{PriceAmt: 5000, TipAmt: 500, TraderType: "2", ApprovalNumber: "1234567890123", Ptxid: "given"})
		if want := []string{protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("number given: phases %v, want %v", o.phases, want)
		}
		if o.elapsed != authDelay {
			t.Errorf("number given: answer after %v, want %v", o.elapsed, authDelay)
		}
		d = o.final.Data
		if d.MaskedTrackData != "123456******3" || d.ReceiptTitle != "현금(지출증빙)" || d.ApprovalAmt != 5500 || d.TipAmt != 500 {
			t.Errorf("number given: %+v", d)
		}

		// Magic amounts apply to cash receipts too.
		o = rg.transact(protocol.CodeCashReceipt, protocol.CashReceiptRequest{PriceAmt: 5002, TraderType: "1", ApprovalNumber: "01012345678", Ptxid: "lost"})
		if o.final.ResultCode != protocol.ResultDeclined {
			t.Errorf("cash receipt of 5002: %s, want 9005", o.final.ResultCode)
		}

		// Cancel of the first receipt.
		c := rg.approve(protocol.CodeCashReceiptCancel, protocol.CancelRequest{ApprovalAmt: 11000, ApprovalNo: booksData(rg, "keyed").ApprovalNo,
			TransactionDate: booksData(rg, "keyed").TransactionDate, TraderType: "1", Ptxid: "keyed-c"})
		if c.ResultMessage != protocol.MsgCancelled || c.Data.TraderType != "1" || c.Data.ApprovalAmt != 11000 {
			t.Errorf("cash receipt cancel: %q %+v", c.ResultMessage, c.Data)
		}
		if out := rg.askOutcome("keyed"); out.Status != protocol.OutcomeCancelled {
			t.Errorf("cancelled receipt: status %s", out.Status)
		}
	})
}

// booksData reads the final answer data the books keep for ptxid.
func booksData(rg *rig, ptxid string) data {
	rg.t.Helper()
	out := rg.askOutcome(ptxid)
	return decodeReply(rg.t, frameAt{Frame: protocol.Frame{Body: out.Final}}).Data
}
