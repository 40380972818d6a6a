package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// Puts, reads and compactions at once: every read sees each record at
// least at the version acknowledged before the read began, with the Seq
// and Created of its first version; a record dropped by the retention is
// never found again unless written again; and the index agrees with the
// file, as a reopen reads it, on what a Put during a rewrite kept.
func TestConcurrentPutReadCompact(t *testing.T) {
	if testing.Short() {
		t.Skip("a few thousand Puts")
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	dir := t.TempDir()
	s := open(t, dir, Options{Retention: time.Hour, Now: clock})
	const ids = 50
	var acked [ids]atomic.Int64 // latest acknowledged amount per record
	var seqs [ids]atomic.Uint64
	// Old records, past the retention once the clock moves: compaction drops them.
	for i := range 100 {
		if err := s.Put(approved(fmt.Sprint("old", i), fmt.Sprint(900000+i), "20260101", 1, "09")); err != nil {
			t.Fatal(err)
		}
	}
	now.Add(int64(2 * time.Hour))
	stop := make(chan struct{})
	var dropped atomic.Bool // set once a compaction dropped the old records
	var wg sync.WaitGroup
	wg.Go(func() { // the engine's writer
		defer close(stop)
		for v := int64(1); v <= 30; v++ {
			// an old record written again, maybe while a rewrite drops it
			again := approved(fmt.Sprint("old", v-1), fmt.Sprint(900000+v-1), "20251231", 2, "09")
			if err := s.Put(again); err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < ids; i += 10 { // ten a frame: versions enough for rewrites, few syncs
				var batch []*Record
				for j := i; j < i+10; j++ {
					batch = append(batch, approved(fmt.Sprint("p", j), fmt.Sprint(j), "20260101", v, fmt.Sprint(j%3)))
				}
				if err := s.Put(batch...); err != nil {
					t.Error(err)
					return
				}
				for j := i; j < i+10; j++ {
					acked[j].Store(v)
				}
			}
		}
	})
	reader := func(check func(i int, want int64) error) {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				i := n % ids
				if err := check(i, acked[i].Load()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	reader(func(i int, want int64) error {
		r, ok := s.Get(fmt.Sprint("p", i))
		switch {
		case want == 0:
			return nil
		case !ok:
			return fmt.Errorf("p%d: not found after version %d was acknowledged", i, want)
		case r.Ptxid != fmt.Sprint("p", i) || r.ApprovalAmt < want:
			return fmt.Errorf("p%d: got %s at version %d, want at least %d", i, r.Ptxid, r.ApprovalAmt, want)
		}
		if first := seqs[i].Load(); first == 0 {
			seqs[i].CompareAndSwap(0, r.Seq)
		} else if r.Seq != first {
			return fmt.Errorf("p%d: seq changed from %d to %d", i, first, r.Seq)
		}
		return nil
	})
	reader(func(i int, want int64) error {
		r, ok := s.FindApproval(protocol.CodeCreditApproval, fmt.Sprint(i), "20260101")
		if want != 0 && (!ok || r.Ptxid != fmt.Sprint("p", i) || r.ApprovalAmt < want) {
			return fmt.Errorf("approval %d: %v %+v, want p%d at version %d or later", i, ok, r, i, want)
		}
		return nil
	})
	reader(func(i int, _ int64) error {
		for _, r := range s.Recent(10) {
			if r.Ptxid == "" {
				return fmt.Errorf("Recent returned an empty record")
			}
		}
		if sum := s.Summary("20260101", "20260101"); sum.Approved.Count > ids+100 {
			return fmt.Errorf("summary counts %d records of %d", sum.Approved.Count, ids+100)
		}
		gone := dropped.Load()
		if _, ok := s.Get(fmt.Sprint("old", i)); ok && gone && i >= 30 { // old0..29 are written again
			return fmt.Errorf("old%d found after the compaction dropped the old records", i)
		}
		return nil
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			n, err := s.Compact()
			if err != nil {
				t.Error(err)
				return
			}
			if n > 0 {
				dropped.Store(true)
			}
		}
	})
	wg.Wait()
	if s.frames >= 100+ids*30 {
		t.Fatalf("%d versions in the file: no rewrite ran during the reads", s.frames)
	}
	if s.Health() != nil {
		t.Fatalf("unhealthy after the run: %v", s.Health())
	}
	if sum := s.Summary("20260101", "20260101"); sum.Approved.Count != ids {
		t.Fatalf("summary counts %d, want %d", sum.Approved.Count, ids)
	}
	live := s.Recent(-1)
	s.Close()
	s = open(t, dir, Options{Retention: time.Hour, Now: clock})
	defer s.Close()
	reread := s.Recent(-1)
	if len(reread) != len(live) {
		t.Fatalf("%d records live, %d once reopened", len(live), len(reread))
	}
	for i, r := range live {
		if o := reread[i]; o.Ptxid != r.Ptxid || o.ApprovalAmt != r.ApprovalAmt || o.Seq != r.Seq || !o.Created.Equal(r.Created) {
			t.Fatalf("live %s v%d seq %d, reopened %s v%d seq %d", r.Ptxid, r.ApprovalAmt, r.Seq, o.Ptxid, o.ApprovalAmt, o.Seq)
		}
	}
}
