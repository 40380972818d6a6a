package store

import (
	"hash/maphash"
	"slices"
)

// The index is all the store keeps in memory of a record: where its latest
// version lies in journal.log and the little the scans need. Everything
// else, bodies included, is read back from the file when asked for (the
// page cache keeps the recent part of the journal in memory anyway). With
// go-memdb and whole records in memory, a journal of 100,000 payments held
// 258 MB of heap (1.6 KB per record for memdb's four radix trees alone);
// this index holds 80 to 110 bytes per record (measured at 100,000 and
// 1,000,000 records: BenchmarkOpenGrowth).

// entry is one record in the index.
type entry struct {
	off     int64  // where the encoding of its latest version starts in journal.log
	created int64  // Created, in Unix nanoseconds: what the retention looks at
	n       uint32 // the encoding's length
	day     uint32 // Day as a number (yyyyMMdd), 0 without one
	flags   uint8
}

const (
	// flagUnsettled: running, unknown, awaiting 980001, or to be reversed.
	flagUnsettled uint8 = 1 << iota
	// flagDelivered: a 0000 delivered for confirmation (what 980001 is about).
	flagDelivered
)

func flagsOf(st Status, c Confirmation) uint8 {
	var f uint8
	if st == StatusRunning || st == StatusUnknown || c == ConfirmAwaiting || (c == ConfirmReverse && st == StatusApproved) {
		f |= flagUnsettled
	}
	if c != ConfirmNone && c != ConfirmReverse {
		f |= flagDelivered
	}
	return f
}

// dayNumber turns a yyyyMMdd day into a number that sorts like it; any
// other string is 0, not a day.
func dayNumber[T string | []byte](d T) uint32 {
	if len(d) != 8 {
		return 0
	}
	n := uint32(0)
	for i := range len(d) {
		c := d[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}

// index is the records in arrival (Seq) order and two lookups into them.
// Its slots are positions in entries.
type index struct {
	entries    []entry
	byID       hashes // the ptxid's hash
	byApproval hashes // the hash of code, approval number and day
}

func newIndex() index {
	return index{byID: newHashes(), byApproval: newHashes()}
}

// keys hashes a record's lookup keys, as bytes or strings alike.
type keys struct{ seed maphash.Seed }

func (k keys) id(ptxid string) uint64 { return maphash.String(k.seed, ptxid) }

// approval is 0 (not indexed) for a record without approval number or day.
func (k keys) approval(code, approvalNo, day string) uint64 {
	return approvalHash(k.seed, code, approvalNo, day)
}

func approvalHash[T string | []byte](seed maphash.Seed, parts ...T) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, p := range parts {
		if len(p) == 0 {
			return 0
		}
		switch p := any(p).(type) {
		case string:
			h.WriteString(p)
		case []byte:
			h.Write(p)
		}
		h.WriteByte(0)
	}
	return h.Sum64() | 1 // never 0
}

// hashes maps a key's hash to the slots of the records that have it. Nearly
// every hash has one slot; a second one (two keys with one hash, or an
// approval number seen twice) goes to more. A hash only finds candidates:
// the caller reads each and compares the key itself.
type hashes struct {
	one  map[uint64]int32
	more map[uint64][]int32
}

func newHashes() hashes { return hashes{one: map[uint64]int32{}, more: map[uint64][]int32{}} }

func (h *hashes) add(k uint64, slot int32) {
	first, ok := h.one[k]
	switch {
	case !ok:
		h.one[k] = slot
	case first != slot && !slices.Contains(h.more[k], slot):
		h.more[k] = append(h.more[k], slot)
	}
}

func (h *hashes) remove(k uint64, slot int32) {
	more := h.more[k]
	if h.one[k] == slot {
		if len(more) == 0 {
			delete(h.one, k)
			return
		}
		h.one[k], more = more[0], more[1:]
	} else {
		more = slices.DeleteFunc(more, func(s int32) bool { return s == slot })
	}
	if len(more) == 0 {
		delete(h.more, k)
	} else {
		h.more[k] = more
	}
}

// candidates appends the slots with hash k to out.
func (h *hashes) candidates(k uint64, out []int32) []int32 {
	if first, ok := h.one[k]; ok {
		out = append(out, first)
		out = append(out, h.more[k]...)
	}
	return out
}

// remap renumbers the slots after compaction; slots mapped to -1 are gone.
func (h *hashes) remap(to []int32) hashes {
	n := newHashes()
	for k, s := range h.one {
		if to[s] >= 0 {
			n.add(k, to[s])
		}
	}
	for k, ss := range h.more {
		for _, s := range ss {
			if to[s] >= 0 {
				n.add(k, to[s])
			}
		}
	}
	return n
}

// dayRange turns Summary's from..to into numbers; ok is false when either
// is not a yyyyMMdd day.
func dayRange(from, to string) (lo, hi uint32, ok bool) {
	lo, hi = dayNumber(from), dayNumber(to)
	return lo, hi, lo != 0 && hi != 0
}

// span is where a record's encoding lies in journal.log.
type span struct {
	off int64
	n   uint32
}

// put indexes r, stored at sp, in slot: a new slot is the next one. prev
// is the version r replaces (nil for a new record). Called with the
// index locked.
func (ix *index) put(k keys, slot int32, sp span, prev, r *Record) {
	e := entry{off: sp.off, n: sp.n, created: r.Created.UnixNano(), day: dayNumber(r.Day), flags: flagsOf(r.Status, r.Confirm)}
	if int(slot) == len(ix.entries) {
		ix.entries = append(ix.entries, e)
		ix.byID.add(k.id(r.Ptxid), slot)
	} else {
		ix.entries[slot] = e
	}
	was := uint64(0)
	if prev != nil {
		was = k.approval(string(prev.Code), prev.ApprovalNo, prev.Day)
	}
	if now := k.approval(string(r.Code), r.ApprovalNo, r.Day); now != was {
		if was != 0 {
			ix.byApproval.remove(was, slot)
		}
		if now != 0 {
			ix.byApproval.add(now, slot)
		}
	}
}
