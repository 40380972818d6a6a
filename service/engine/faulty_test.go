package engine

import (
	"errors"
	"sync/atomic"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// faultyJournal is the real store with a disk that fails on command: the
// next n writes fail as a full disk does, or free space runs low.
type faultyJournal struct {
	*store.Store
	failing  atomic.Int32 // writes still to fail; -1: all of them
	lowSpace atomic.Bool
	// unreadable: reads fail as the store's do when the disk cannot be
	// read back: lookups find nothing and Health says why.
	unreadable atomic.Bool
	puts       atomic.Int32 // writes tried
}

var _ Journal = (*faultyJournal)(nil)

var errDiskFull = errors.New("write /var/lib/termd/journal.log: no space left on device")

// fail makes the next n writes fail (n < 0: every write until heal).
func (f *faultyJournal) fail(n int) { f.failing.Store(int32(n)) }
func (f *faultyJournal) heal()      { f.failing.Store(0) }

func (f *faultyJournal) Put(recs ...*store.Record) error {
	f.puts.Add(1)
	for {
		n := f.failing.Load()
		if n == 0 {
			return f.Store.Put(recs...)
		}
		if n < 0 || f.failing.CompareAndSwap(n, n-1) {
			return errDiskFull
		}
	}
}

func (f *faultyJournal) Space() error {
	if f.lowSpace.Load() {
		return store.ErrLowSpace
	}
	return f.Store.Space()
}

var errUnreadable = errors.New("read /var/lib/termd/journal.log: input/output error")

func (f *faultyJournal) Get(ptxid string) (*store.Record, bool) {
	if f.unreadable.Load() {
		return nil, false
	}
	return f.Store.Get(ptxid)
}

func (f *faultyJournal) FindApproval(code protocol.Code, approvalNo, day string) (*store.Record, bool) {
	if f.unreadable.Load() {
		return nil, false
	}
	return f.Store.FindApproval(code, approvalNo, day)
}

func (f *faultyJournal) Health() error {
	if f.unreadable.Load() {
		return errUnreadable
	}
	return f.Store.Health()
}
