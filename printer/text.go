package printer

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
)

// The printer is in two-byte mode (FS &): every character CP949 encodes
// in two bytes prints two columns wide, whatever its Unicode width, and
// every one-byte character prints one. So widths come from CP949, not
// from Unicode's East Asian width.

// Width is the number of columns s takes at normal size, once cleaned.
func Width(s string) int {
	w := 0
	for _, r := range s {
		w += RuneWidth(Clean(r))
	}
	return w
}

// RuneWidth is the columns r takes at normal size: 2 for a character
// CP949 encodes in two bytes, else 1. r must already be Clean.
func RuneWidth(r rune) int {
	if r < utf8.RuneSelf {
		return 1
	}
	return 2
}

// Clean maps r to what the printer can print: a control character would
// be read as a printer command (a POS could cut the paper or open the
// drawer through a message), so it becomes a space; a character CP949
// cannot encode becomes '?'.
func Clean(r rune) rune {
	switch {
	case r < 0x20 || r == 0x7f:
		return ' '
	case r < utf8.RuneSelf:
		return r
	case !inCP949(r):
		return '?'
	}
	return r
}

// inCP949 reports whether CP949 encodes r (in two bytes: the one-byte
// range is ASCII).
func inCP949(r rune) bool {
	switch {
	case r >= 0xac00 && r <= 0xd7a3: // every modern Hangul syllable (the common case)
		return true
	case r >= 0x80 && r <= 0x9f || r == utf8.RuneError:
		return false
	}
	var src [utf8.UTFMax]byte
	var dst [8]byte
	n := utf8.EncodeRune(src[:], r)
	enc := korean.EUCKR.NewEncoder()
	m, _, err := enc.Transform(dst[:], src[:n], true)
	return err == nil && m == 2
}

// CleanString applies Clean to every character of s.
func CleanString(s string) string {
	clean := true
	for _, r := range s {
		if Clean(r) != r {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(Clean, s)
}

// Cut returns the longest prefix of s (cleaned) at most cols wide, and the
// rest. It never splits a character, so never a CP949 pair.
func Cut(s string, cols int) (head, rest string) { return cut(CleanString(s), cols) }

func cut(s string, cols int) (head, rest string) {
	w := 0
	for i, r := range s {
		rw := RuneWidth(r)
		if w+rw > cols {
			return s[:i], s[i:]
		}
		w += rw
	}
	return s, ""
}

// Wrap breaks s (cleaned) into rows at most cols wide, at character
// boundaries. An empty s is one empty row. A row narrower than one
// character (cols < 2) still takes one, so wrapping always ends.
func Wrap(s string, cols int) []string {
	head, rest := cut(CleanString(s), cols)
	rows := []string{head}
	for rest != "" {
		head, rest = cut(rest, cols)
		if head == "" {
			_, n := utf8.DecodeRuneInString(rest)
			head, rest = rest[:n], rest[n:]
		}
		rows = append(rows, head)
	}
	return rows
}

// Cells lays two or three columns out on one row cols wide: the first
// left, the last right, a middle one centred, each cut to its cell.
func Cells(parts []string, cols int) string {
	n := len(parts)
	if n == 0 {
		return ""
	}
	cell := cols / n
	var b strings.Builder
	for i, p := range parts {
		w := cell
		if i == n-1 {
			w = cols - cell*(n-1) // the last cell takes the odd columns
		}
		p, _ = Cut(p, w)
		pad := w - Width(p)
		switch {
		case i == 0:
			b.WriteString(p)
			b.WriteString(strings.Repeat(" ", pad))
		case i == n-1:
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(p)
		default:
			b.WriteString(strings.Repeat(" ", pad/2))
			b.WriteString(p)
			b.WriteString(strings.Repeat(" ", pad-pad/2))
		}
	}
	return b.String()
}
