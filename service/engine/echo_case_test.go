package engine

import (
	"encoding/json"
	"testing"

	"github.com/termd/termd/protocol"
)

// A POS reads data.ptxid with exact keys (JavaScript's resp.data.ptxid).
// The terminal's answer is decoded case-blind, so one whose ptxid sits
// under "Data" reads as echoing it; it must still reach the POS with a
// "data" object naming the transaction, as before the answer was passed
// on byte for byte.
func TestFinalAnswerUnderAnotherCaseOfDataStillNamesItsPtxid(t *testing.T) {
	run(t, func(t *testing.T) {
		r := newRig(t, Config{})
		p := r.pos()
		start(t, r, p, "A1", 1000)
		r.say(credit, json.RawMessage(`{"resultCode":"0000","resultMessage":"정상승인","Data":{"approvalNo":"12345678","approvalAmt":1000,"ptxid":"A1"}}`))
		a := p.next()
		if a.Code != credit || a.ResultCode != protocol.ResultOK {
			t.Fatalf("POS got %s %s, want %s 0000", a.Code, a.ResultCode, credit)
		}
		data, _ := a.Body["data"].(map[string]any)
		if data["ptxid"] != "A1" {
			t.Fatalf("POS answer has no data.ptxid A1: %v", a.Body)
		}
		rec, _ := r.store.Get("A1")
		var journaled map[string]any
		_ = json.Unmarshal(rec.Final, &journaled)
		if d, _ := journaled["data"].(map[string]any); d["ptxid"] != "A1" {
			t.Fatalf("journaled answer has no data.ptxid A1: %s", rec.Final)
		}
	})
}
