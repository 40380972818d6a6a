package protocol

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them.
var (
	// ErrFraming: the byte stream can no longer be cut into frames.
	ErrFraming = errors.New("framing lost")
	// ErrInvalid: the frame is intact but its body is not acceptable.
	ErrInvalid = errors.New("invalid request")
	// ErrUnknownCode: the frame is intact but its code is not one termd serves.
	ErrUnknownCode = errors.New("unsupported message code")
)

// HeaderError reports a header that is not 4+6 digits or a length below six.
// After it a stream reader cannot find the next frame.
type HeaderError struct {
	Header string // the header bytes seen, at most ten
	Reason string
}

func (e *HeaderError) Error() string {
	return "bad frame header " + fmt.Sprintf("%q", e.Header) + ": " + e.Reason
}
func (e *HeaderError) Unwrap() error { return ErrFraming }

// TooLongError reports a frame whose length would not fit in four digits.
type TooLongError struct{ Length int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("frame length %d exceeds %d", e.Length, MaxLength)
}

// FieldError names the body field that is wrong and says why. Its message is
// written for the POS developer: the daemon sends it as the 9002 message.
type FieldError struct {
	Field  string // JSON name, e.g. "priceAmt"; "body" for the body as a whole
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// UnknownCodeError reports a well-formed frame with a code termd does not serve.
type UnknownCodeError struct{ Code Code }

func (e *UnknownCodeError) Error() string {
	return "message code " + string(e.Code) + " is not supported"
}
func (e *UnknownCodeError) Unwrap() error { return ErrUnknownCode }
