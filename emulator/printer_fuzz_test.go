package emulator

import (
	"strings"
	"testing"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
	"github.com/termd/termd/protocol"
)

const seedJSON = `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`

func encodeSeed(t testing.TB) []byte {
	req, err := protocol.DecodeRequest(protocol.CodePrint, []byte(seedJSON), "")
	if err != nil {
		t.Fatal(err)
	}
	return escpos.Encoder{}.Append(nil, printer.Layout(req.(*protocol.PrintRequest), 42))
}

// FuzzInterpreter: no byte string makes the printer panic, and no line it
// draws is wider than the paper.
func FuzzInterpreter(f *testing.F) {
	f.Add(encodeSeed(f))
	f.Add([]byte("\x1b@\x1c&\xc7\xd1\x1d!\x77\x1b(A\x04\x00\x30\x33\x03\x0a\x1dv0\x00\x01\x00\x01\x00\xff\x1dk\x04123\x00\x1dk\x49\x03abc"))
	f.Add([]byte("\x10\x04\x01\x10\x14\x01\x00\x01\x1b*\x21\x02\x00abcdef\x1bD\x08\x10\x00\x1c(A\x02\x00ab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewPrinter(42)
		p.in.answer = func(byte) {}
		p.in.feed(data)
		p.in.doCut()
		for _, j := range p.Jobs() {
			for _, l := range j.Lines {
				if l.Width() > 42 {
					t.Fatalf("line %q is %d wide", l.Text(), l.Width())
				}
			}
		}
	})
}

// FuzzEncodeInterpret: for any valid job, what the interpreter reads from
// the encoder's bytes is the layout's rows, with their size and
// alignment, nothing wider than the paper and nothing unknown.
func FuzzEncodeInterpret(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "left test 20px|one|two|three", uint8(42), true)
	f.Add([]byte{4, 25, 5, 35, 6, 7}, "영수증 합계 10,000원|아메리카노 아이스|x2|9,000", uint8(24), false)
	f.Add([]byte{4, 4, 4}, strings.Repeat("가a", 60)+"|\x1b\x1dV\x00|😀", uint8(80), true)
	f.Fuzz(func(t *testing.T, kinds []byte, text string, cols uint8, alert bool) {
		req, ok := fuzzJob(kinds, text, alert)
		columns := 24 + int(cols)%57
		if !ok {
			t.Skip()
		}
		job := printer.Layout(req, columns)
		p := NewPrinter(columns)
		p.Write(escpos.Encoder{}.Append(nil, job))
		var got []PaperLine
		for _, j := range p.Jobs() {
			got = append(got, j.Lines...)
		}
		var gotText []PaperLine
		for _, l := range got {
			if l.Width() > columns {
				t.Fatalf("line %q is %d wide on %d columns", l.Text(), l.Width(), columns)
			}
			if l.Text() != "" {
				gotText = append(gotText, l)
			}
		}
		var want []printer.Row
		for _, r := range job.Rows {
			if r.Text != "" {
				want = append(want, r)
			}
		}
		if len(gotText) != len(want) {
			t.Fatalf("%d text lines read back, %d laid out:\n%+v\n%+v", len(gotText), len(want), gotText, want)
		}
		for i, r := range want {
			l := gotText[i]
			if l.Text() != r.Text || l.Runs[0].W != r.Size || (r.Kind == printer.Text && l.Align != int(r.Align)) {
				t.Fatalf("line %d: read %q size %d align %d, laid out %+v", i, l.Text(), l.Runs[0].W, l.Align, r)
			}
		}
		c := p.Counters()
		if len(c.Unknown) != 0 || c.Cuts == 0 || (c.Beeps > 0) != alert {
			t.Fatalf("counters %+v (alert %v)", c, alert)
		}
	})
}

// fuzzJob builds a job from fuzz input: each kind byte picks a command
// and its font size, the text gives the messages ('|' separated).
func fuzzJob(kinds []byte, text string, alert bool) (*protocol.PrintRequest, bool) {
	names := []string{"logo", "line", "cuttingLine", "br", "left", "right", "text2", "text3"}
	parts := strings.Split(text, "|")
	req := &protocol.PrintRequest{Alert: alert}
	for i, k := range kinds {
		c := protocol.PrintCommand{Command: names[k%8], FontSize: int(k) % 41}
		switch c.Command {
		case "left", "right":
			c.Message = parts
		case "text2":
			c.Message = []string{parts[i%len(parts)], parts[(i+1)%len(parts)]}
		case "text3":
			c.Message = []string{parts[i%len(parts)], parts[(i+1)%len(parts)], parts[(i+2)%len(parts)]}
		}
		req.Commands = append(req.Commands, c)
	}
	_, err := protocol.DecodeRequest(protocol.CodePrint, mustJSON(req), "")
	return req, err == nil
}

// BenchmarkInterpretSeed reads the seed job's bytes back into paper.
func BenchmarkInterpretSeed(b *testing.B) {
	job := encodeSeed(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(job)))
	for b.Loop() {
		p := NewPrinter(42)
		p.Write(job)
	}
}
