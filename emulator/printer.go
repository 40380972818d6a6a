package emulator

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
	"github.com/termd/termd/protocol"
)

// Printer is the emulated receipt printer. It reads the ESC/POS bytes a
// real driver sends (Serve, Write), keeps each receipt as the paper shows
// it, answers real-time status queries with a status the control surface
// sets, and counts cuts and beeps.
type Printer struct {
	mu     sync.Mutex
	in     *interp
	jobs   []Job
	total  int
	status PrinterStatus
	// onReceipt is told of each receipt; ready holds receipts cut during
	// the current feed, told once the lock is released.
	onReceipt func(Job)
	ready     []Job
}

// PrinterStatus is what the emulated printer reports. Offline means it
// does not answer at all, as a printer switched off or hung.
type PrinterStatus struct {
	PaperOut  bool `json:"paperOut"`
	NearEnd   bool `json:"nearEnd"`
	CoverOpen bool `json:"coverOpen"`
	Offline   bool `json:"offline"`
}

// Job is one printed receipt: the paper from one cut to the next.
type Job struct {
	At    time.Time
	Alert bool // the buzzer sounded while it printed
	Lines []PaperLine
	Text  string // the receipt as it would look, one line per row
}

// PrinterCounters count what the printer did since it started.
type PrinterCounters struct {
	Receipts, Cuts, Beeps int
	JobBytes              int      // every byte but real-time status queries
	Unknown               []string // bytes it did not understand, latest last
}

// NewPrinter returns an emulated printer columns wide (42 if 0).
func NewPrinter(columns int) *Printer { return newPrinter(columns) }

func newPrinter(columns int) *Printer {
	if columns <= 0 {
		columns = printer.DefaultColumns
	}
	p := &Printer{in: newInterp(columns)}
	p.in.cut = p.keep
	return p
}

// keepJobs is how many receipts the emulated printer remembers.
const keepJobs = 200

// keep stores a receipt at a cut; p.mu is held.
func (p *Printer) keep(lines []PaperLine, beeped bool) {
	p.total++
	text := strings.TrimRight(paperText(lines, p.in.columns), "\n") + "\n" // the feed to the cutter is not text
	j := Job{At: time.Now(), Alert: beeped, Lines: lines, Text: text}
	p.jobs = append(p.jobs, j)
	if p.onReceipt != nil {
		p.ready = append(p.ready, j)
	}
	if len(p.jobs) > keepJobs { // an emulator may run all day: keep the roll short
		p.jobs = append(p.jobs[:0], p.jobs[len(p.jobs)-keepJobs:]...)
	}
}

// Write interprets ESC/POS bytes; status answers go nowhere.
func (p *Printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.in.answer = nil
	p.in.feed(b)
	p.mu.Unlock()
	p.tell()
	return len(b), nil
}

// tell hands the receipts cut by the last feed to onReceipt, outside the
// lock.
func (p *Printer) tell() {
	p.mu.Lock()
	ready, f := p.ready, p.onReceipt
	p.ready = nil
	p.mu.Unlock()
	for _, j := range ready {
		f(j)
	}
}

var _ io.Writer = (*Printer)(nil)

// Serve reads ESC/POS from rw until it fails or ctx ends, and writes the
// answers to status queries back to rw.
func (p *Printer) Serve(ctx context.Context, rw io.ReadWriter) error {
	stop := context.AfterFunc(ctx, func() {
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
	})
	defer stop()
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			if werr := p.serveBytes(rw, buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

func (p *Printer) serveBytes(w io.Writer, b []byte) error {
	var answers []byte
	p.mu.Lock()
	p.in.answer = func(n byte) {
		if !p.status.Offline {
			answers = append(answers, p.status.byteFor(n))
		}
	}
	p.in.feed(b)
	p.in.answer = nil
	p.mu.Unlock()
	p.tell()
	if len(answers) == 0 {
		return nil
	}
	_, err := w.Write(answers)
	return err
}

// byteFor answers DLE EOT n as Epson's printers do: fixed bits 0x12, and
// paper end or an open cover also make the printer offline.
func (s PrinterStatus) byteFor(n byte) byte {
	b := byte(0x12)
	switch n {
	case 1:
		if s.PaperOut || s.CoverOpen {
			b |= 0x08
		}
	case 2:
		if s.CoverOpen {
			b |= 0x04
		}
		if s.PaperOut {
			b |= 0x20
		}
	case 4:
		if s.PaperOut {
			b |= 0x60
		}
		if s.NearEnd {
			b |= 0x0c
		}
	}
	return b
}

// SetStatus changes what the printer reports from now on.
func (p *Printer) SetStatus(s PrinterStatus) {
	p.mu.Lock()
	p.status = s
	p.mu.Unlock()
}

// Status is what the printer reports now.
func (p *Printer) Status() PrinterStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Counters reports what the printer has done.
func (p *Printer) Counters() PrinterCounters {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PrinterCounters{Receipts: p.total, Cuts: p.in.cuts, Beeps: p.in.beeps, JobBytes: p.in.jobBytes, Unknown: append([]string(nil), p.in.unknown...)}
}

// Jobs returns the latest receipts (up to 200), oldest first.
func (p *Printer) Jobs() []Job {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Job(nil), p.jobs...)
}

// Print validates a job and prints it as termd's driver would: laid out,
// encoded as ESC/POS and read back by this printer. It stands in for the
// driver where there is no byte stream (tests, a panel demo).
func (p *Printer) Print(req *protocol.PrintRequest) error {
	if err := validPrint(req); err != nil {
		return err
	}
	p.mu.Lock()
	cols := p.in.columns
	p.mu.Unlock()
	_, err := p.Write(escpos.Encoder{}.Append(nil, printer.Layout(req, cols)))
	return err
}

func validPrint(req *protocol.PrintRequest) error {
	_, err := protocol.DecodeRequest(protocol.CodePrint, mustJSON(req), "")
	return err
}

// paperText draws lines as text columns wide: alignment by padding, and
// a character W times wide followed by W-1 widths of spaces.
func paperText(lines []PaperLine, columns int) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(lineText(l, columns))
		b.WriteByte('\n')
	}
	return b.String()
}

func lineText(l PaperLine, columns int) string {
	if l.Kind == LineLogo {
		l = PaperLine{Align: l.Align, Runs: []Run{{Text: "[LOGO]", W: 1, H: 1}}}
	}
	var body strings.Builder
	for _, r := range l.Runs {
		for _, c := range r.Text {
			body.WriteRune(c)
			body.WriteString(strings.Repeat(" ", (r.W-1)*charCols(c)))
		}
	}
	s := body.String()
	pad := max(0, columns-l.Width())
	switch l.Align {
	case 1:
		return strings.Repeat(" ", pad/2) + s
	case 2:
		return strings.Repeat(" ", pad) + s
	}
	return s
}
