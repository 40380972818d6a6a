//go:build linux

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
)

// The serial tests run termd against termd emulate across a pseudo-terminal
// cable (line_linux_test.go) and pull the cable or damage the line.

func TestSerialUnplugWhileReadingThenReplug(t *testing.T) {
	d, line, _ := startSerialDaemon(t, fast...)
	p := d.client("tcp")
	p.send(credit, pay("up-1", 1009)) // 09: the card never comes
	p.waitPhase("up-1", "READING")

	line.unplug()
	if r := p.expect(credit, protocol.ResultDevice); r.Data["ptxid"] != "up-1" {
		t.Fatalf("final %v", r.Data)
	}
	// Nothing runs any more; what the terminal did is asked when it is back.
	if r := p.call(protocol.CodeLastTransaction, ""); r.Top["status"] != "unknown" || r.Top["phase"] != nil || r.ResultCode != protocol.ResultDevice {
		t.Fatalf("after the unplug the state must be clean: %v", r.Top)
	}
	if r := p.call(credit, pay("up-2", 1000)); r.ResultCode != protocol.ResultDevice {
		t.Fatalf("a payment with the cable out: %s %s", r.ResultCode, r.ResultMessage)
	}

	line.plug()
	d.waitLog("terminal ready", 2)
	d.waitLog("transaction outcome recovered", 1)
	if r := p.call(protocol.CodeLastTransaction, ""); r.Top["status"] != "failed" {
		t.Fatalf("after the terminal told: %v", r.Top)
	}
	p.send(credit, pay("up-3", 1000))
	p.expect(credit, "0000")
	p.call(protocol.CodeConfirm, "")
}

func TestSerialUnplugWhileIdleThenReplug(t *testing.T) {
	d, line, _ := startSerialDaemon(t, fast...)
	p := d.client("ws")
	line.unplug()
	d.waitLog("terminal link down", 1)
	if r := p.call(credit, pay("idle-1", 1000)); r.ResultCode != protocol.ResultDevice {
		t.Fatalf("payment with the cable out: %s", r.ResultCode)
	}
	line.plug()
	d.waitLog("terminal ready", 2)
	p.send(credit, pay("idle-2", 60000))
	p.expect(credit, "0010")
	p.expect(credit, "0000")
	p.call(protocol.CodeConfirm, "")
}

// An approval the card company was deciding when the cable came out is
// not lost: when the terminal is back, termd asks it for the outcome, and
// since the POS was told 9004 and will not confirm, it is reversed.
func TestSerialUnplugWhileAuthorizingIsRecoveredAndReversed(t *testing.T) {
	flags := []string{"--emulator.cardDelay=20ms", "--emulator.authDelay=500ms", "--timeouts.confirm=200ms"}
	d, line, _ := startSerialDaemon(t, flags...)
	p := d.client("tcp")
	p.send(credit, pay("ua-1", 1000))
	p.waitPhase("ua-1", "AUTHORIZING")
	line.unplug()
	p.expect(credit, protocol.ResultDevice)

	line.plug()
	d.waitLog("transaction outcome recovered", 1)
	d.waitLog("unconfirmed approval reversed", 1)
	r := p.call(protocol.CodeLastTransaction, "")
	if r.Top["status"] != "reversed" || r.Data["approvalNo"] == nil {
		t.Fatalf("990001 after recovery: %v", r.Top)
	}
}

// Noise on the line: garbage between packets, a flipped bit (NAK, resend),
// lost ACKs (resend, delivered twice) and frames trickling in one byte at
// a time. The payment still happens exactly once.
func TestSerialLineNoise(t *testing.T) {
	d, line, _ := startSerialDaemon(t, fast...)
	p := d.client("tcp")
	// The taps run under the line's lock, one at a time.
	var requestSent, flipped, droppedToTerminal, droppedToDaemon bool
	var toTerminal []byte // the latest bytes: a read may split the request
	line.setNoise(true, func(c []byte) [][]byte {
		toTerminal = append(toTerminal, c...)
		toTerminal = toTerminal[max(0, len(toTerminal)-64):]
		requestSent = requestSent || bytes.Contains(toTerminal, []byte("noisy-1"))
		if !droppedToTerminal && bytes.Equal(c, []byte{link.ACK}) {
			droppedToTerminal = true // the terminal will resend its packet
			return nil
		}
		out := [][]byte{[]byte("\x00noise\xff")}
		for i := range c { // one byte per write
			out = append(out, c[i:i+1])
		}
		return out
	})
	line.setNoise(false, func(c []byte) [][]byte {
		switch {
		case requestSent && !droppedToDaemon:
			// termd will resend the request: the terminal must not run it
			// twice. The ACK may share a read with packets around it.
			if rest, ok := dropFirstAck(c); ok {
				droppedToDaemon = true
				return [][]byte{rest}
			}
		case !flipped && len(c) > 20 && c[0] == link.STX:
			flipped = true
			c[15] ^= 0x08 // bad LRC: termd answers NAK
		}
		return [][]byte{c}
	})
	p.send(credit, pay("noisy-1", 1000))
	p.expect(credit, "0000")
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, "0000") // nothing else may come first
	if !flipped || !droppedToTerminal || !droppedToDaemon {
		t.Fatalf("the noise was not all applied: flip %v, ack to terminal %v, ack to termd %v", flipped, droppedToTerminal, droppedToDaemon)
	}
	today := time.Now().Format("20060102")
	s := p.call(protocol.CodeSalesSummary, `{"from":"`+today+`","to":"`+today+`"}`)
	if approved := s.Data["approved"].(map[string]any); approved["count"] != 1.0 {
		t.Fatalf("summary %v: one payment expected", s.Data)
	}
	if strings.Contains(d.logText(), "phase report for no running transaction") {
		t.Log("a resent phase report arrived after its transaction ended (harmless)")
	}
}

// dropFirstAck removes the first ACK in c that stands between packets, not
// inside one.
func dropFirstAck(c []byte) ([]byte, bool) {
	for off := 0; off < len(c); {
		u, n := link.Scan(c[off:])
		if u.Kind == link.None || n == 0 {
			return c, false
		}
		if u.Kind == link.Ack {
			at := off + n - 1
			return append(c[:at:at], c[at+1:]...), true
		}
		off += n
	}
	return c, false
}
