package posclient

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/termd/termd/protocol"
)

// Exchange sends one request and reads until its final answer: for a
// transaction that is the first answer that is not 0010 (signature wait),
// for anything else the first answer with the request's code. Every frame
// received is passed to seen (nil to ignore) as it arrives.
func (c *Conn) Exchange(req protocol.Frame, timeout time.Duration, seen func(protocol.Frame)) (protocol.Frame, error) {
	if err := c.Send(req); err != nil {
		return protocol.Frame{}, fmt.Errorf("posclient: send %s: %w", req.Code, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		f, err := c.Receive(deadline)
		if err != nil {
			return protocol.Frame{}, fmt.Errorf("posclient: waiting for the answer to %s: %w", req.Code, err)
		}
		if seen != nil {
			seen(f)
		}
		if f.Code != req.Code && f.Code != protocol.CodeFrameError {
			continue
		}
		if ResultCode(f) == protocol.ResultSignWait {
			continue
		}
		return f, nil
	}
}

// ResultCode reads an answer's resultCode ("" if it has none).
func ResultCode(f protocol.Frame) string {
	var h protocol.ResultHeader
	_ = json.Unmarshal(f.Body, &h)
	return h.ResultCode
}
