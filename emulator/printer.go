package emulator

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/text/width"

	"github.com/termd/termd/protocol"
)

// Printer is the emulated receipt printer: it keeps every job and a text
// picture of it, for the control panel and for tests.
type Printer struct {
	columns int
	mu      sync.Mutex
	jobs    []Job
}

// Job is one printed receipt.
type Job struct {
	At    time.Time
	Alert bool
	Text  string // the receipt as it would look, one line per row
}

// NewPrinter returns an emulated printer on its own, for a real terminal
// with no receipt printer attached (printer.kind: emulator).
func NewPrinter(columns int) *Printer { return newPrinter(columns) }

func newPrinter(columns int) *Printer {
	if columns <= 0 {
		columns = 42
	}
	return &Printer{columns: columns}
}

// Print validates and "prints" a job.
func (p *Printer) Print(req *protocol.PrintRequest) error {
	if err := validPrint(req); err != nil {
		return err
	}
	text := render(req, p.columns)
	p.mu.Lock()
	p.jobs = append(p.jobs, Job{At: time.Now(), Alert: req.Alert, Text: text})
	if len(p.jobs) > keptJobs { // an emulator may run all day: keep the paper roll short
		p.jobs = append(p.jobs[:0], p.jobs[len(p.jobs)-keptJobs:]...)
	}
	p.mu.Unlock()
	return nil
}

func validPrint(req *protocol.PrintRequest) error {
	b := mustJSON(req)
	_, err := protocol.DecodeRequest(protocol.CodePrint, b, "")
	return err
}

// keptJobs is how many receipts the emulated printer remembers.
const keptJobs = 200

// Jobs returns the latest printed receipts (up to 200), oldest first.
func (p *Printer) Jobs() []Job {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Job(nil), p.jobs...)
}

// render draws the receipt as text, Korean characters two columns wide.
func render(req *protocol.PrintRequest, cols int) string {
	var b strings.Builder
	for _, c := range req.Commands {
		switch c.Command {
		case protocol.PrintLogo:
			b.WriteString(center("[LOGO]", cols) + "\n")
		case protocol.PrintLine:
			b.WriteString(strings.Repeat("-", cols) + "\n")
		case protocol.PrintCuttingLine:
			b.WriteString(strings.Repeat("- ", cols/2) + "\n" + "✂ (cut)\n")
		case protocol.PrintBr:
			b.WriteString("\n")
		case protocol.PrintLeft:
			for _, m := range c.Message {
				b.WriteString(fit(m, cols) + "\n")
			}
		case protocol.PrintRight:
			for _, m := range c.Message {
				m = fit(m, cols)
				b.WriteString(strings.Repeat(" ", cols-textWidth(m)) + m + "\n")
			}
		case protocol.PrintText2, protocol.PrintText3:
			b.WriteString(columnsRow(c.Message, cols) + "\n")
		}
	}
	return b.String()
}

func columnsRow(parts []string, cols int) string {
	cell := cols / len(parts)
	var b strings.Builder
	for i, p := range parts {
		p = fit(p, cell)
		pad := cell - textWidth(p)
		switch {
		case i == 0:
			b.WriteString(p + strings.Repeat(" ", pad))
		case i == len(parts)-1:
			b.WriteString(strings.Repeat(" ", pad+cols-cell*len(parts)) + p)
		default:
			b.WriteString(strings.Repeat(" ", pad/2) + p + strings.Repeat(" ", pad-pad/2))
		}
	}
	return b.String()
}

func center(s string, cols int) string {
	pad := max(0, cols-textWidth(s))
	return strings.Repeat(" ", pad/2) + s
}

// fit cuts s to at most cols columns.
func fit(s string, cols int) string {
	w := 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > cols {
			return s[:i]
		}
		w += rw
	}
	return s
}

func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
