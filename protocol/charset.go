package protocol

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
)

// Charset is the text encoding of frame bodies on one connection. The frame
// length always counts encoded bytes.
type Charset int

const (
	UTF8 Charset = iota
	// EUCKR is what legacy Korean POS programs send. x/text's EUC-KR
	// decoder accepts the CP949 superset, which such programs really emit.
	EUCKR
)

// ParseCharset reads a configuration value: "utf-8" (or "") and "euc-kr".
func ParseCharset(s string) (Charset, error) {
	switch s {
	case "", "utf-8", "utf8", "UTF-8":
		return UTF8, nil
	case "euc-kr", "euckr", "EUC-KR", "cp949", "CP949":
		return EUCKR, nil
	}
	return 0, fmt.Errorf("protocol: unknown charset %q (want utf-8 or euc-kr)", s)
}

func (c Charset) String() string {
	if c == EUCKR {
		return "euc-kr"
	}
	return "utf-8"
}

// Decode turns a body received in charset c into UTF-8.
func (c Charset) Decode(body []byte) ([]byte, error) {
	if c == UTF8 || isASCII(body) {
		return body, nil
	}
	// x/text replaces invalid sequences with U+FFFD instead of failing; no
	// valid EUC-KR/CP949 text decodes to U+FFFD, so its presence is the error.
	out, err := korean.EUCKR.NewDecoder().Bytes(body)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, &FieldError{Field: "body", Reason: "not valid EUC-KR text"}
	}
	return out, nil
}

// Encode turns a UTF-8 body into charset c for sending.
func (c Charset) Encode(body []byte) ([]byte, error) {
	if c == UTF8 || isASCII(body) {
		return body, nil
	}
	out, err := korean.EUCKR.NewEncoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("protocol: body has characters EUC-KR cannot carry: %w", err)
	}
	return out, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
