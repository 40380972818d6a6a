package escpos_test

import (
	"testing"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
)

// BenchmarkEncodeSeed lays out and encodes the seed's 900091 job into a
// reused buffer, as the driver does for every job.
func BenchmarkEncodeSeed(b *testing.B) {
	req := decodeJob(b, seedJob)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = escpos.Encoder{}.Append(buf[:0], printer.Layout(req, 42))
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodeKorean encodes a laid-out receipt of Korean rows only,
// the CP949 path.
func BenchmarkEncodeKorean(b *testing.B) {
	job := printer.Layout(decodeJob(b, `{"commands":[{"command":"left","message":["`+long+`"]},{"command":"text3","message":["아메리카노","x2","9,000원"]}]}`), 42)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = escpos.Encoder{}.Append(buf[:0], job)
	}
	b.SetBytes(int64(len(buf)))
}
