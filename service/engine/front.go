package engine

import (
	"encoding/json"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// Frame takes one frame from a POS connection. It is called on the
// connection's reader goroutine: bad requests and queries are answered right
// here; everything that touches the terminal goes to the Run loop.
func (e *Engine) Frame(c Client, f protocol.Frame) {
	info, ok := protocol.Lookup(f.Code)
	if !ok {
		e.reply(c, f.Code, result(protocol.ResultUnsupported, (&protocol.UnknownCodeError{Code: f.Code}).Error(), nil))
		return
	}
	req, err := protocol.DecodeRequest(f.Code, f.Body, e.cfg.Model)
	if err != nil {
		e.reply(c, f.Code, result(protocol.ResultInvalid, err.Error(), ptxidOf(f.Body)))
		return
	}
	switch info.Kind {
	case protocol.KindQuery:
		e.query(c, f.Code, req)
		return
	case protocol.KindPrint:
		e.printer.submit(c, req.(*protocol.PrintRequest), e.reply)
		return
	}
	in := posMsg{client: c, code: f.Code, info: info, req: req}
	if info.Kind == protocol.KindTransaction {
		if in.body, err = json.Marshal(req); err != nil {
			e.reply(c, f.Code, result(protocol.ResultInvalid, "body: "+err.Error(), nil))
			return
		}
	}
	select {
	case e.in <- in:
	case <-e.stopped:
		e.reply(c, f.Code, result(protocol.ResultDevice, msgShuttingDown, ptxidOf(f.Body)))
	}
}

// Closed tells the engine a POS connection has ended.
func (e *Engine) Closed(c Client) {
	select {
	case e.in <- posMsg{client: c, gone: true}:
	case <-e.stopped:
	}
}

// posMsg is what a POS connection hands the loop.
type posMsg struct {
	client Client
	code   protocol.Code
	info   protocol.Info
	req    any    // the decoded request
	body   []byte // the request as the terminal gets it (normalised JSON)
	gone   bool   // the client disconnected
}

// posInput turns a POS message into an input, on the loop, so that what
// it looks up in the journal is what the machine decides on.
func (e *Engine) posInput(m posMsg) Input {
	switch {
	case m.gone:
		return inClientGone{m.client}
	case m.info.Kind == protocol.KindTransaction:
		return e.requestInput(m.client, m.code, m.info, m.req, m.body)
	case m.code == protocol.CodeConfirm:
		return inConfirm{m.client}
	case m.code == protocol.CodeAbort:
		return inAbort{m.client, e.printer.busy()}
	}
	return inReadCancel{m.client, m.code, m.info.Family}
}

// reply sends a frame to c, if c is still there. A client that went away
// misses its answer; the journal keeps it for 990001.
func (e *Engine) reply(c Client, code protocol.Code, body []byte) {
	if c == nil {
		return
	}
	if err := c.Send(protocol.Frame{Code: code, Body: body}); err != nil {
		e.log.Info("answer not delivered; the client can recover it with 990001", zap.String("code", string(code)), zap.Error(err))
	}
}

// result encodes an answer body.
func result(code, msg string, data any) []byte {
	b, err := json.Marshal(protocol.Response{ResultCode: code, ResultMessage: msg, Data: data})
	if err != nil {
		// Only our own types are marshalled here; this cannot fail.
		panic(err)
	}
	return b
}

// withPtxid is the data of answers that carry only the ptxid.
func withPtxid(ptxid string) any {
	if ptxid == "" {
		return nil
	}
	return protocol.PtxidData{Ptxid: ptxid}
}

// ptxidOf digs the ptxid out of a body that failed validation, so even a 9002
// names the transaction it refuses when it can.
func ptxidOf(body []byte) any {
	var v struct {
		Ptxid string `json:"ptxid"`
	}
	if json.Unmarshal(body, &v) != nil || v.Ptxid == "" || len(v.Ptxid) > protocol.MaxPtxid {
		return nil
	}
	return protocol.PtxidData{Ptxid: v.Ptxid}
}
