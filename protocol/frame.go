package protocol

import (
	"fmt"
	"strconv"
)

// Frame geometry. A frame is LLLL CCCCCC BODY where LLLL counts the bytes after
// itself: the six code bytes plus the body bytes, as encoded on the wire.
const (
	LenDigits  = 4
	CodeDigits = 6
	HeaderSize = LenDigits + CodeDigits

	MinLength = CodeDigits // a header-only frame
	MaxLength = 9999       // the most four digits can say

	// MaxBody is the largest body a frame can carry.
	MaxBody = MaxLength - CodeDigits
	// MaxFrame is the largest frame on the wire, length digits included.
	MaxFrame = LenDigits + MaxLength
)

// Frame is one message: a code and an optional body (raw bytes as on the wire;
// see Charset for bodies that are not UTF-8).
type Frame struct {
	Code Code
	Body []byte
}

// String shows the frame as it travels. It is meant for tests; logs must use
// a masked rendering (see MaskBody).
func (f Frame) String() string {
	b, err := f.Append(nil)
	if err != nil {
		return fmt.Sprintf("<%s: %v>", f.Code, err)
	}
	return string(b)
}

// Append appends the encoded frame to dst.
func (f Frame) Append(dst []byte) ([]byte, error) {
	return AppendFrame(dst, f.Code, f.Body)
}

// AppendFrame appends the frame for code and body to dst. It fails, leaving
// dst as it was, when code is not six digits or body is longer than MaxBody.
func AppendFrame(dst []byte, code Code, body []byte) ([]byte, error) {
	if !code.Valid() {
		return dst, fmt.Errorf("protocol: encode: code %q is not six digits", string(code))
	}
	if len(body) > MaxBody {
		return dst, fmt.Errorf("protocol: encode %s: %w", code, &TooLongError{Length: CodeDigits + len(body)})
	}
	n := CodeDigits + len(body)
	dst = append(dst, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	dst = append(dst, code...)
	return append(dst, body...), nil
}

// Split looks for one frame at the start of data, as a TCP or serial reader
// needs: frames arrive in pieces and several may share one read.
//
// It returns the frame and the number of bytes it used. n == 0 with a nil
// error means data holds only the start of a frame: read more and call again.
// A *HeaderError means the stream can no longer be framed (the header bytes
// seen so far are not digits, or the length is below six); it is reported as
// soon as the first bad byte is seen, without waiting for the rest.
//
// The body aliases data; copy it before data is reused.
func Split(data []byte) (f Frame, n int, err error) {
	head := min(len(data), HeaderSize)
	for i := range head {
		if c := data[i]; c < '0' || c > '9' {
			return Frame{}, 0, headerErrorAt(data[:head], i)
		}
	}
	if len(data) < LenDigits {
		return Frame{}, 0, nil
	}
	length := int(data[0]-'0')*1000 + int(data[1]-'0')*100 + int(data[2]-'0')*10 + int(data[3]-'0')
	if length < MinLength {
		return Frame{}, 0, &HeaderError{Header: string(data[:head]), Reason: "length " + strconv.Itoa(length) + " is below the minimum 6"}
	}
	total := LenDigits + length
	if len(data) < total {
		return Frame{}, 0, nil
	}
	return Frame{Code: Code(data[LenDigits:HeaderSize]), Body: data[HeaderSize:total]}, total, nil
}

// Parse decodes a message that must hold exactly one frame, as a WebSocket
// text message does.
func Parse(msg []byte) (Frame, error) {
	f, n, err := Split(msg)
	switch {
	case err != nil:
		return Frame{}, err
	case n == 0:
		if len(msg) < HeaderSize {
			return Frame{}, &HeaderError{Header: string(msg), Reason: "message ends inside the 10-byte header"}
		}
		return Frame{}, &HeaderError{Header: string(msg[:HeaderSize]), Reason: fmt.Sprintf("length says %s bytes follow, message has %d", msg[:LenDigits], len(msg)-LenDigits)}
	case n != len(msg):
		return Frame{}, &HeaderError{Header: string(msg[:HeaderSize]), Reason: fmt.Sprintf("length says %s bytes follow, message has %d", msg[:LenDigits], len(msg)-LenDigits)}
	}
	return f, nil
}

func headerErrorAt(head []byte, i int) *HeaderError {
	part := "length"
	if i >= LenDigits {
		part = "code"
	}
	return &HeaderError{
		Header: string(head),
		Reason: fmt.Sprintf("byte %d of the header (%s) is %q, not a digit", i+1, part, head[i]),
	}
}
