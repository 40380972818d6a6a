package printer

import (
	"strings"

	"github.com/termd/termd/protocol"
)

// Kind says what a Row prints.
type Kind int

const (
	Text     Kind = iota // a row of text
	Blank                // an empty row
	Rule                 // a full-width rule of '-'
	TearLine             // a rule of "- ", then feed and cut
	Logo                 // the printer's stored logo
)

// Align is a row's alignment on the paper.
type Align int

const (
	Left Align = iota
	Center
	Right
)

// Row is one printed row. Text is already cut or wrapped to the width at
// its Size, and holds only characters the printer can print (CP949).
type Row struct {
	Kind  Kind
	Align Align
	Size  int // character magnification, 1 to 3 (width and height)
	Text  string
}

// Job is a print job laid out for a given paper width.
type Job struct {
	Columns int
	Alert   bool
	Rows    []Row
}

// DefaultColumns is the width of an 80 mm roll in normal characters.
const DefaultColumns = 42

// SizeOf maps a job's fontSize in px to a character magnification:
// below 20 normal, 20 to 29 double, 30 and up triple.
func SizeOf(fontSize int) int {
	switch {
	case fontSize >= 30:
		return 3
	case fontSize >= 20:
		return 2
	}
	return 1
}

// Layout lays a validated job out on paper columns wide (DefaultColumns
// when columns is 0 or less). Nothing it returns is wider than columns at
// its size.
func Layout(req *protocol.PrintRequest, columns int) Job {
	if columns <= 0 {
		columns = DefaultColumns
	}
	job := Job{Columns: columns, Alert: req.Alert}
	for _, c := range req.Commands {
		job.Rows = appendCommand(job.Rows, c, columns)
	}
	return job
}

func appendCommand(rows []Row, c protocol.PrintCommand, columns int) []Row {
	size := SizeOf(c.FontSize)
	switch c.Command {
	case protocol.PrintLogo:
		return append(rows, Row{Kind: Logo, Align: Center, Size: 1})
	case protocol.PrintLine:
		return append(rows, Row{Kind: Rule, Size: 1, Text: strings.Repeat("-", columns)})
	case protocol.PrintCuttingLine:
		return append(rows, Row{Kind: TearLine, Size: 1, Text: strings.TrimRight(strings.Repeat("- ", (columns+1)/2), " ")})
	case protocol.PrintBr:
		return append(rows, Row{Kind: Blank, Size: 1})
	case protocol.PrintLeft, protocol.PrintRight:
		align := Left
		if c.Command == protocol.PrintRight {
			align = Right
		}
		for _, m := range c.Message {
			for _, part := range Wrap(m, columns/size) {
				rows = append(rows, Row{Kind: Text, Align: align, Size: size, Text: part})
			}
		}
		return rows
	case protocol.PrintText2, protocol.PrintText3:
		return append(rows, Row{Kind: Text, Size: size, Text: Cells(c.Message, columns/size)})
	}
	return rows // validation refuses unknown commands before a job gets here
}
