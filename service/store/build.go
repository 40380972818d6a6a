package store

import (
	"cmp"
	"slices"
)

// builder indexes the journal as Open reads it, version after version;
// the latest version of each ptxid wins.
type builder struct {
	keys     keys
	entries  []entry
	seqs     []uint64         // per slot
	approval []uint64         // per slot: the latest version's approval hash
	slots    map[string]int32 // ptxid → slot, while reading only
	seq      uint64           // the highest Seq seen
	versions int
}

func newBuilder(k keys) *builder { return &builder{keys: k, slots: map[string]int32{}} }

// add indexes the record encoded in raw, which starts at off in the file.
func (b *builder) add(off int64, raw []byte) error {
	f, err := split(raw)
	if err != nil {
		return err
	}
	slot, ok := b.slots[string(f.str[0])]
	if !ok {
		slot = int32(len(b.entries))
		b.slots[string(f.str[0])] = slot
		b.entries = append(b.entries, entry{})
		b.seqs = append(b.seqs, 0)
		b.approval = append(b.approval, 0)
	}
	seq := uint64(f.num[0])
	b.entries[slot] = entry{off: off, n: uint32(len(raw)), created: f.num[3], day: dayNumber(f.str[9]),
		flags: flagsOf(Status(f.str[2]), Confirmation(f.str[3]))}
	b.seqs[slot] = seq
	b.approval[slot] = approvalHash(b.keys.seed, f.str[1], f.str[7], f.str[9])
	b.seq = max(b.seq, seq)
	b.versions++
	return nil
}

// index returns the index, its slots in Seq order. A journal is written
// in that order except after an import, so the sort rarely moves anything.
func (b *builder) index() index {
	perm := make([]int32, len(b.entries)) // new position → old slot
	for i := range perm {
		perm[i] = int32(i)
	}
	if !slices.IsSorted(b.seqs) {
		slices.SortFunc(perm, func(x, y int32) int { return cmp.Compare(b.seqs[x], b.seqs[y]) })
	}
	to := make([]int32, len(perm)) // old slot → new position
	ix := index{entries: make([]entry, len(perm)), byID: newHashes(), byApproval: newHashes()}
	for i, old := range perm {
		to[old] = int32(i)
		ix.entries[i] = b.entries[old]
		if h := b.approval[old]; h != 0 {
			ix.byApproval.add(h, int32(i))
		}
	}
	for ptxid, old := range b.slots {
		ix.byID.add(b.keys.id(ptxid), to[old])
	}
	return ix
}
