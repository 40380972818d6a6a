package engine

import (
	"encoding/json"
	"errors"

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
	in := input{client: c, code: f.Code, info: info, req: req}
	if info.Kind == protocol.KindTransaction {
		if in.body, err = json.Marshal(req); err != nil {
			e.reply(c, f.Code, result(protocol.ResultInvalid, "body: "+err.Error(), nil))
			return
		}
	}
	select {
	case e.in <- in:
	case <-e.stopped:
		e.reply(c, f.Code, result(protocol.ResultDevice, "termd is shutting down", nil))
	}
}

// Closed tells the engine a POS connection has ended.
func (e *Engine) Closed(c Client) {
	select {
	case e.in <- input{client: c, gone: true}:
	case <-e.stopped:
	}
}

// handle runs on the loop.
func (e *Engine) handle(in input) {
	switch {
	case in.gone:
		e.clientGone(in.client)
	case in.info.Kind == protocol.KindTransaction:
		e.startTxn(in)
	case in.code == protocol.CodeConfirm:
		e.confirm(in.client)
	case in.code == protocol.CodeAbort:
		e.abort(in.client)
	case in.info.Family != protocol.FamilyNone: // a read-cancel
		e.readCancel(in.client, in.code, in.info.Family)
	}
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

var errNoCodes = errors.New("no code list from the terminal yet")
