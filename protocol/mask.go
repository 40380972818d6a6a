package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
)

// MaskCard hides digits 7 to 12 of a card number, the way receipts and PG
// APIs show it: 5361481234561234 → 536148******1234. Non-digit separators
// are dropped first. Numbers too short to have a 7th digit are masked whole
// except their first six, so nothing that might be a card number passes
// through unmasked.
func MaskCard(pan string) string {
	digits := make([]byte, 0, len(pan))
	for i := range len(pan) {
		if c := pan[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	for i := 6; i < len(digits) && i < 12; i++ {
		digits[i] = '*'
	}
	if len(digits) <= 12 {
		for i := 6; i < len(digits); i++ {
			digits[i] = '*'
		}
	}
	return string(digits)
}

// MaskBody returns body with personal numbers hidden, for logs and the
// journal. It is the daemon's own rule at its edge, so nothing depends on a
// terminal having masked what it sent:
//
//   - the value of "approvalNumber" (a cash receipt's phone, card or
//     business number): every digit but the last four becomes '*';
//   - in any other string value, a run of 13 to 19 digits that passes the
//     Luhn check (a card number), or any such run in "maskedTrackData":
//     digits 7 to the fourth-last become '*', as maskedTrackData shows them. Values of keys ending in "Date",
//     "Time" or "Serial" are numbers of the transaction, not of a person,
//     and are left alone, as are ptxids (the POS's names for its payments).
//
// Only digits inside strings are replaced, one byte for one, so the result
// has body's length and is a valid JSON object (or array) whenever body is
// one. body is never modified: when nothing needs hiding, body itself is
// returned, else a masked copy. A body that is not an object or an array
// is masked as if it were one string value.
func MaskBody(body []byte) []byte {
	var out []byte // nil until something is masked
	var key []byte // the last object key seen
	inString, isKey := false, false
	start := 0
	if len(body) == 0 || (body[0] != '{' && body[0] != '[') {
		if out := maskValue(body, nil, nil, 0, len(body)); out != nil {
			return out
		}
		return body
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inString && c == '\\':
			i++ // skip the escaped byte
		case inString && c == '"':
			inString = false
			if isKey {
				key = body[start:i]
			} else {
				out = maskValue(body, out, key, start, i)
			}
		case inString:
		case c == '"':
			inString, start = true, i+1
			isKey = nextNonSpace(body, i) == ':'
		}
	}
	if out == nil {
		return body
	}
	return out
}

// nextNonSpace finds the first byte after the string that opens at
// body[open], skipping white space: ':' when the string is an object key.
func nextNonSpace(body []byte, open int) byte {
	i := open + 1
	for ; i < len(body); i++ {
		if body[i] == '\\' {
			i++
			continue
		}
		if body[i] == '"' {
			break
		}
	}
	for i++; i < len(body); i++ {
		switch body[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return body[i]
		}
	}
	return 0
}

// maskValue masks the string value body[from:to] of key into out (a copy of
// body made on the first change).
func maskValue(body, out, key []byte, from, to int) []byte {
	v := body[from:to]
	k := keyName(key)
	if strings.EqualFold(k, "approvalNumber") {
		last := lastDigits(v, 4)
		for i := range last {
			if v[i] >= '0' && v[i] <= '9' {
				out = setStar(body, out, from+i)
			}
		}
		return out
	}
	// A ptxid is the POS's own name for a payment and must come back as
	// it was given: masked, a 990001 answer would not name its payment.
	if hasSuffixFold(k, "Date") || hasSuffixFold(k, "Time") || hasSuffixFold(k, "Serial") || hasSuffixFold(k, "ptxid") {
		return out
	}
	card := strings.EqualFold(k, "maskedTrackData")
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && v[j] >= '0' && v[j] <= '9' {
			j++
		}
		if n := j - i; n >= 13 && n <= 19 && (card || luhn(v[i:j])) {
			for k := i + 6; k < j-4; k++ {
				out = setStar(body, out, from+k)
			}
		}
		i = j + 1
	}
	return out
}

// lastDigits returns the index in v where its last n digits begin.
func lastDigits(v []byte, n int) int {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] >= '0' && v[i] <= '9' {
			if n--; n == 0 {
				return i
			}
		}
	}
	return 0
}

func setStar(body, out []byte, i int) []byte {
	if out == nil {
		out = append([]byte(nil), body...)
	}
	out[i] = '*'
	return out
}

// keyName is an object key as a decoder sees it: escapes resolved. Keys are
// compared ignoring case, as encoding/json matches them to fields.
func keyName(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var k string
	if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &k) != nil {
		return string(raw)
	}
	return k
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// luhn reports whether the digits pass the card-number check digit.
func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
