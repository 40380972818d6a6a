package store

import (
	"time"

	"fmt"
	"os"

	"github.com/termd/termd/protocol"
)

func first(raw any, err error) (*Record, bool) {
	if err != nil || raw == nil {
		return nil, false
	}
	return raw.(*Record).Clone(), true
}

// get is Get without the copy, for the writer.
func (s *Store) get(ptxid string) (*Record, bool) {
	raw, err := s.mem.Txn(false).First(table, "id", ptxid)
	if err != nil || raw == nil {
		return nil, false
	}
	return raw.(*Record), true
}

// Get returns a copy of the record of ptxid.
func (s *Store) Get(ptxid string) (*Record, bool) {
	return first(s.mem.Txn(false).First(table, "id", ptxid))
}

// Last returns the most recent transaction.
func (s *Store) Last() (*Record, bool) {
	return first(s.mem.Txn(false).Last(table, "seq"))
}

// Recent returns up to n records, newest first.
func (s *Store) Recent(n int) []*Record {
	it, err := s.mem.Txn(false).GetReverse(table, "seq")
	if err != nil {
		return nil
	}
	out := make([]*Record, 0, n)
	for raw := it.Next(); raw != nil && len(out) < n; raw = it.Next() {
		out = append(out, raw.(*Record).Clone())
	}
	return out
}

// FindApproval returns the approval of request code code with approval
// number approvalNo made on day (yyyyMMdd).
func (s *Store) FindApproval(code protocol.Code, approvalNo, day string) (*Record, bool) {
	return first(s.mem.Txn(false).First(table, "approval", string(code), approvalNo, day))
}

// Len counts the records.
func (s *Store) Len() int {
	it, err := s.mem.Txn(false).Get(table, "id")
	if err != nil {
		return 0
	}
	n := 0
	for it.Next() != nil {
		n++
	}
	return n
}

// Unsettled returns what recovery must look at after a restart: records
// still running or unknown, and results awaiting 980001.
func (s *Store) Unsettled() []*Record {
	var out []*Record
	it, err := s.mem.Txn(false).Get(table, "seq")
	if err != nil {
		return nil
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if r := raw.(*Record); r.unsettled() {
			out = append(out, r.Clone())
		}
	}
	return out
}

func (r *Record) unsettled() bool {
	return r.Status == StatusRunning || r.Status == StatusUnknown || r.Confirm == ConfirmAwaiting ||
		(r.Confirm == ConfirmReverse && r.Status == StatusApproved)
}

// LastDelivered returns the latest record whose 0000 was delivered for
// confirmation (what a 980001 is about).
func (s *Store) LastDelivered() (*Record, bool) {
	it, err := s.mem.Txn(false).GetReverse(table, "seq")
	if err != nil {
		return nil, false
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if r := raw.(*Record); r.Confirm != ConfirmNone && r.Confirm != ConfirmReverse {
			return r.Clone(), true
		}
	}
	return nil, false
}

// Summary totals the sales of the days from..to (yyyyMMdd, inclusive).
// Approved: card and simple-pay approvals that were answered 0000 (later
// cancels do not erase the sale). Canceled: their successful cancels, plus
// automatic reversals.
func (s *Store) Summary(from, to string) protocol.SummaryData {
	var sum protocol.SummaryData
	approvedIssuers, canceledIssuers := map[string]bool{}, map[string]bool{}
	it, err := s.mem.Txn(false).LowerBound(table, "day", from)
	if err != nil {
		return sum
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := raw.(*Record)
		if r.Day > to {
			break
		}
		switch r.Code {
		case protocol.CodeCreditApproval, protocol.CodeSimplePayApproval:
			if r.Status == StatusApproved || r.Status == StatusCancelled || r.Status == StatusReversed {
				add(&sum.Approved, approvedIssuers, r)
			}
			if r.Status == StatusReversed {
				add(&sum.Canceled, canceledIssuers, r)
			}
		case protocol.CodeCreditCancel, protocol.CodeSimplePayCancel:
			if r.Status == StatusApproved {
				add(&sum.Canceled, canceledIssuers, r)
			}
		}
	}
	return sum
}

func add(t *protocol.Totals, issuers map[string]bool, r *Record) {
	t.Count++
	t.Price += r.ApprovalAmt
	if r.IssuerCode != "" && !issuers[r.IssuerCode] {
		issuers[r.IssuerCode] = true
		t.Issuer++
	}
}

// Compact removes records older than the retention, except unsettled ones,
// and rewrites the journal with the latest version of each record left
// when it has gathered as many superseded versions as live ones. The bulk
// of the rewrite runs without the writer's lock, so payments go on; what
// they journal meanwhile is carried over into the new file.
func (s *Store) Compact() (removed int, err error) {
	s.compacting.Lock()
	defer s.compacting.Unlock()
	s.mu.Lock()
	keep, old := s.partition(s.opt.Now().Add(-s.opt.Retention))
	from, frames := s.end, s.frames
	s.mu.Unlock()
	if len(old) == 0 && frames < 2*len(keep)+1000 {
		return 0, nil
	}
	tmp := s.path + ".tmp"
	if err := writeJournal(tmp, keep); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("store: compact: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.swap(tmp, from); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("store: compact: %w", err)
	}
	s.frames = len(keep) + s.frames - frames
	txn := s.mem.Txn(true)
	for _, r := range old {
		// A Put during the rewrite may have replaced r: that version
		// stays (the new file has it too).
		if cur, _ := txn.First(table, "id", r.Ptxid); cur != any(r) {
			continue
		}
		if err := txn.Delete(table, r); err != nil {
			txn.Abort()
			return 0, err
		}
	}
	txn.Commit()
	s.version.Add(1)
	return len(old), nil
}

// partition splits the records into those to keep and those past the
// retention. Called with s.mu held.
func (s *Store) partition(cutoff time.Time) (keep, old []*Record) {
	it, err := s.mem.Txn(false).Get(table, "seq")
	if err != nil {
		return nil, nil
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if r := raw.(*Record); r.Created.Before(cutoff) && !r.unsettled() {
			old = append(old, r)
		} else {
			keep = append(keep, r)
		}
	}
	return keep, old
}

// swap appends to the rewritten journal tmp the frames journaled since
// offset from (up to the end of the last good one: nothing a failed write
// left behind), and puts it in the journal's place. Called with s.mu held.
func (s *Store) swap(tmp string, from int64) error {
	cur, err := os.Open(s.path)
	if err != nil {
		return err
	}
	since := make([]byte, s.end-from)
	_, err = cur.ReadAt(since, from)
	cur.Close()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil {
		err = writeAll(f, since)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	end := st.Size() + int64(len(since))
	// The append handle is closed first: Windows renames no open file.
	if err := s.file.Close(); err != nil {
		return err
	}
	err = os.Rename(tmp, s.path)
	if err == nil {
		err = syncDir(s.dir)
	}
	if err == nil {
		s.end, s.broken = end, nil // the new file holds no failed write's tail
	}
	f, oerr := os.OpenFile(s.path, os.O_WRONLY, 0o600)
	if oerr != nil {
		return fmt.Errorf("reopen %s: %w", s.path, oerr)
	}
	s.file = s.wrapped(f)
	return err
}
