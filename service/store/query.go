package store

import (
	"slices"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// Reads look entries up in the index, then read the records from the
// journal file. They hold rmu throughout, so a compaction cannot swap the
// file under them, and ixmu only while they copy entries, so a Put never
// waits for a read of the file.

// readRaw reads the encoding of e's record into buf, grown as needed.
// Called with s.rmu held.
func (s *Store) readRaw(buf []byte, e entry) ([]byte, error) {
	buf = append(buf[:0], make([]byte, e.n)...)
	_, err := s.reader.ReadAt(buf, e.off)
	return buf, err
}

// read reads the record of e. Called with s.rmu held.
func (s *Store) read(e entry) (*Record, error) {
	b, err := s.readRaw(nil, e)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// readAll reads the records of es, or says the journal is unreadable.
// Called with s.rmu held.
func (s *Store) readAll(es []entry) ([]*Record, bool) {
	out := make([]*Record, 0, len(es))
	for _, e := range es {
		r, err := s.read(e)
		if err != nil {
			s.unreadableNow(err)
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

// unreadableNow records that the journal could not be read back.
func (s *Store) unreadableNow(err error) {
	if s.unreadable.CompareAndSwap(nil, &err) {
		s.log.Error("journal cannot be read back (disk failing?); no new transaction is started until termd restarts: check the disk of dataDir",
			zap.Error(err))
	}
}

// Health is nil unless the journal could not be read back since Open: a
// lookup may then have missed a record it holds, so no transaction may
// start on what it said.
func (s *Store) Health() error {
	if p := s.unreadable.Load(); p != nil {
		return *p
	}
	return nil
}

// lookup appends to slots those a hash lookup of the index names for key,
// in slot order, and returns them with a copy of their entries.
func (s *Store) lookup(by func(*index) *hashes, key uint64, slots []int32) ([]int32, []entry) {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	slots = by(&s.ix).candidates(key, slots)
	slices.Sort(slots)
	es := make([]entry, len(slots))
	for i, slot := range slots {
		es[i] = s.ix.entries[slot]
	}
	return slots, es
}

func byID(ix *index) *hashes { return &ix.byID }

func byApproval(ix *index) *hashes { return &ix.byApproval }

// find returns the slot and record of ptxid, or -1 and nil.
func (s *Store) find(ptxid string) (int32, *Record, error) {
	s.rmu.RLock()
	defer s.rmu.RUnlock()
	var buf [4]int32
	slots, es := s.lookup(byID, s.keys.id(ptxid), buf[:0])
	for i, e := range es {
		r, err := s.read(e)
		if err != nil {
			return -1, nil, err
		}
		if r.Ptxid == ptxid {
			return slots[i], r, nil
		}
	}
	return -1, nil, nil
}

// Get returns the record of ptxid.
func (s *Store) Get(ptxid string) (*Record, bool) {
	_, r, err := s.find(ptxid)
	if err != nil {
		s.unreadableNow(err)
	}
	return r, r != nil
}

// chosen copies the entries want chooses, in slot order from the newest
// when newest is set, up to n of them (n < 0: all).
func (s *Store) chosen(n int, newest bool, want func(entry) bool) []entry {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	var es []entry
	all := s.ix.entries
	for i := range all {
		if newest {
			i = len(all) - 1 - i
		}
		if len(es) == n {
			break
		}
		if want(all[i]) {
			es = append(es, all[i])
		}
	}
	return es
}

// pick reads the records of the entries chosen (see chosen).
func (s *Store) pick(n int, newest bool, want func(entry) bool) []*Record {
	s.rmu.RLock()
	defer s.rmu.RUnlock()
	recs, _ := s.readAll(s.chosen(n, newest, want))
	return recs
}

func one(recs []*Record) (*Record, bool) {
	if len(recs) == 0 {
		return nil, false
	}
	return recs[0], true
}

func every(entry) bool { return true }

// Last returns the most recent transaction.
func (s *Store) Last() (*Record, bool) { return one(s.pick(1, true, every)) }

// Recent returns up to n records, newest first.
func (s *Store) Recent(n int) []*Record { return s.pick(n, true, every) }

// FindApproval returns the approval of request code code with approval
// number approvalNo made on day (yyyyMMdd): the first made, should the
// terminal ever have given one number twice.
func (s *Store) FindApproval(code protocol.Code, approvalNo, day string) (*Record, bool) {
	s.rmu.RLock()
	defer s.rmu.RUnlock()
	var buf [4]int32
	_, es := s.lookup(byApproval, s.keys.approval(string(code), approvalNo, day), buf[:0])
	recs, _ := s.readAll(es)
	for _, r := range recs {
		if r.Code == code && r.ApprovalNo == approvalNo && r.Day == day {
			return r, true
		}
	}
	return nil, false
}

// Len counts the records.
func (s *Store) Len() int {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	return len(s.ix.entries)
}

// Unsettled returns what recovery must look at after a restart: records
// still running or unknown, and results awaiting 980001, oldest first.
func (s *Store) Unsettled() []*Record {
	return s.pick(-1, false, func(e entry) bool { return e.flags&flagUnsettled != 0 })
}

// LastDelivered returns the latest record whose 0000 was delivered for
// confirmation (what a 980001 is about).
func (s *Store) LastDelivered() (*Record, bool) {
	return one(s.pick(1, true, func(e entry) bool { return e.flags&flagDelivered != 0 }))
}

// Summary totals the sales of the days from..to (yyyyMMdd, inclusive).
// Approved: card and simple-pay approvals that were answered 0000 (later
// cancels do not erase the sale). Canceled: their successful cancels, plus
// automatic reversals. A year is 100,000 records: they are read into one
// buffer and split, not decoded.
func (s *Store) Summary(from, to string) protocol.SummaryData {
	var sum protocol.SummaryData
	lo, hi, ok := dayRange(from, to)
	if !ok {
		return sum
	}
	s.rmu.RLock()
	defer s.rmu.RUnlock()
	es := s.chosen(-1, false, func(e entry) bool { return e.day >= lo && e.day <= hi })
	t := tally{approved: map[string]bool{}, canceled: map[string]bool{}}
	var buf []byte
	for _, e := range es {
		var err error
		buf, err = s.readRaw(buf, e)
		var f fields
		if err == nil {
			f, err = split(buf)
		}
		if err != nil {
			s.unreadableNow(err)
			return protocol.SummaryData{}
		}
		t.add(&sum, f)
	}
	return sum
}

// tally counts records into a summary, and the issuers seen.
type tally struct{ approved, canceled map[string]bool }

func (t tally) add(sum *protocol.SummaryData, f fields) {
	code, status := protocol.Code(f.str[1]), Status(f.str[2])
	switch code {
	case protocol.CodeCreditApproval, protocol.CodeSimplePayApproval:
		if status == StatusApproved || status == StatusCancelled || status == StatusReversed {
			count(&sum.Approved, t.approved, f)
		}
		if status == StatusReversed {
			count(&sum.Canceled, t.canceled, f)
		}
	case protocol.CodeCreditCancel, protocol.CodeSimplePayCancel:
		if status == StatusApproved {
			count(&sum.Canceled, t.canceled, f)
		}
	}
}

func count(t *protocol.Totals, issuers map[string]bool, f fields) {
	t.Count++
	t.Price += f.num[1] // ApprovalAmt
	if issuer := f.str[10]; len(issuer) > 0 && !issuers[string(issuer)] {
		issuers[string(issuer)] = true
		t.Issuer++
	}
}
