package printer

import "errors"

// Errors a printer reports before or after a job. Each has a fixed text
// for the POS (Message); the wrapped error says more in the log.
var (
	ErrNoReply   = errors.New("printer: no reply")
	ErrPaperOut  = errors.New("printer: paper out")
	ErrCoverOpen = errors.New("printer: cover open")
	ErrOffline   = errors.New("printer: offline")
)

// Message is the text a POS is shown with result 9008 for a print error:
// never the error itself, which may name a port or a Go error.
func Message(err error) string {
	switch {
	case errors.Is(err, ErrPaperOut):
		return "용지 없음"
	case errors.Is(err, ErrCoverOpen):
		return "프린터 덮개 열림"
	}
	return "프린터 응답 없음"
}
