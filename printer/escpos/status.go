package escpos

// Real-time status (DLE EOT n), as Epson defines it and Korean printers
// copy it: the printer answers one byte at once, even mid-job, even when
// it cannot print.
const (
	StatusPrinter = 1 // DLE EOT 1: printer status
	StatusOffline = 2 // DLE EOT 2: why it is offline
	StatusPaper   = 4 // DLE EOT 4: roll paper sensor
)

// Status bits of the answers.
const (
	BitOffline   = 0x08 // DLE EOT 1
	BitCoverOpen = 0x04 // DLE EOT 2
	BitNearEnd   = 0x0c // DLE EOT 4: paper near its end
	BitPaperEnd  = 0x60 // DLE EOT 4: no paper
)

// AppendStatusQuery appends DLE EOT n.
func AppendStatusQuery(dst []byte, n byte) []byte { return append(dst, DLE, EOT, n) }

// IsStatus reports whether b can be a status answer: bit 0 and bit 7 are
// always 0, bits 1 and 4 always 1. Anything else on the line (noise, an
// automatic status of another shape) is not an answer.
func IsStatus(b byte) bool { return b&0x93 == 0x12 }
