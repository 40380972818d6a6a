package device

import (
	"context"
	"net"
	"strings"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/termd/termd/protocol"
)

// TestDebugLogMasksPersonalNumbers: the "terminal ←" and "terminal →"
// debug lines never hold a cash receipt's customer number nor a card
// number a terminal failed to mask, whichever way the frame goes.
func TestDebugLogMasksPersonalNumbers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.DebugLevel)
		p := &pipes{ch: make(chan net.Conn, 1)}
		term := p.plug()
		defer term.Close()
		d := NewDriver(p.open, zap.New(core), Options{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		next(t, d) // up

		go func() {
			term.ReadFrame()
			term.WriteFrame(protocol.Frame{Code: protocol.CodeCashReceipt,
				Body: []byte(`{"resultCode":"0000","data":{"approvalNumber":"01099998888","maskedTrackData":"5361481234561234"}}`)})
		}()
		req := protocol.Frame{Code: protocol.CodeCashReceipt, Body: []byte(`{"priceAmt":1000,"traderType":"1","approvalNumber":"01099998888","ptxid":"r"}`)}
		if err := d.Send(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		next(t, d) // the answer
		seen := 0
		for _, e := range logs.All() {
			body, ok := e.ContextMap()["body"]
			if !ok {
				continue
			}
			seen++
			s, _ := body.(string)
			if s == "" {
				if b, ok := body.([]byte); ok {
					s = string(b)
				}
			}
			for _, secret := range []string{"01099998888", "099998", "5361481234561234"} {
				if strings.Contains(s, secret) {
					t.Errorf("%s logs %s", e.Message, s)
				}
			}
		}
		if seen != 2 {
			t.Fatalf("%d frame lines logged, want 2 (one each way): the test proves nothing", seen)
		}
	})
}
