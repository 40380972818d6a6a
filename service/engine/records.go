package engine

import (
	"encoding/json"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// settle returns the record with its final answer, and for a successful
// cancel the original with its balance reduced, to be journaled together.
func settle(rec, orig *store.Record, code string, body []byte) []*store.Record {
	r := rec.Clone()
	r.ResultCode, r.Final = code, journalBody(body)
	r.Status = statusOf(code)
	if code != protocol.ResultOK {
		return []*store.Record{r}
	}
	fillFromFinal(r, body)
	if !mustLookup(r.Code).Cancel {
		r.Balance = r.ApprovalAmt
		return []*store.Record{r}
	}
	if orig == nil {
		return []*store.Record{r}
	}
	o := orig.Clone()
	o.Balance = max(0, o.Balance-r.ApprovalAmt)
	if o.Balance == 0 {
		o.Status = store.StatusCancelled
	}
	return []*store.Record{r, o}
}

func statusOf(code string) store.Status {
	switch code {
	case protocol.ResultOK:
		return store.StatusApproved
	case protocol.ResultDeclined:
		return store.StatusDeclined
	}
	return store.StatusFailed
}

// fillFromFinal copies the fields the books index from a 0000 answer.
func fillFromFinal(r *store.Record, body []byte) {
	var v struct {
		Data struct {
			ApprovalNo      string `json:"approvalNo"`
			TransactionNo   string `json:"transactionNo"`
			TransactionDate string `json:"transactionDate"`
			ApprovalAmt     int64  `json:"approvalAmt"`
			IssuerCode      string `json:"issuerCode"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return
	}
	d := v.Data
	r.ApprovalNo, r.TransactionNo, r.IssuerCode, r.ApprovalAmt = d.ApprovalNo, d.TransactionNo, d.IssuerCode, d.ApprovalAmt
	if len(d.TransactionDate) >= 8 {
		r.Day = d.TransactionDate[:8]
	}
}

// duplicateData is the data of a 9007 answer: what became of the first
// request with that ptxid (SPEC §3.3): its status now (reversed, unknown…),
// whether it was confirmed, and its stored final code.
func duplicateData(r *store.Record) any {
	return struct {
		Ptxid           string        `json:"ptxid"`
		TransactionCode protocol.Code `json:"transactionCode"`
		Status          string        `json:"status"`
		ResultCode      string        `json:"resultCode,omitempty"`
		Confirmed       bool          `json:"confirmed"`
	}{r.Ptxid, r.Code, PublicStatus(r.Status), r.ResultCode, r.Confirmed()}
}

func mustLookup(c protocol.Code) protocol.Info {
	info, _ := protocol.Lookup(c)
	return info
}

func dataPtxid(data json.RawMessage) string {
	var d struct {
		Ptxid string `json:"ptxid"`
	}
	if len(data) == 0 || json.Unmarshal(data, &d) != nil {
		return ""
	}
	return d.Ptxid
}

func resultCodeOf(body []byte) string {
	var h protocol.ResultHeader
	_ = json.Unmarshal(body, &h)
	return h.ResultCode
}

// ensurePtxid makes sure an answer echoes its ptxid in data.ptxid, whatever
// the terminal sent.
func ensurePtxid(body []byte, ptxid string) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return result(protocol.ResultFailed, "단말기 응답을 읽을 수 없습니다", withPtxid(ptxid))
	}
	if dataPtxid(top["data"]) == ptxid {
		return body
	}
	data := map[string]json.RawMessage{}
	if raw, ok := top["data"]; ok {
		_ = json.Unmarshal(raw, &data)
	}
	data["ptxid"] = mustJSON(ptxid)
	top["data"] = mustJSON(data)
	return mustJSON(top)
}
