package emulator

import (
	"errors"
	"fmt"
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

// TestPrintReceipt: a valid job is kept with its alert flag and time, and
// its picture follows the commands in order at the printer's width, Korean
// characters two columns wide.
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
		got := lines(jobs[0].Text)
		const cols = 42
		want := []struct {
			line  string
			width int // -1: no exact width
		}{
			{strings.Repeat(" ", (cols-6)/2) + "[LOGO]", -1},
			{strings.Repeat("-", cols), cols},
			{"영수증", 6},
			{"No. 1", 5},
			{strings.Repeat(" ", cols-13) + "합계 10,000원", cols},
			{"아메리카노" + strings.Repeat(" ", 21-10) + strings.Repeat(" ", 21-5) + "4,500", cols},
			// three cells of 14: left, centred, right
			{"라떼" + strings.Repeat(" ", 10) + strings.Repeat(" ", 6) + "x2" + strings.Repeat(" ", 6) + strings.Repeat(" ", 9) + "9,000", cols},
			{"", 0},
			{strings.Repeat("- ", cols/2), cols},
		}
		if len(got) < len(want) {
			t.Fatalf("receipt has %d lines, want at least %d:\n%s", len(got), len(want), jobs[0].Text)
		}
		for i, w := range want {
			if got[i] != w.line {
				t.Errorf("line %d = %q, want %q", i, got[i], w.line)
			}
			if w.width >= 0 && textWidth(got[i]) != w.width {
				t.Errorf("line %d %q is %d columns wide, want %d", i, got[i], textWidth(got[i]), w.width)
			}
		}
		if !strings.Contains(got[len(got)-1], "cut") {
			t.Errorf("the cutting line is not followed by a cut: %q", got[len(got)-1])
		}
	})
}

// TestPrintNeverSpills: however long the text, no row is wider than the
// printer, and a wide character that would straddle the edge is dropped
// whole.
func TestPrintNeverSpills(t *testing.T) {
	for _, cols := range []int{42, 32, 33} {
		p := NewPrinter(cols)
		long := "a" + strings.Repeat("가", 40)
		err := p.Print(&protocol.PrintRequest{Commands: []protocol.PrintCommand{
			{Command: protocol.PrintLine},
			{Command: protocol.PrintLeft, Message: []string{long, strings.Repeat("x", 100)}},
			{Command: protocol.PrintRight, Message: []string{long}},
			{Command: protocol.PrintText2, Message: []string{long, long}},
			{Command: protocol.PrintText3, Message: []string{long, long, long}},
			{Command: protocol.PrintCuttingLine},
		}})
		if err != nil {
			t.Fatal(err)
		}
		got := lines(p.Jobs()[0].Text)
		for i, l := range got {
			if w := textWidth(l); w > cols {
				t.Errorf("cols %d: line %d is %d columns: %q", cols, i, w, l)
			}
		}
		if got[0] != strings.Repeat("-", cols) {
			t.Errorf("cols %d: rule %q", cols, got[0])
		}
		// "a" + Korean: one column is left over where a Korean character
		// does not fit.
		wantCut := "a" + strings.Repeat("가", (cols-1)/2)
		if got[1] != wantCut {
			t.Errorf("cols %d: left line %q, want %q", cols, got[1], wantCut)
		}
		if got[3] != strings.Repeat(" ", cols-textWidth(wantCut))+wantCut {
			t.Errorf("cols %d: right line %q not flush right", cols, got[3])
		}
		for _, i := range []int{4, 5} {
			if textWidth(got[i]) != cols {
				t.Errorf("cols %d: column row %q is %d wide, want exactly %d", cols, got[i], textWidth(got[i]), cols)
			}
		}
	}
}

// TestPrintWidth: the column counting behind the layout.
func TestPrintWidth(t *testing.T) {
	for s, w := range map[string]int{"": 0, "abc": 3, "가나다": 6, "합계 10,000원": 13, "ＡＢ": 4, "ｱｲ": 2} {
		if got := textWidth(s); got != w {
			t.Errorf("textWidth(%q) = %d, want %d", s, got, w)
		}
	}
	for _, c := range []struct {
		s    string
		cols int
		want string
	}{{"가나다", 5, "가나"}, {"가나다", 6, "가나다"}, {"ab가", 3, "ab"}, {"abc", 0, ""}} {
		if got := fit(c.s, c.cols); got != c.want {
			t.Errorf("fit(%q, %d) = %q, want %q", c.s, c.cols, got, c.want)
		}
	}
}

// TestPrintRejects: a bad job is refused with the field named, and nothing
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
	if n := len(p.Jobs()); n != 0 {
		t.Errorf("%d jobs printed from bad requests", n)
	}
}

// TestPrintJobsInOrder: jobs are kept in arrival order, and Jobs hands out
// a copy.
func TestPrintJobsInOrder(t *testing.T) {
	p := NewPrinter(0) // the default width
	if p.columns != 42 {
		t.Errorf("default width %d, want 42", p.columns)
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
	for i := range keptJobs + 5 {
		job := &protocol.PrintRequest{Commands: []protocol.PrintCommand{{Command: protocol.PrintLeft, Message: []string{fmt.Sprintf("receipt %d", i)}}}}
		if err := p.Print(job); err != nil {
			t.Fatal(err)
		}
	}
	jobs := p.Jobs()
	if len(jobs) != keptJobs || !strings.Contains(jobs[0].Text, "receipt 5") || !strings.Contains(jobs[len(jobs)-1].Text, fmt.Sprintf("receipt %d", keptJobs+4)) {
		t.Fatalf("%d jobs, first %q", len(jobs), jobs[0].Text)
	}
}
