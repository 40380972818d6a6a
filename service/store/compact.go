package store

import (
	"fmt"
	"os"
	"slices"

	"go.uber.org/zap"
)

// Compact removes records older than the retention, except unsettled ones,
// and rewrites the journal with the latest version of each record left
// when it has gathered as many superseded versions as live ones. The bulk
// of the rewrite runs without the writer's lock, so payments go on; what
// they journal meanwhile is carried over into the new file.
func (s *Store) Compact() (removed int, err error) {
	s.compacting.Lock()
	defer s.compacting.Unlock()
	cutoff := s.opt.Now().Add(-s.opt.Retention).UnixNano()
	s.mu.Lock()
	if s.clockJumped(cutoff) {
		// Every record would go, the ptxids a POS may still repeat with
		// them: more likely the clock is wrong than the shop idle a year.
		s.log.Warn("journal not trimmed: even its newest record is past the retention; check the PC's clock",
			zap.Time("now", s.opt.Now()))
		cutoff = 0
	}
	if !s.worthRewriting(cutoff) { // the daily case: nothing to do, nothing allocated
		s.mu.Unlock()
		return 0, nil
	}
	keep := s.partition(cutoff)
	from, frames := s.end, s.frames
	s.mu.Unlock()
	tmp := s.path + ".tmp"
	w, err := s.copyKept(tmp, keep)
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("store: compact: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rmu.Lock()
	defer s.rmu.Unlock()
	swapped, err := s.swap(tmp, from, w.size())
	if !swapped {
		os.Remove(tmp)
		return 0, fmt.Errorf("store: compact: %w", err)
	}
	s.frames = len(keep) + s.frames - frames
	removed = s.reindex(keep, w.spans, from, w.size())
	s.version.Add(1)
	if err != nil {
		return removed, fmt.Errorf("store: compact: %w", err)
	}
	return removed, nil
}

// kept is a record a compaction keeps: its slot and where it was.
type kept struct {
	slot int32
	e    entry
}

// worthRewriting reports whether records are past the retention (created
// before cutoff, in Unix nanoseconds) or the file holds as many superseded
// versions as live ones. Called with s.mu held.
func (s *Store) worthRewriting(cutoff int64) bool {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	if s.frames >= 2*len(s.ix.entries)+1000 {
		return true
	}
	return slices.ContainsFunc(s.ix.entries, func(e entry) bool { return expired(e, cutoff) })
}

// clockJumped reports whether the newest record is past the retention.
// Called with s.mu held.
func (s *Store) clockJumped(cutoff int64) bool {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	n := len(s.ix.entries)
	return n > 0 && s.ix.entries[n-1].created < cutoff
}

func expired(e entry, cutoff int64) bool { return e.created < cutoff && e.flags&flagUnsettled == 0 }

// partition returns the records to keep: all but those past the
// retention. Called with s.mu held.
func (s *Store) partition(cutoff int64) []kept {
	s.ixmu.RLock()
	defer s.ixmu.RUnlock()
	keep := make([]kept, 0, len(s.ix.entries))
	for i, e := range s.ix.entries {
		if !expired(e, cutoff) {
			keep = append(keep, kept{int32(i), e})
		}
	}
	return keep
}

// copyKept writes the records of keep, as they were, into a new journal.
func (s *Store) copyKept(tmp string, keep []kept) (*journalWriter, error) {
	w, err := createJournal(tmp)
	if err != nil {
		return nil, err
	}
	s.rmu.RLock()
	defer s.rmu.RUnlock()
	var raw []byte
	for _, k := range keep {
		if raw, err = s.readRaw(raw, k.e); err != nil {
			w.abort()
			return nil, err
		}
		if err := w.add(raw); err != nil {
			w.abort()
			return nil, err
		}
	}
	if err := w.finish(); err != nil {
		return nil, err
	}
	return w, nil
}

// reindex points the index at the new file: what was journaled since
// offset from moved to base and on, the records of keep to where the
// rewrite put them, and the rest is gone, unless a Put during the rewrite
// wrote it again. It returns how many records are gone. Called with s.mu
// and s.rmu held.
func (s *Store) reindex(keep []kept, spans []span, from, base int64) (removed int) {
	s.ixmu.Lock()
	defer s.ixmu.Unlock()
	to := make([]int32, len(s.ix.entries))
	entries := make([]entry, 0, len(s.ix.entries))
	k := 0 // keep is in slot order: walked beside the entries
	for slot, e := range s.ix.entries {
		kept := k < len(keep) && keep[k].slot == int32(slot)
		if kept {
			k++
		}
		switch {
		case e.off >= from: // journaled during the rewrite
			e.off = base + e.off - from
		case kept:
			e.off, e.n = spans[k-1].off, spans[k-1].n
		default:
			to[slot] = -1
			removed++
			continue
		}
		to[slot] = int32(len(entries))
		entries = append(entries, e)
	}
	s.ix = index{entries: entries, byID: s.ix.byID.remap(to), byApproval: s.ix.byApproval.remap(to)}
	return removed
}

// swap appends to the rewritten journal tmp (of size) the frames journaled
// since offset from (up to the end of the last good one: nothing a failed
// write left behind), and puts it in the journal's place. It reports
// whether the new file is in place, whatever else failed. Called with s.mu
// and s.rmu held.
func (s *Store) swap(tmp string, from, size int64) (swapped bool, err error) {
	since := make([]byte, s.end-from)
	if _, err := s.reader.ReadAt(since, from); err != nil {
		return false, err
	}
	if err := appendSynced(tmp, since); err != nil {
		return false, err
	}
	// Both handles are closed first: Windows renames no open file.
	err = s.file.Close()
	s.reader.Close()
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err == nil {
		swapped = true
		s.end, s.broken = size+int64(len(since)), nil // the new file holds no failed write's tail
		s.size = s.end
		err = syncDir(s.dir)
	}
	if oerr := s.reopen(); oerr != nil {
		err = oerr
	}
	return swapped, err
}

func appendSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	err = writeAll(f, b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// reopen opens the journal's two handles again after a swap, whether or
// not it happened. A handle it cannot open fails every write or read, and
// those say so.
func (s *Store) reopen() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0o600)
	if err != nil {
		s.broken = fmt.Errorf("journal cannot be reopened after compaction: %w", err)
		return err
	}
	s.file = s.wrapped(f)
	if s.reader, err = os.Open(s.path); err != nil {
		s.unreadableNow(fmt.Errorf("journal cannot be reopened for reading after compaction: %w", err))
		return err
	}
	return nil
}
