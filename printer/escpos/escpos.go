package escpos

import (
	"slices"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/korean"

	"github.com/termd/termd/printer"
)

// Command bytes.
const (
	ESC = 0x1b
	GS  = 0x1d
	FS  = 0x1c
	DLE = 0x10
	EOT = 0x04
	LF  = 0x0a
)

// DefaultBuzzer is ESC B 3 2: three beeps of 200 ms, the common buzzer
// command of Korean receipt printers.
var DefaultBuzzer = []byte{ESC, 'B', 3, 2}

// Encoder turns laid-out jobs into bytes. The zero value uses
// DefaultBuzzer.
type Encoder struct {
	// Buzzer is sent when a job alerts (printer.buzzer); nil means
	// DefaultBuzzer.
	Buzzer []byte
}

// state is what the printer has been told since ESC @, so a command is
// only sent when it changes something.
type state struct {
	align printer.Align
	size  int
	text  textEncoder
}

// Append appends the bytes of job to dst and returns the extended slice.
func (e Encoder) Append(dst []byte, job printer.Job) []byte {
	dst = append(dst, ESC, '@', FS, '&')
	if job.Alert {
		dst = append(dst, e.buzzer()...)
	}
	st := state{align: printer.Left, size: 1}
	cut := false
	for _, r := range job.Rows {
		dst, st = st.appendRow(dst, r)
		cut = r.Kind == printer.TearLine
	}
	if !cut {
		dst = append(dst, ESC, 'd', 4)
		dst = AppendCut(dst)
	}
	return dst
}

func (e Encoder) buzzer() []byte {
	if e.Buzzer == nil {
		return DefaultBuzzer
	}
	return e.Buzzer
}

func (st state) appendRow(dst []byte, r printer.Row) ([]byte, state) {
	switch r.Kind {
	case printer.Blank:
		return append(dst, LF), st
	case printer.Logo:
		dst, st = setAlign(dst, st, printer.Center)
		return append(dst, FS, 'p', 1, 0), st
	}
	align, size := r.Align, r.Size
	if r.Kind != printer.Text {
		align, size = printer.Left, 1
	}
	dst, st = setAlign(dst, st, align)
	dst, st = setSize(dst, st, size)
	dst = st.text.append(dst, r.Text)
	dst = append(dst, LF)
	if r.Kind == printer.TearLine {
		dst = AppendCut(dst)
	}
	return dst, st
}

func setAlign(dst []byte, st state, a printer.Align) ([]byte, state) {
	if st.align == a {
		return dst, st
	}
	st.align = a
	return append(dst, ESC, 'a', byte(a)), st
}

func setSize(dst []byte, st state, size int) ([]byte, state) {
	if st.size == size {
		return dst, st
	}
	st.size = size
	return append(dst, GS, '!', SizeByte(size)), st
}

// SizeByte is GS ! n for a magnification of 1 to 3 in both directions:
// the high nibble is the width, the low one the height, each less one.
func SizeByte(size int) byte {
	m := byte(max(1, min(size, 8)) - 1)
	return m<<4 | m
}

// AppendCut appends GS V 66 0: feed to the cutter, then a partial cut.
func AppendCut(dst []byte) []byte { return append(dst, GS, 'V', 66, 0) }

// AppendText appends s in CP949. s must be clean (printer.CleanString):
// a character CP949 lacks is written as '?'.
func AppendText(dst []byte, s string) []byte {
	var e textEncoder
	return e.append(dst, s)
}

// textEncoder writes CP949. It makes its x/text encoder once, at the
// first non-ASCII text, and reuses its buffer, so a job costs a few
// allocations whatever its length.
type textEncoder struct {
	enc *encoding.Encoder
	src []byte
}

func (e *textEncoder) append(dst []byte, s string) []byte {
	if isASCII(s) {
		return append(dst, s...)
	}
	if e.enc == nil {
		e.enc = korean.EUCKR.NewEncoder()
	}
	// CP949 is never longer than UTF-8 for the same text (a Hangul
	// syllable is 3 bytes in UTF-8, 2 in CP949), so len(s) is room enough.
	e.src = append(e.src[:0], s...)
	dst = slices.Grow(dst, len(s))
	e.enc.Reset()
	n, _, err := e.enc.Transform(dst[len(dst):len(dst)+len(s)], e.src, true)
	if err == nil {
		return dst[:len(dst)+n]
	}
	return e.appendEach(dst, s) // unclean text: one character at a time, '?' for the rest
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (e *textEncoder) appendEach(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = e.appendWide(dst, s[i:i+n])
		}
		i += n
	}
	return dst
}

// appendWide encodes one non-ASCII character.
func (e *textEncoder) appendWide(dst []byte, ch string) []byte {
	if e.enc == nil {
		e.enc = korean.EUCKR.NewEncoder()
	}
	var src [utf8.UTFMax]byte
	var out [4]byte
	k := copy(src[:], ch)
	n, _, err := e.enc.Transform(out[:], src[:k], true)
	if err != nil || n != 2 {
		e.enc.Reset()
		return append(dst, '?')
	}
	return append(dst, out[:2]...)
}
