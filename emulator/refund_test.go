package emulator

import (
	"encoding/json"
	"testing"
	"testing/synctest"

	"github.com/termd/termd/protocol"
)

// TestTaxRefundT650P: a T650P takes the T650P body (salesSerial a number)
// and answers with the goods-and-hotel body.
func TestTaxRefundT650P(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{Model: protocol.ModelT650P})
		o := rg.transact(protocol.CodeTaxRefund, `{"taxRefundMode":"post","paymentType":"card","approvalAmt":100000,"salesSerial":12345,"ptxId":"tr1"}`)
		f := o.final
		if f.ResultCode != protocol.ResultOK {
			t.Fatalf("T650P refund: %s %q", f.ResultCode, f.ResultMessage)
		}
		if f.Data.Ptxid != "tr1" || f.Data.RefundBalance != 6000 || f.Data.RefundSerial == "" || f.Data.TaxrefundSerial != f.Data.RefundSerial {
			t.Errorf("goods body %+v", f.Data)
		}
		if _, ok := f.DataKeys["dutyFreeStoreNumber"]; !ok {
			t.Errorf("not the goods-and-hotel body: %s", f.raw)
		}
		if _, ok := f.DataKeys["facilitatorName"]; ok {
			t.Errorf("medical fields in a T650P answer: %s", f.raw)
		}
		// P3MIX's string salesSerial is not a T650P body.
		o = rg.transact(protocol.CodeTaxRefund, `{"approvalAmt":1000,"salesSerial":"S-1","ptxId":"tr2"}`)
		if o.final.ResultCode != protocol.ResultInvalid || o.final.Data.Ptxid != "tr2" {
			t.Errorf("T650P with a string salesSerial: %s %q ptxid %q, want 9002", o.final.ResultCode, o.final.ResultMessage, o.final.Data.Ptxid)
		}
		// Medical fields mean nothing to a T650P: still the goods body.
		m := rg.approve(protocol.CodeTaxRefund, `{"approvalAmt":1000,"cardAmount":2000,"facilitatorNumber":"F-1","ptxId":"tr4"}`)
		if _, ok := m.DataKeys["dutyFreeStoreNumber"]; !ok {
			t.Errorf("T650P answered a medical body: %s", m.raw)
		}
		if o := rg.transact(protocol.CodeTaxRefund, `{"paymentType":"coupon","ptxId":"tr3"}`); o.final.ResultCode != protocol.ResultInvalid {
			t.Errorf("T650P with paymentType coupon: %s, want 9002", o.final.ResultCode)
		}
	})
}

// TestTaxRefundP3MIX: a P3MIX answers medical slips (facilitator or split
// amounts) with the medical body, goods and hotel slips with the goods
// body, and still wants a ptxId.
func TestTaxRefundP3MIX(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{Model: protocol.ModelP3MIX})
		med := rg.approve(protocol.CodeTaxRefund, `{"cardAmount":30000,"cashAmount":20000,"facilitatorNumber":"F-77","salesSerial":"A-1","ptxId":"med"}`)
		if med.Data.Price != 50000 || med.Data.CardAmount != 30000 || med.Data.CashAmount != 20000 || med.Data.FacilitatorSerial != "F-77" ||
			med.Data.RefundBalance != 3000 || med.Data.Ptxid != "med" || med.Data.RefundSerial == "" {
			t.Errorf("medical body %+v", med.Data)
		}
		for _, k := range []string{"facilitatorName", "resCode", "resMessageTaxrefund"} {
			if _, ok := med.DataKeys[k]; !ok {
				t.Errorf("medical body lacks %s: %s", k, med.raw)
			}
		}
		hotel := rg.approve(protocol.CodeTaxRefund, `{"approvalAmt":200000,"checkIn":"250301","checkOut":"250303","salesSerial":"H-9","ptxId":"hotel"}`)
		if _, ok := hotel.DataKeys["dutyFreeStoreNumber"]; !ok || hotel.Data.RefundBalance != 12000 {
			t.Errorf("hotel slip: want the goods body, got %s", hotel.raw)
		}
		if med.Data.RefundSerial == hotel.Data.RefundSerial {
			t.Errorf("two slips share serial %s", med.Data.RefundSerial)
		}
		for name, body := range map[string]string{
			"no ptxId":           `{"approvalAmt":1000}`,
			"checkOut before in": `{"checkIn":"250303","checkOut":"250301","ptxId":"p"}`,
		} {
			if o := rg.transact(protocol.CodeTaxRefund, body); o.final.ResultCode != protocol.ResultInvalid || len(o.phases) != 0 {
				t.Errorf("P3MIX %s: %s %q, want 9002", name, o.final.ResultCode, o.final.ResultMessage)
			}
		}
	})
}

// TestTaxRefundQueryAndCancel: 900050 finds a slip by its serial and
// answers with its body under the new ptxid; 050020 cancels it once.
func TestTaxRefundQueryAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		slip := rg.approve(protocol.CodeTaxRefund, `{"approvalAmt":50000,"salesSerial":7,"ptxId":"slip"}`)
		serial := slip.Data.RefundSerial

		q := rg.approve(protocol.CodeTaxRefundQuery, protocol.TaxRefundRefRequest{TaxRefundSerial: serial, IsPrint: "false", Ptxid: "q1"})
		if q.Data.Ptxid != "q1" || q.Data.RefundSerial != serial || q.Data.RefundBalance != slip.Data.RefundBalance {
			t.Errorf("query: %+v, want the slip's body with ptxid q1", q.Data)
		}
		c := rg.approve(protocol.CodeTaxRefundCancel, protocol.TaxRefundRefRequest{TaxRefundSerial: serial, Ptxid: "c1"})
		if c.Data.Ptxid != "c1" || c.Data.RefundSerial != serial {
			t.Errorf("cancel: %+v", c.Data)
		}
		if out := rg.askOutcome("slip"); out.Status != protocol.OutcomeCancelled {
			t.Errorf("cancelled slip: status %s, want cancelled", out.Status)
		}
		if o := rg.transact(protocol.CodeTaxRefundCancel, protocol.TaxRefundRefRequest{TaxRefundSerial: serial, Ptxid: "c2"}); o.final.ResultCode != protocol.ResultNoOriginal || o.final.Data.Ptxid != "c2" {
			t.Errorf("second cancel: %s ptxid %q, want 9006", o.final.ResultCode, o.final.Data.Ptxid)
		}
		if o := rg.transact(protocol.CodeTaxRefundQuery, protocol.TaxRefundRefRequest{TaxRefundSerial: "nope", Ptxid: "q2"}); o.final.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("query of an unknown serial: %s, want 9006", o.final.ResultCode)
		}
	})
}

// TestTaxRefundNotFoundIsNotApproved: when a slip cancel or query answers
// 9006, the terminal's books must not call it approved — the daemon reads
// them (DevOutcome) to settle a lost answer, and DevReverse acts on them.
func TestTaxRefundNotFoundIsNotApproved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		for _, code := range []protocol.Code{protocol.CodeTaxRefundCancel, protocol.CodeTaxRefundQuery} {
			ptxid := "missing-" + string(code)
			o := rg.transact(code, protocol.TaxRefundRefRequest{TaxRefundSerial: "nope", Ptxid: ptxid})
			if o.final.ResultCode != protocol.ResultNoOriginal {
				t.Fatalf("%s of an unknown serial: %s", code, o.final.ResultCode)
			}
			out := rg.askOutcome(ptxid)
			var h protocol.ResultHeader
			_ = json.Unmarshal(out.Final, &h)
			if h.ResultCode != protocol.ResultNoOriginal || out.Status == protocol.OutcomeApproved {
				t.Errorf("%s answered 9006 but the books say status %q with final %s", code, out.Status, out.Final)
			}
			if a := rg.devResult(protocol.DevReverse, protocol.DevPtxid{Ptxid: ptxid}); a.ResultCode == protocol.ResultOK {
				t.Errorf("%s answered 9006, yet DevReverse 'reversed' it: %+v", code, a)
			}
		}
	})
}
