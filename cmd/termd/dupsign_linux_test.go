//go:build linux

package main

import (
	"bytes"
	"testing"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
)

// The serial link has no sequence numbers: a packet whose ACK is lost
// arrives twice, possibly after what the terminal sent next. A "signing"
// phase report arriving again once the card company is deciding must not
// take the payment back: no second 0010, and 555555 still answers 0001.
func TestSerialDuplicateSigningReportAfterAuthorizingIsIgnored(t *testing.T) {
	flags := []string{"--emulator.cardDelay=20ms", "--emulator.signDelay=20ms", "--emulator.authDelay=1500ms", "--emulator.control="}
	d, line, _ := startSerialDaemon(t, flags...)
	p := d.client("tcp")

	// The taps run under the line's lock, one at a time. After the
	// terminal's "authorizing" report has passed whole, its earlier
	// "signing" report is sent again, byte for byte. (The extra ACK termd
	// answers reaches a terminal that waits for none; its link drops it.)
	var w packetWatch
	var signing []byte
	injected := false
	line.setNoise(false, func(c []byte) [][]byte {
		if injected {
			return [][]byte{c}
		}
		for _, pkt := range w.feed(c) {
			switch {
			case bytes.Contains(pkt, []byte(`"phase":"signing"`)):
				signing = pkt
			case bytes.Contains(pkt, []byte(`"phase":"authorizing"`)) && signing != nil:
				injected = true
				return [][]byte{c, signing}
			}
		}
		return [][]byte{c}
	})

	p.send(credit, pay("dup-1", 60000)) // over 50,000 won: a signature
	p.expect(credit, protocol.ResultSignWait)
	// termd read the copy, after the authorizing report (the link keeps
	// their order), and the card company takes 1.5 s.
	d.waitLog(`\"phase\":\"signing\"`, 2)
	if !injected {
		t.Fatal("the duplicate report was never sent")
	}
	p.send(protocol.CodeAbort, "")
	// Exactly one 0010 was sent: the next frames are the abort's 0001 and
	// the approval, nothing in between.
	p.expect(protocol.CodeAbort, protocol.ResultProcessing)
	p.expect(credit, protocol.ResultOK)
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, protocol.ResultOK)
}

// packetWatch cuts a byte stream into whole link packets.
type packetWatch struct{ buf []byte }

// feed adds bytes and returns each packet they complete, STX to LRC.
func (w *packetWatch) feed(b []byte) [][]byte {
	w.buf = append(w.buf, b...)
	var out [][]byte
	for {
		u, n := link.Scan(w.buf)
		if u.Kind == link.Packet {
			out = append(out, bytes.Clone(w.buf[n-len(u.Frame)-3:n]))
		}
		w.buf = w.buf[n:]
		if u.Kind == link.None {
			return out
		}
	}
}
