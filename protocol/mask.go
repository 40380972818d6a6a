package protocol

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
