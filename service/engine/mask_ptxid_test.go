package engine

import (
	"testing"

	"github.com/termd/termd/protocol"
)

// The journal masks card numbers in a final answer, and 990001 answers
// from the journal. A ptxid is the POS's own name for its payment, not a
// person's number: one that looks like a card number (16 digits passing
// the Luhn check, a receipt number can) must come back whole, or the POS
// recovering a lost answer cannot tell it is its own payment. A full card
// number the terminal put in maskedTrackData is still masked.
func TestLastTransactionKeepsACardLikePtxid(t *testing.T) {
	run(t, func(t *testing.T) {
		const ptxid = "4111111111111111"
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, ptxid, 1000)
		r.say(credit, protocol.Response{ResultCode: "0000", ResultMessage: protocol.MsgApproved, Data: protocol.CardResult{
			ApprovalNo: "12345678", TransactionNo: "000000000001", ApprovalAmt: 1000, IssuerCode: "01",
			MaskedTrackData: "5361481234561234", Ptxid: ptxid,
		}})
		p.expect(credit, "0000", "", ptxid)
		p.send(r.eng, protocol.CodeConfirm, "")
		p.next()
		p.send(r.eng, protocol.CodeLastTransaction, "")
		a := p.expect(protocol.CodeLastTransaction, "0000", "", ptxid)
		data, _ := a.Body["data"].(map[string]any)
		if data["maskedTrackData"] != "536148******1234" {
			t.Fatalf("990001 from the journal shows maskedTrackData %v, want it masked", data["maskedTrackData"])
		}
	})
}

// A terminal that puts a full card number where the masked one belongs
// does not get it to the POS either: the POS is answered with what the
// journal holds (SPEC: full card numbers never leave the device layer).
func TestFinalAnswerNeverCarriesAFullCardNumber(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.say(credit, protocol.Response{ResultCode: "0000", ResultMessage: protocol.MsgApproved, Data: protocol.CardResult{
			ApprovalNo: "12345678", TransactionNo: "000000000001", ApprovalAmt: 1000, IssuerCode: "01",
			MaskedTrackData: "5361481234561234", IssuerName: "card 4111111111111111", Ptxid: "A1",
		}})
		a := p.expect(credit, "0000", "", "A1")
		data, _ := a.Body["data"].(map[string]any)
		if data["maskedTrackData"] != "536148******1234" || data["issuerName"] != "card 411111******1111" {
			t.Fatalf("POS got card numbers unmasked: %v", data)
		}
	})
}
