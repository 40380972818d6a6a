package link

import (
	"net"
	"testing"

	"github.com/termd/termd/protocol"
)

// approvalExchange is what crosses the terminal link for one credit
// approval, as the daemon and the emulator exchange it.
var approvalExchange = []struct {
	toTerminal bool
	f          protocol.Frame
}{
	{true, protocol.Frame{Code: "010010", Body: []byte(`{"priceAmt":1000,"taxAmt":91,"tipAmt":0,"taxFreeAmt":0,"installment":0,"ptxid":"x1"}`)}},
	{false, protocol.Frame{Code: "800010", Body: []byte(`{"ptxid":"x1","phase":"reading"}`)}},
	{false, protocol.Frame{Code: "800010", Body: []byte(`{"ptxid":"x1","phase":"authorizing"}`)}},
	{false, protocol.Frame{Code: "010010", Body: []byte(`{"resultCode":"0000","resultMessage":"정상승인","data":{"approvalNo":"74071916","transactionNo":"695449733700","merchantCode":"00012345","installment":0,"approvalAmt":1000,"tipAmt":0,"taxAmt":91,"taxFreeAmt":0,"maskedTrackData":"532092******4075","issuerCode":"08","issuerName":"롯데카드","acquirerCode":"A08","acquirerName":"롯데카드 매입","transactionDate":"20261125162404","ptxid":"x1"}}`)}},
}

func approvalPacket(b *testing.B) []byte {
	frame, err := approvalExchange[3].f.Append(nil)
	if err != nil {
		b.Fatal(err)
	}
	return frame
}

func BenchmarkAppend(b *testing.B) {
	frame := approvalPacket(b)
	buf := make([]byte, 0, MaxPacket)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], frame)
	}
}

func BenchmarkScan(b *testing.B) {
	pkt, _ := Append(nil, approvalPacket(b))
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		if u, _ := Scan(pkt); u.Kind != Packet {
			b.Fatal(u.Kind)
		}
	}
}

// BenchmarkApprovalExchange runs the approval's frames through two Conns
// and reports how much of the wire carries JSON bodies and what that means
// at 115200 baud 8N1 (11,520 bytes/s; a pseudo-terminal has no baud limit,
// so the line time is computed from the bytes).
func BenchmarkApprovalExchange(b *testing.B) {
	c1, c2 := net.Pipe()
	daemon, terminal := NewConn(c1, Options{}), NewConn(c2, Options{})
	defer daemon.Close()
	defer terminal.Close()
	var body, frames int64
	for _, m := range approvalExchange {
		body += int64(len(m.f.Body))
		frames += int64(protocol.HeaderSize + len(m.f.Body))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range approvalExchange {
			from, to := terminal, daemon
			if m.toTerminal {
				from, to = daemon, terminal
			}
			go func() { _ = from.WriteFrame(m.f) }()
			if _, err := to.ReadFrame(); err != nil {
				b.Fatal(err)
			}
		}
	}
	wire := float64(daemon.Stats().BytesOut+terminal.Stats().BytesOut) / float64(b.N)
	const lineRate = 115200.0 / 10 // bytes per second, 8N1
	b.ReportMetric(wire, "wire-B/exchange")
	b.ReportMetric(float64(body)/wire*100, "body-%")
	b.ReportMetric(float64(frames)/wire*100, "frame-%")
	b.ReportMetric(float64(body)/wire*lineRate, "body-B/s@115200")
	b.ReportMetric(wire/lineRate*1000, "line-ms/exchange")
}
