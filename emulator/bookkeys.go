package emulator

import (
	"slices"

	"github.com/termd/termd/protocol"
)

// An approval is named by its code, approval number and day. The approval
// index is the largest part of the books after the ptxids, so its key is
// packed into 8 bytes where the number and day are digits, as the
// terminal writes them: code (its own small number, 8 bits), day (22
// bits), approval number (32 bits). Anything else (a cancel naming a
// number the terminal never gave) goes through oddApproval.

// packApproval packs the key, or says it does not pack.
func (b *books) packApproval(code protocol.Code, approvalNo, day string, add bool) (uint64, bool) {
	no, okNo := digits(approvalNo, 8)
	d, okDay := dayNumber(day)
	if !okNo || !okDay {
		return 0, false
	}
	c, ok := b.codes[code]
	if !ok {
		if !add || len(b.codes) > 255 {
			return 0, false
		}
		c = uint8(len(b.codes))
		b.codes[code] = c
	}
	return uint64(c)<<56 | uint64(d)<<32 | uint64(no), true
}

func (b *books) setApproval(code protocol.Code, approvalNo, day string, i int32) {
	if k, ok := b.packApproval(code, approvalNo, day, true); ok {
		b.byApproval[k] = i
		return
	}
	b.oddApproval[approvalKey{code, approvalNo, day}] = i
}

func (b *books) deleteApproval(code protocol.Code, approvalNo, day string) {
	if k, ok := b.packApproval(code, approvalNo, day, false); ok {
		delete(b.byApproval, k)
		return
	}
	delete(b.oddApproval, approvalKey{code, approvalNo, day})
}

// approval returns the approval so named, or nil. The entry read back is
// checked against the key: a ptxid recorded again under another code has
// left its old approval behind.
func (b *books) approval(code protocol.Code, approvalNo, day string) (*entry, error) {
	i, ok := b.oddApproval[approvalKey{code, approvalNo, day}]
	if k, packs := b.packApproval(code, approvalNo, day, false); packs {
		i, ok = b.byApproval[k]
	}
	if !ok {
		return nil, nil
	}
	e, err := b.at(i)
	if err != nil || e.code != code || e.approvalNo != approvalNo || e.day != day {
		return nil, err
	}
	return e, nil
}

// approvalTaken says whether the file held approval number v at start.
func (b *books) approvalTaken(v string) bool {
	n, ok := digits(v, 8)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(b.taken, n)
	return found
}

// digits reads s if it is exactly n decimal digits (n ≤ 9).
func digits(s string, n int) (uint32, bool) {
	if len(s) != n {
		return 0, false
	}
	var v uint32
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint32(c-'0')
	}
	return v, true
}

// dayNumber packs a YYYYMMDD day into 22 bits: year*416 + month*32 + day
// is below 2^22 for every four-digit year, and distinct for months up to
// 12 and days up to 31, valid dates or not.
func dayNumber(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	y, okY := digits(s[:4], 4)
	m, okM := digits(s[4:6], 2)
	d, okD := digits(s[6:], 2)
	if !okY || !okM || !okD || m > 12 || d > 31 {
		return 0, false
	}
	return y*416 + m*32 + d, true
}
