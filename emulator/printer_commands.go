package emulator

import "bytes"

// escArgs is how many bytes follow ESC x for the commands that only set
// something this picture does not draw (bold, underline, line spacing,
// code page...). They are understood, so never reported.
var escArgs = map[byte]int{
	' ': 1, '!': 1, '%': 1, '-': 1, '2': 0, '3': 1, '=': 1, '?': 1, 'E': 1, 'G': 1,
	'J': 1, 'L': 0, 'M': 1, 'R': 1, 'S': 0, 'T': 1, 'U': 1, 'V': 1, 'c': 2, 'e': 1,
	'r': 1, 't': 1, '{': 1, '$': 2, '\\': 2, 'i': 0, 'm': 0,
}

// esc handles ESC commands.
func (in *interp) esc(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '@': // initialise: modes back to their defaults, the line dropped
		in.reset()
		return 2
	case 'a': // alignment
		if len(b) < 3 {
			return 0
		}
		in.mode.align = int(b[2]%48) % 3
		return 3
	case '!': // print mode: bit 4 double height, bit 5 double width
		if len(b) < 3 {
			return 0
		}
		in.mode.w, in.mode.h = 1+int(b[2]>>5&1), 1+int(b[2]>>4&1)
		return 3
	case 'd': // print and feed n lines
		if len(b) < 3 {
			return 0
		}
		in.flush()
		for range b[2] {
			in.newline()
		}
		return 3
	case 'B': // buzzer: n beeps
		if len(b) < 4 {
			return 0
		}
		in.beeps += int(b[2])
		in.beeped = true
		return 4
	case 'p': // drawer kick m t1 t2
		return need(b, 5)
	case '*': // bit image m nL nH, then data
		return in.bitImage(b)
	case '(': // ESC ( A: buzzer on some models, length-prefixed
		n := lengthPrefixed(b, 3)
		if n > 0 && b[2] == 'A' {
			in.beeps++
			in.beeped = true
		}
		return n
	case 'D': // tab stops, ended by NUL
		if i := bytes.IndexByte(b[2:], 0); i >= 0 {
			return i + 3
		}
		return 0
	}
	if n, ok := escArgs[b[1]]; ok {
		return need(b, 2+n)
	}
	in.report("unknown command ESC 0x%02x", b[1])
	return 2
}

func (in *interp) bitImage(b []byte) int {
	if len(b) < 5 {
		return 0
	}
	dots := int(b[3]) + 256*int(b[4])
	if b[2] >= 32 {
		dots *= 3
	}
	return need(b, 5+dots)
}

// gsArgs: GS commands with fixed arguments that draw nothing here.
var gsArgs = map[byte]int{
	'B': 1, 'H': 1, 'L': 2, 'W': 2, 'P': 2, 'a': 1, 'b': 1, 'f': 1, 'h': 1, 'w': 1, 'r': 1, 'I': 1, '$': 2, '\\': 2,
}

// gs handles GS commands.
func (in *interp) gs(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '!': // character size: high nibble width, low nibble height
		if len(b) < 3 {
			return 0
		}
		in.mode.w, in.mode.h = 1+int(b[2]>>4&7), 1+int(b[2]&7)
		return 3
	case 'V': // cut: m, and a feed amount n for m 65, 66, 97, 98, 103, 104
		if len(b) < 3 {
			return 0
		}
		n := 3
		if b[2] >= 65 {
			n = 4
		}
		if len(b) < n {
			return 0
		}
		in.doCut()
		return n
	case '(':
		return lengthPrefixed(b, 3)
	case 'v': // GS v 0 m xL xH yL yH: raster image
		if len(b) < 8 {
			return 0
		}
		return need(b, 8+(int(b[4])+256*int(b[5]))*(int(b[6])+256*int(b[7])))
	case 'k': // barcode
		return in.barcode(b)
	}
	if n, ok := gsArgs[b[1]]; ok {
		return need(b, 2+n)
	}
	in.report("unknown command GS 0x%02x", b[1])
	return 2
}

func (in *interp) barcode(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	if b[2] <= 6 { // data ended by NUL
		if i := bytes.IndexByte(b[3:], 0); i >= 0 {
			return i + 4
		}
		return 0
	}
	if len(b) < 4 {
		return 0
	}
	return need(b, 4+int(b[3]))
}

// fsArgs: FS commands with fixed arguments that draw nothing here.
var fsArgs = map[byte]int{'!': 1, '-': 1, 'W': 1, 'C': 1, 'S': 2, 'r': 1}

// fs handles FS commands (two-byte characters, NV logo).
func (in *interp) fs(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '&': // two-byte (Korean) characters on
		in.mode.twoByte = true
		return 2
	case '.': // off
		in.mode.twoByte = false
		return 2
	case 'p': // print NV logo n with mode m
		if len(b) < 4 {
			return 0
		}
		in.flush()
		in.paper = append(in.paper, PaperLine{Kind: LineLogo, Align: in.mode.align})
		return 4
	case '(':
		return lengthPrefixed(b, 3)
	}
	if n, ok := fsArgs[b[1]]; ok {
		return need(b, 2+n)
	}
	in.report("unknown command FS 0x%02x", b[1])
	return 2
}
