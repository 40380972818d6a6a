package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

func lines(text string) []string {
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// TestPrintReceipt: a job printed through the encoder comes back as the
// paper would show it, at the printer's width, Korean characters two
// columns wide, the buzzer counted and the cuts ending receipts.
func TestPrintReceipt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{}, zap.NewNop()).Printer()
		job := &protocol.PrintRequest{Alert: true, Commands: []protocol.PrintCommand{
			{Command: protocol.PrintLogo},
			{Command: protocol.PrintLine},
			{Command: protocol.PrintLeft, FontSize: 24, Message: []string{"영수증", "No. 1"}},
			{Command: protocol.PrintRight, Message: []string{"합계 10,000원"}},
			{Command: protocol.PrintText2, Message: []string{"아메리카노", "4,500"}},
			{Command: protocol.PrintText3, Message: []string{"라떼", "x2", "9,000"}},
			{Command: protocol.PrintBr},
			{Command: protocol.PrintCuttingLine},
		}}
		if err := p.Print(job); err != nil {
			t.Fatalf("Print: %v", err)
		}
		jobs := p.Jobs()
		if len(jobs) != 1 || !jobs[0].Alert || !jobs[0].At.Equal(time.Now()) {
			t.Fatalf("jobs %+v, want one alerting job printed now", jobs)
		}
		const cols = 42
		want := []string{
			strings.Repeat(" ", (cols-6)/2) + "[LOGO]",
			strings.Repeat("-", cols),
			"영  수  증  ", // double width: each character followed by its width again
			"N o .   1 ",
			strings.Repeat(" ", cols-13) + "합계 10,000원",
			"아메리카노" + strings.Repeat(" ", 21-10) + strings.Repeat(" ", 21-5) + "4,500",
			"라떼" + strings.Repeat(" ", 10) + strings.Repeat(" ", 6) + "x2" + strings.Repeat(" ", 6) + strings.Repeat(" ", 9) + "9,000",
			"",
			strings.TrimSpace(strings.Repeat("- ", cols/2)),
		}
		if got := lines(jobs[0].Text); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("receipt:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		c := p.Counters()
		if c.Cuts != 1 || c.Beeps != 3 || c.Receipts != 1 || len(c.Unknown) != 0 {
			t.Errorf("counters %+v: want 1 cut, 3 beeps (ESC B 3 2), nothing unknown", c)
		}
	})
}

// TestPrintRejects: an invalid job is refused with a FieldError and nothing
// is printed.
func TestPrintRejects(t *testing.T) {
	p := New(Config{}, zap.NewNop()).Printer()
	for name, job := range map[string]*protocol.PrintRequest{
		"no commands":       {},
		"unknown command":   {Commands: []protocol.PrintCommand{{Command: "bold", Message: []string{"x"}}}},
		"text2 of three":    {Commands: []protocol.PrintCommand{{Command: protocol.PrintText2, Message: []string{"a", "b", "c"}}}},
		"left with no text": {Commands: []protocol.PrintCommand{{Command: protocol.PrintLine}, {Command: protocol.PrintLeft}}},
		"font too big":      {Commands: []protocol.PrintCommand{{Command: protocol.PrintLeft, FontSize: 500, Message: []string{"x"}}}},
	} {
		err := p.Print(job)
		var fe *protocol.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *protocol.FieldError", name, err)
		}
	}
	if n := len(p.Jobs()); n != 0 || p.Counters().JobBytes != 0 {
		t.Errorf("%d jobs, %d bytes printed from bad requests", n, p.Counters().JobBytes)
	}
}

// TestPrintJobsInOrder: jobs are kept in arrival order, and Jobs hands out
// a copy.
func TestPrintJobsInOrder(t *testing.T) {
	p := NewPrinter(0) // the default width
	if p.in.columns != 42 {
		t.Errorf("default width %d, want 42", p.in.columns)
	}
	for _, m := range []string{"first", "second", "third"} {
		if err := p.Print(&protocol.PrintRequest{Commands: []protocol.PrintCommand{{Command: protocol.PrintLeft, Message: []string{m}}}}); err != nil {
			t.Fatal(err)
		}
	}
	jobs := p.Jobs()
	for i, m := range []string{"first", "second", "third"} {
		if jobs[i].Text != m+"\n" || jobs[i].Alert {
			t.Errorf("job %d = %+v, want %q", i, jobs[i], m)
		}
	}
	jobs[0].Text = "changed"
	if p.Jobs()[0].Text != "first\n" {
		t.Error("Jobs shares its slice with the printer")
	}
}

// TestTerminalPrinterWidth: the terminal's printer takes Config.Columns.
func TestTerminalPrinterWidth(t *testing.T) {
	p := New(Config{Columns: 32}, zap.NewNop()).Printer()
	if err := p.Print(&protocol.PrintRequest{Commands: []protocol.PrintCommand{{Command: protocol.PrintLine}}}); err != nil {
		t.Fatal(err)
	}
	if got := p.Jobs()[0].Text; got != strings.Repeat("-", 32)+"\n" {
		t.Errorf("rule %q, want 32 columns", got)
	}
}

func TestPrinterKeepsOnlyTheLatestJobs(t *testing.T) {
	p := NewPrinter(42)
	for i := range keepJobs + 5 {
		job := &protocol.PrintRequest{Commands: []protocol.PrintCommand{{Command: protocol.PrintLeft, Message: []string{fmt.Sprintf("receipt %d", i)}}}}
		if err := p.Print(job); err != nil {
			t.Fatal(err)
		}
	}
	jobs := p.Jobs()
	if len(jobs) != keepJobs || !strings.Contains(jobs[0].Text, "receipt 5") || !strings.Contains(jobs[len(jobs)-1].Text, fmt.Sprintf("receipt %d", keepJobs+4)) {
		t.Fatalf("%d jobs, first %q", len(jobs), jobs[0].Text)
	}
	if c := p.Counters(); c.Receipts != keepJobs+5 {
		t.Errorf("counted %d receipts", c.Receipts)
	}
}

// TestInterpreterRawBytes: commands written by hand (not by termd's
// encoder) draw what a printer would: sizes from GS ! and ESC !, the
// alignment at the start of a line, wrapping at the paper's edge, a logo,
// tabs; commands it need not draw are skipped silently; unknown ones are
// reported.
func TestInterpreterRawBytes(t *testing.T) {
	p := NewPrinter(10)
	raw := "\x1b@\x1c&\x1ba\x01ab\x1ba\x02c\n\x1ba\x00" + // centred: ESC a mid-line does not count
		"\x1d!\x11AB\x1d!\x00c\n" + // double then normal
		"\x1b!\x30W\x1b!\x00\n" + // ESC ! double width and height
		"0123456789XY\n" + // wraps at 10
		"\x1bE\x01\x1b-\x01\x1bt\x00bold\x1bE\x00\n" + // understood, not drawn
		"\x1cp\x01\x00" + "\tx\n" +
		"\xc7\xd1\xb1\xdb\n" + // 한글
		"\x1b\x7fz\x07\n" + // unknown ESC 0x7f, unknown BEL
		"\x1dVA\x03"
	p.Write([]byte(raw))
	jobs := p.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d receipts", len(jobs))
	}
	want := []string{"   abc", "A B c", "W ", "0123456789", "XY", "bold", "[LOGO]", "        x", "한글", "z"}
	if got := lines(jobs[0].Text); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q\nwant  %q", got, want)
	}
	if l := jobs[0].Lines[2]; l.Runs[0].W != 2 || l.Runs[0].H != 2 {
		t.Errorf("ESC ! 0x30 gave %+v", l.Runs)
	}
	if u := p.Counters().Unknown; len(u) != 2 || !strings.Contains(u[0], "ESC 0x7f") || !strings.Contains(u[1], "0x07") {
		t.Errorf("unknown %q", u)
	}
}

// TestInterpreterSplitInput: the same bytes fed one at a time print the
// same receipt (serial lines deliver in pieces).
func TestInterpreterSplitInput(t *testing.T) {
	job := seedBytes(t)
	whole, split := NewPrinter(42), NewPrinter(42)
	whole.Write(job)
	for i := range job {
		split.Write(job[i : i+1])
	}
	a, b := whole.Jobs(), split.Jobs()
	if len(a) != 2 || len(a) != len(b) || a[0].Text != b[0].Text || a[1].Text != b[1].Text {
		t.Fatalf("whole %+v\nsplit %+v", a, b)
	}
}

// TestStatusAnswers: DLE EOT 1/2/4 are answered at once with the status
// set, with Epson's fixed bits; offline answers nothing; a status query is
// not a job byte.
func TestStatusAnswers(t *testing.T) {
	p := NewPrinter(42)
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, b) }()
	ask := func(n byte) (byte, bool) {
		t.Helper()
		a.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := a.Write([]byte{0x10, 0x04, n}); err != nil {
			t.Fatal(err)
		}
		var r [1]byte
		_, err := a.Read(r[:])
		return r[0], err == nil
	}
	cases := []struct {
		st         PrinterStatus
		s1, s2, s4 byte
	}{
		{PrinterStatus{}, 0x12, 0x12, 0x12},
		{PrinterStatus{PaperOut: true}, 0x1a, 0x32, 0x72},
		{PrinterStatus{CoverOpen: true}, 0x1a, 0x16, 0x12},
		{PrinterStatus{NearEnd: true}, 0x12, 0x12, 0x1e},
	}
	for _, c := range cases {
		p.SetStatus(c.st)
		for n, want := range map[byte]byte{1: c.s1, 2: c.s2, 4: c.s4} {
			if got, ok := ask(n); !ok || got != want {
				t.Errorf("%+v: DLE EOT %d = %#x (%v), want %#x", c.st, n, got, ok, want)
			}
		}
	}
	p.SetStatus(PrinterStatus{Offline: true})
	if got, ok := ask(1); ok {
		t.Errorf("offline printer answered %#x", got)
	}
	if p.Counters().JobBytes != 0 {
		t.Errorf("status queries counted as job bytes: %d", p.Counters().JobBytes)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}

// TestRenderings: the HTML escapes printed text and marks sizes and
// alignment; the SVG places every character.
func TestRenderings(t *testing.T) {
	p := NewPrinter(42)
	p.Print(&protocol.PrintRequest{Commands: []protocol.PrintCommand{
		{Command: "logo"}, {Command: "right", FontSize: 30, Message: []string{"<b>&"}}, {Command: "br"},
	}})
	j := p.Jobs()[0]
	h := j.HTML()
	for _, want := range []string{`class="logo"`, `<div class="pl ar"><span class="w3 h3">&lt;b&gt;&amp;</span>`, `class="cut"`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %s:\n%s", want, h)
		}
	}
	svg := j.SVG(42)
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<text") != 4+1 || !strings.Contains(svg, "&lt;") {
		t.Errorf("SVG: %s", svg)
	}
}

// seedBytes is the seed's 900091 example as termd's encoder sends it.
func seedBytes(t testing.TB) []byte { return encodeSeed(t) }
