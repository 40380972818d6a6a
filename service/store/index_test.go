package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

func TestHashesFindAddRemoveRemap(t *testing.T) {
	h := newHashes()
	h.add(7, 1)
	h.add(7, 1) // again: no second slot
	h.add(7, 4)
	h.add(9, 2)
	if got := h.candidates(7, nil); !slices.Equal(got, []int32{1, 4}) {
		t.Fatalf("candidates of 7: %v, want [1 4]", got)
	}
	h.remove(7, 1)
	if got := h.candidates(7, nil); !slices.Equal(got, []int32{4}) {
		t.Fatalf("after removing 1: %v, want [4]", got)
	}
	h.add(7, 5)
	n := h.remap([]int32{0, 0, 0, 0, -1, 3}) // 4 is gone, 5 becomes 3, 2 becomes 0
	if got := n.candidates(7, nil); !slices.Equal(got, []int32{3}) {
		t.Fatalf("7 after remap: %v, want [3]", got)
	}
	if got := n.candidates(9, nil); !slices.Equal(got, []int32{0}) {
		t.Fatalf("9 after remap: %v, want [0]", got)
	}
	if got := n.candidates(8, nil); len(got) != 0 {
		t.Fatalf("8 is unknown, got %v", got)
	}
}

// Two ptxids with one hash (64-bit hashes of a year of ptxids collide about
// once in ten billion shops): each lookup reads the candidates and finds
// the right one, and a Put updates the right record.
func TestSharedHashFindsEachRecord(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	defer s.Close()
	for _, id := range []string{"A", "B"} {
		if err := s.Put(approved(id, id+"1", "20261124", 1000, "01")); err != nil {
			t.Fatal(err)
		}
	}
	// Each hash now lists the other record first, as a collision would.
	ha, hb := s.keys.id("A"), s.keys.id("B")
	s.ix.byID = newHashes()
	s.ix.byID.add(ha, 1)
	s.ix.byID.add(ha, 0)
	s.ix.byID.add(hb, 0)
	s.ix.byID.add(hb, 1)
	for _, id := range []string{"A", "B"} {
		if r, ok := s.Get(id); !ok || r.Ptxid != id {
			t.Fatalf("Get %s: %+v", id, r)
		}
	}
	b := approved("B", "B1", "20261124", 1000, "01")
	b.Confirm = ConfirmConfirmed
	if err := s.Put(b); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("%d records after updating B, want 2", s.Len())
	}
	if a, _ := s.Get("A"); a.Confirmed() {
		t.Fatal("the update of B reached A")
	}
	if b, _ := s.Get("B"); !b.Confirmed() || b.Seq != 2 {
		t.Fatalf("B after its update: %+v", b)
	}
}

// A record that cannot be read back makes the lookup say "not found", so
// the store says it is unhealthy: the engine starts nothing on it.
func TestUnreadableJournalSaysSo(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	if err := s.Put(approved("p1", "1", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if s.Health() != nil {
		t.Fatal("a new store is unhealthy")
	}
	s.rmu.Lock()
	s.reader.Close() // every read now fails
	s.rmu.Unlock()
	if _, ok := s.Get("p1"); ok {
		t.Fatal("read a record through a closed file")
	}
	if s.Health() == nil {
		t.Fatal("a failed read left the store healthy")
	}
	if err := s.Put(approved("p1", "1", "20261124", 1000, "01")); err == nil {
		t.Fatal("a Put that cannot tell whether its ptxid exists succeeded")
	}
}

// Two versions of one ptxid in one Put: one record, the later version.
func TestOnePutWithTwoVersionsOfARecord(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	a := approved("p1", "1", "20261124", 1000, "01")
	b := a.Clone()
	b.Confirm = ConfirmConfirmed
	if err := s.Put(a, b, approved("p2", "2", "20261124", 500, "01")); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		if s.Len() != 2 {
			t.Fatalf("%s: %d records, want 2", when, s.Len())
		}
		r, _ := s.Get("p1")
		if !r.Confirmed() || r.Seq != 1 {
			t.Fatalf("%s: p1 is %+v, want the confirmed version with seq 1", when, r)
		}
		if r, _ := s.Get("p2"); r.Seq != 2 {
			t.Fatalf("%s: p2 has seq %d, want 2", when, r.Seq)
		}
	}
	check("before reopening")
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	check("after reopening")
}

// After a compaction that removes records, the live index (not only a
// reopened one) finds every kept record at its new place, and writes go
// on at the right records.
func TestIndexAfterCompactionPointsAtTheNewFile(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	s := open(t, dir, Options{Retention: 30 * 24 * time.Hour, Now: clock})
	for i := range 50 {
		s.Put(approved(fmt.Sprint("old", i), fmt.Sprint(100+i), "20260101", 1000, "01"))
	}
	now = now.Add(60 * 24 * time.Hour)
	for i := range 50 {
		r := approved(fmt.Sprint("new", i), fmt.Sprint(200+i), "20260302", int64(2000+i), "02")
		r.Confirm = ConfirmAwaiting
		s.Put(r)
	}
	n, err := s.Compact()
	if err != nil || n != 50 {
		t.Fatalf("compact removed %d (%v), want the 50 old ones", n, err)
	}
	check := func(when string) {
		t.Helper()
		if s.Len() != 50 {
			t.Fatalf("%s: %d records, want 50", when, s.Len())
		}
		if _, ok := s.Get("old7"); ok {
			t.Fatalf("%s: a removed record is found", when)
		}
		r, ok := s.FindApproval(protocol.CodeCreditApproval, "207", "20260302")
		if !ok || r.Ptxid != "new7" || r.ApprovalAmt != 2007 {
			t.Fatalf("%s: approval 207 is %+v", when, r)
		}
		if sum := s.Summary("20260302", "20260302"); sum.Approved.Count != 50 || sum.Approved.Issuer != 1 {
			t.Fatalf("%s: summary %+v", when, sum)
		}
		if u := s.Unsettled(); len(u) != 49 || u[0].Ptxid != "new0" {
			t.Fatalf("%s: %d unsettled, want 49 from new0", when, len(u))
		}
	}
	r, _ := s.Get("new9")
	r.Confirm = ConfirmConfirmed
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	check("live")
	if last, _ := s.Last(); last.Ptxid != "new49" {
		t.Fatalf("last is %s, want new49", last.Ptxid)
	}
	s.Close()
	s = open(t, dir, Options{Retention: 30 * 24 * time.Hour, Now: clock})
	defer s.Close()
	check("reopened")
}

// Readers running through a compaction see every record, with its latest
// version, at every moment.
func TestReadsDuringCompaction(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	for v := range 10 {
		for i := range 100 {
			s.Put(approved(fmt.Sprint("v", i), fmt.Sprint(i), "20261124", int64(1000+v), "01"))
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, ok := s.Get(fmt.Sprint("v", i%100))
				if !ok || r.ApprovalAmt != 1009 {
					t.Errorf("during compaction v%d: %v %+v", i%100, ok, r)
					return
				}
			}
		}()
	}
	for range 3 {
		if _, err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		for i := range 100 { // new versions, so the next compaction rewrites
			r, _ := s.Get(fmt.Sprint("v", i))
			s.Put(r)
		}
	}
	close(stop)
	wg.Wait()
}

// The index keeps a few dozen bytes per record, not the records: a
// journal of a year of a busy shop fits in a few megabytes.
func TestIndexMemoryPerRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20,000 records")
	}
	dir := t.TempDir()
	const n = 20000
	recs := make([]*Record, n)
	for i := range recs {
		r := approved(fmt.Sprintf("bench-%08d", i), fmt.Sprint(10000000+i), "20261124", 1000, "01")
		r.Request = []byte(`{"approvalAmt":1000,"ptxid":"` + r.Ptxid + `","tax":90,"installment":"00","cardNo":"123456******1234"}`)
		r.Final = []byte(`{"resultCode":"0000","resultMessage":"정상승인","data":{"approvalNo":"` + r.ApprovalNo + `","issuerName":"테스트카드","transactionDate":"20261124123456"}}`)
		r.Seq, r.Created, r.Updated = uint64(i+1), time.Now(), time.Now()
		recs[i] = r
	}
	if err := writeJournal(dir+"/"+logName, recs); err != nil {
		t.Fatal(err)
	}
	recs = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := open(t, dir, Options{})
	defer s.Close()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	t.Logf("%.0f bytes of heap per record", per)
	if per > 150 { // each record here is ~330 bytes of bodies alone
		t.Fatalf("the index keeps %.0f bytes per record, want under 150", per)
	}
	if s.Len() != n {
		t.Fatalf("%d records, want %d", s.Len(), n)
	}
}

// A Put that cannot read back the version it replaces fails, and the store
// says why: the journal cannot be read (a failing disk), not that a write
// failed for want of space.
func TestPutThatCannotReadBackSaysTheJournalIsUnreadable(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	defer s.Close()
	if err := s.Put(approved("p1", "1", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, logName), int64(len(logMagic))); err != nil {
		t.Fatal(err)
	}
	upd := approved("p1", "1", "20261124", 1000, "01")
	upd.Confirm = ConfirmConfirmed
	if err := s.Put(upd); err == nil {
		t.Fatal("a Put that cannot read the version it replaces succeeded")
	}
	if s.Health() == nil {
		t.Fatal("a failed read back left the store healthy")
	}
}

// openHandles counts this process's open files named path, including one
// since replaced by a rename (Linux shows it as deleted).
func openHandles(t *testing.T, path string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && (target == path || target == path+" (deleted)") {
			n++
		}
	}
	return n
}

// Windows renames no file that is open: each compaction must leave the
// journal with its two handles (writer and reader) and nothing else, or the
// next one's rename fails there; Close leaves none.
func TestCompactionsLeaveTwoHandlesAndCloseNone(t *testing.T) {
	dir := t.TempDir()
	path, _ := filepath.EvalSymlinks(dir)
	path = filepath.Join(path, logName)
	s := open(t, dir, Options{})
	for round := range 3 {
		for v := range 25 { // versions enough to be worth rewriting
			batch := make([]*Record, 50)
			for i := range batch {
				batch[i] = approved(fmt.Sprint("r", i), fmt.Sprint(i), "20261124", int64(v), "01")
			}
			if err := s.Put(batch...); err != nil {
				t.Fatal(err)
			}
		}
		before := s.frames
		if _, err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		if s.frames >= before {
			t.Fatalf("round %d: no rewrite (%d versions)", round, s.frames)
		}
		if n := openHandles(t, path); n != 2 {
			t.Fatalf("round %d: %d handles open on the journal after a compaction, want 2", round, n)
		}
		if n := openHandles(t, path+".tmp"); n != 0 {
			t.Fatalf("round %d: the rewrite's file is still open", round)
		}
	}
	s.Close()
	if n := openHandles(t, path); n != 0 {
		t.Fatalf("%d handles open on the journal after Close", n)
	}
}

// A clock that jumps a retention ahead would make the daily compaction
// drop every record, and with them the ptxids a POS may still repeat:
// when even the newest record is past the retention, nothing is dropped.
func TestCompactionAfterAClockJumpDropsNothing(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := open(t, t.TempDir(), Options{Retention: 30 * 24 * time.Hour, Now: clock})
	defer s.Close()
	for i := range 10 {
		s.Put(approved(fmt.Sprint("p", i), fmt.Sprint(i), "20260101", 1000, "01"))
	}
	now = now.Add(2 * 365 * 24 * time.Hour)
	if n, err := s.Compact(); err != nil || n != 0 {
		t.Fatalf("compaction after a clock jump removed %d (%v)", n, err)
	}
	if _, ok := s.Get("p3"); !ok {
		t.Fatal("a record is gone after a clock jump")
	}
	s.Put(approved("fresh", "99", "20280101", 1000, "01")) // the clock is right after all: trimming resumes
	if n, err := s.Compact(); err != nil || n != 10 {
		t.Fatalf("compaction with a fresh record removed %d (%v), want the 10 old ones", n, err)
	}
}
