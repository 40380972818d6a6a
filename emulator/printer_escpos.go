package emulator

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
)

// The emulated printer reads ESC/POS on its own: it shares no code and no
// constant with printer/escpos, so a wrong byte in the driver's encoder
// shows up as a wrong picture here instead of being agreed with.

// Paper line kinds.
const (
	LineText = iota
	LineLogo
)

// PaperLine is one line as the paper shows it.
type PaperLine struct {
	Kind  int
	Align int // 0 left, 1 centre, 2 right
	Runs  []Run
}

// Run is text printed at one character size.
type Run struct {
	Text string
	W, H int // magnification, 1 to 8
}

// Text is the line's characters, without alignment or size.
func (l PaperLine) Text() string {
	s := ""
	for _, r := range l.Runs {
		s += r.Text
	}
	return s
}

// Width is the columns the line takes on paper: a two-byte character two,
// times its width magnification.
func (l PaperLine) Width() int {
	w := 0
	for _, r := range l.Runs {
		for _, c := range r.Text {
			w += charCols(c) * r.W
		}
	}
	return w
}

func charCols(c rune) int {
	if c < utf8.RuneSelf {
		return 1
	}
	return 2
}

// interp is the ESC/POS interpreter. It is fed bytes in pieces of any
// size; a command cut between pieces waits for the rest.
type interp struct {
	columns int
	answer  func(n byte) // DLE EOT n arrived
	cut     func(lines []PaperLine, beeped bool)

	pending []byte
	mode    modes
	line    PaperLine
	lineW   int
	paper   []PaperLine
	beeped  bool

	beeps, cuts, jobBytes int
	unknown               []string // what was not understood, latest last
}

// modes are the settings ESC @ resets.
type modes struct {
	align   int
	w, h    int
	twoByte bool
}

func newInterp(columns int) *interp {
	in := &interp{columns: columns}
	in.reset()
	return in
}

func (in *interp) reset() {
	in.mode = modes{w: 1, h: 1}
	in.line = PaperLine{}
	in.lineW = 0
}

// feed interprets p, keeping an incomplete command for the next call.
func (in *interp) feed(p []byte) {
	in.pending = append(in.pending, p...)
	b := in.pending
	for len(b) > 0 {
		n := in.step(b)
		if n == 0 {
			break // incomplete: wait for more bytes
		}
		b = b[n:]
	}
	in.pending = append(in.pending[:0], b...)
}

// maxPending bounds a command that never completes (a length field
// claiming megabytes): past it the bytes are dropped and reported.
const maxPending = 64 << 10

// step interprets the command or character at b[0] and returns the bytes
// it took, or 0 when b holds only part of it.
func (in *interp) step(b []byte) int {
	var n int
	switch c := b[0]; {
	case c == 0x10:
		n = in.realtime(b)
	case c == 0x1b:
		n = in.esc(b)
	case c == 0x1d:
		n = in.gs(b)
	case c == 0x1c:
		n = in.fs(b)
	default:
		n = in.char(b)
	}
	if n == 0 && len(b) > maxPending {
		in.report("unterminated command 0x%02x", b[0])
		n = len(b)
	}
	if n > 0 && b[0] != 0x10 {
		in.jobBytes += n
	}
	return n
}

// realtime handles DLE commands, answered at once even mid-job.
func (in *interp) realtime(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	switch b[1] {
	case 0x04: // DLE EOT n: status
		if b[2] >= 1 && b[2] <= 4 && in.answer != nil {
			in.answer(b[2])
		}
		return 3
	case 0x05: // DLE ENQ n: recover from an error
		return 3
	case 0x14: // DLE DC4 fn m t: pulse or power off
		return need(b, 5)
	}
	in.jobBytes++ // DLE alone is a job byte, not a status query
	in.report("unknown byte 0x10")
	return 1
}

// char prints one character, or handles a one-byte control.
func (in *interp) char(b []byte) int {
	switch c := b[0]; {
	case c == 0x0a: // LF
		in.newline()
		return 1
	case c == 0x0d, c == 0x00, c == 0x18: // CR (no auto LF), NUL, CAN
		return 1
	case c == 0x09: // HT: next stop every 8 columns
		in.put(" ")
		for in.lineW%8 != 0 && in.lineW < in.columns {
			in.put(" ")
		}
		return 1
	case c < 0x20 || c == 0x7f:
		in.report("unknown control byte 0x%02x", c)
		return 1
	case c < 0x80:
		in.put(string(rune(c)))
		return 1
	case !in.mode.twoByte || c == 0x80 || c == 0xff:
		in.put("?") // a code-page character: not drawn here
		return 1
	}
	if len(b) < 2 {
		return 0
	}
	s, err := korean.EUCKR.NewDecoder().Bytes(b[:2])
	r, _ := utf8.DecodeRune(s)
	if err != nil || r == utf8.RuneError || charCols(r) != 2 {
		in.report("bad two-byte character 0x%02x%02x", b[0], b[1])
		in.put("?")
		return 2
	}
	in.put(string(s))
	return 2
}

// put adds a character to the line; one that would run past the paper's
// edge starts a new line first, as a real printer does.
func (in *interp) put(ch string) {
	r, _ := utf8.DecodeRuneInString(ch)
	w := charCols(r) * in.mode.w
	if in.lineW > 0 && in.lineW+w > in.columns {
		in.newline()
	}
	if len(in.line.Runs) == 0 {
		in.line.Align = in.mode.align // alignment counts at the start of a line
	}
	runs := in.line.Runs
	if k := len(runs) - 1; k >= 0 && runs[k].W == in.mode.w && runs[k].H == in.mode.h {
		runs[k].Text += ch
	} else {
		in.line.Runs = append(runs, Run{Text: ch, W: in.mode.w, H: in.mode.h})
	}
	in.lineW += w
}

// newline prints the line (an empty one feeds one line).
func (in *interp) newline() {
	if len(in.line.Runs) == 0 {
		in.line.Align = in.mode.align
	}
	in.paper = append(in.paper, in.line)
	in.line, in.lineW = PaperLine{}, 0
}

// flush prints a line that has characters (ESC d, a cut, a logo).
func (in *interp) flush() {
	if len(in.line.Runs) > 0 {
		in.newline()
	}
}

func (in *interp) doCut() {
	in.flush()
	in.cuts++
	if in.cut != nil {
		in.cut(in.paper, in.beeped)
	}
	in.paper, in.beeped = nil, false
}

func (in *interp) report(format string, args ...any) {
	const keep = 50
	if len(in.unknown) >= keep {
		in.unknown = in.unknown[1:]
	}
	in.unknown = append(in.unknown, fmt.Sprintf(format, args...))
}

// need returns n if b holds n bytes, else 0 (wait for more).
func need(b []byte, n int) int {
	if len(b) < n {
		return 0
	}
	return n
}

// lengthPrefixed is a command of head bytes, then pL pH, then pL+256*pH
// bytes (ESC (, GS (, FS ().
func lengthPrefixed(b []byte, head int) int {
	if len(b) < head+2 {
		return 0
	}
	return need(b, head+2+int(b[head])+256*int(b[head+1]))
}
