package engine

import (
	"encoding/json"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// msgJournalUnreadable answers a query the journal could not be read for:
// what it would have said (no last transaction, no sales) is not known.
const msgJournalUnreadable = "거래 기록을 읽을 수 없어 조회할 수 없습니다"

// query answers 990001, 050099 and 081008 from the books, at once, whatever
// the terminal is doing.
func (e *Engine) query(c Client, code protocol.Code, req any) {
	switch code {
	case protocol.CodeLastTransaction:
		e.reply(c, code, e.lastTransaction())
	case protocol.CodeSalesSummary:
		e.reply(c, code, e.salesSummary(req.(*protocol.SummaryRequest)))
	case protocol.CodeCodeDownload:
		if b := e.codes.Load(); b != nil {
			e.reply(c, code, *b)
			return
		}
		e.reply(c, code, result(protocol.ResultDevice, "단말기 코드 목록을 아직 받지 못했습니다", nil))
	}
}

// salesSummary answers 050099. Totals the journal could not read are not
// zero sales: a shop closing its day on them would book no income.
func (e *Engine) salesSummary(r *protocol.SummaryRequest) []byte {
	sum := e.store.Summary(r.From, r.To)
	if e.store.Health() != nil { // checked after the read, which sets it
		return result(protocol.ResultDevice, msgJournalUnreadable, nil)
	}
	body, _ := json.Marshal(protocol.Response{
		ResultCode:    protocol.ResultOK,
		ResultMessage: "매출집계 정상 조회",
		Period:        r.From + "~" + r.To,
		Data:          sum,
	})
	return body
}

// lastAnswer is a 990001 answer and what it was built from.
type lastAnswer struct {
	version uint64
	phase   Phase
	ptxid   string
	body    []byte
}

// lastTransaction answers 990001: built once per change of the journal or
// of the running phase, and reused by every query in between (POS programs
// poll it). Once the journal cannot be read back, "none yet" may be untrue
// and a POS trusting it could charge the card again, so the answer is 9004.
func (e *Engine) lastTransaction() []byte {
	v, ver := e.view.Load(), e.store.Version()
	if c := e.last.Load(); c != nil && c.version == ver && c.phase == v.phase && c.ptxid == v.ptxid {
		return c.body
	}
	body := e.buildLast(v)
	if e.store.Health() != nil { // checked after the read, which sets it
		return result(protocol.ResultDevice, msgJournalUnreadable, nil)
	}
	e.last.Store(&lastAnswer{ver, v.phase, v.ptxid, body})
	return body
}

// buildLast builds the 990001 answer: the last transaction's final
// answer body, what became of it since, and on top a result code that says
// whether it stands now (SPEC §3.3): 9009 once reversed, 9004 while its
// outcome is not known (running, or being settled).
func (e *Engine) buildLast(v *view) []byte {
	rec, ok := e.store.Last()
	if !ok {
		return result(protocol.ResultNoOriginal, protocol.MsgNoLast, nil)
	}
	body := map[string]json.RawMessage{}
	if len(rec.Final) == 0 || json.Unmarshal(rec.Final, &body) != nil {
		body = map[string]json.RawMessage{"data": mustJSON(protocol.PtxidData{Ptxid: rec.Ptxid})}
	}
	code, msg := standing(rec)
	if v.ptxid == rec.Ptxid { // running: its outcome is not known yet
		body["phase"] = mustJSON(v.phase.String())
	}
	if code != "" {
		body["resultCode"], body["resultMessage"] = mustJSON(code), mustJSON(msg)
	}
	body["transactionCode"] = mustJSON(rec.Code)
	body["status"] = mustJSON(PublicStatus(rec.Status))
	body["confirmed"] = mustJSON(rec.Confirmed())
	b, _ := json.Marshal(body)
	return b
}

// standing is the top-level result of a journaled transaction that no
// longer stands as it was answered, or "" when the stored answer is true.
func standing(rec *store.Record) (code, msg string) {
	switch rec.Status {
	case store.StatusReversed:
		return protocol.ResultReversed, protocol.MsgReversed
	case store.StatusRunning, store.StatusUnknown:
		return protocol.ResultDevice, protocol.MsgResolving
	}
	return "", ""
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
