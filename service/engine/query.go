package engine

import (
	"encoding/json"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// query answers 990001, 050099 and 081008 from the books, at once, whatever
// the terminal is doing.
func (e *Engine) query(c Client, code protocol.Code, req any) {
	switch code {
	case protocol.CodeLastTransaction:
		e.reply(c, code, e.lastTransaction())
	case protocol.CodeSalesSummary:
		r := req.(*protocol.SummaryRequest)
		body, _ := json.Marshal(protocol.Response{
			ResultCode:    protocol.ResultOK,
			ResultMessage: "매출집계 정상 조회",
			Period:        r.From + "~" + r.To,
			Data:          e.store.Summary(r.From, r.To),
		})
		e.reply(c, code, body)
	case protocol.CodeCodeDownload:
		if b := e.codes.Load(); b != nil {
			e.reply(c, code, *b)
			return
		}
		e.reply(c, code, result(protocol.ResultDevice, errNoCodes.Error(), nil))
	}
}

// lastTransaction builds the 990001 answer: the last transaction's final
// answer body plus what became of it since.
func (e *Engine) lastTransaction() []byte {
	rec, ok := e.store.Last()
	if !ok {
		return result(protocol.ResultNoOriginal, protocol.MsgNoLast, nil)
	}
	body := map[string]json.RawMessage{}
	if len(rec.Final) > 0 && json.Unmarshal(rec.Final, &body) == nil {
		// the final answer as sent
	} else {
		body = map[string]json.RawMessage{
			"resultCode":    mustJSON(protocol.ResultProcessing),
			"resultMessage": mustJSON("처리중"),
			"data":          mustJSON(protocol.PtxidData{Ptxid: rec.Ptxid}),
		}
	}
	if r := e.running.Load(); r != nil && r.ptxid == rec.Ptxid {
		body["phase"] = mustJSON(r.phase.String())
	}
	body["transactionCode"] = mustJSON(rec.Code)
	body["status"] = mustJSON(PublicStatus(rec.Status))
	body["confirmed"] = mustJSON(rec.Confirmed())
	b, _ := json.Marshal(body)
	return b
}

// PublicStatus is the status 990001 reports for a record.
func PublicStatus(s store.Status) string {
	switch s {
	case store.StatusRunning, store.StatusUnknown:
		return "unknown"
	}
	return string(s)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain values are marshalled here
	}
	return b
}
