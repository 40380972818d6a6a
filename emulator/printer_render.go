package emulator

import (
	"fmt"
	"html"
	"strings"
)

// HTML draws the receipt for a browser: one block per line, aligned, each
// run at its size, the logo as a placeholder and the cut as a dashed edge.
// Every piece of printed text is escaped.
func (j Job) HTML() string {
	var b strings.Builder
	b.WriteString(`<div class="paper">`)
	for _, l := range j.Lines {
		fmt.Fprintf(&b, `<div class="pl %s">`, alignClass[l.Align%3])
		if l.Kind == LineLogo {
			b.WriteString(`<span class="logo">LOGO</span></div>`)
			continue
		}
		if len(l.Runs) == 0 {
			b.WriteString("&nbsp;")
		}
		for _, r := range l.Runs {
			fmt.Fprintf(&b, `<span class="w%d h%d">%s</span>`, r.W, r.H, html.EscapeString(r.Text))
		}
		b.WriteString(`</div>`)
	}
	b.WriteString(`<div class="cut" title="cut"></div></div>`)
	return b.String()
}

var alignClass = [3]string{"al", "ac", "ar"}

// SVG cell size: a one-byte character is cellW wide at normal size.
const cellW, cellH = 10, 22

// SVG draws the receipt as an image: each character placed in its cell,
// so the picture is exact whatever the font, and a dashed cut line.
func (j Job) SVG(columns int) string {
	var body strings.Builder
	y := 8
	for _, l := range j.Lines {
		h := lineHeight(l)
		y += h
		x := svgStart(l, columns)
		if l.Kind == LineLogo {
			fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/><text x="%d" y="%d" font-size="14" text-anchor="middle">LOGO</text>`,
				(columns*cellW-120)/2+8, y-h+4, 120, h-4, columns*cellW/2+8, y-6)
			continue
		}
		for _, r := range l.Runs {
			for _, c := range r.Text {
				w := charCols(c) * r.W * cellW
				if c != ' ' {
					fmt.Fprintf(&body, `<text x="%d" y="%d" font-size="%d" textLength="%d" lengthAdjust="spacingAndGlyphs">%s</text>`,
						x, y-4, 18*r.H, w, html.EscapeString(string(c)))
				}
				x += w
			}
		}
	}
	y += 12
	width := columns*cellW + 16
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace">`+
		`<rect width="100%%" height="100%%" fill="#fffef8"/>%s<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-dasharray="6 4"/></svg>`,
		width, y+2, body.String(), y, width, y)
}

func lineHeight(l PaperLine) int {
	if l.Kind == LineLogo {
		return 3 * cellH
	}
	h := 1
	for _, r := range l.Runs {
		h = max(h, r.H)
	}
	return h * cellH
}

func svgStart(l PaperLine, columns int) int {
	pad := max(0, columns-l.Width())
	switch l.Align {
	case 1:
		pad /= 2
	case 2:
	default:
		pad = 0
	}
	return 8 + pad*cellW
}
