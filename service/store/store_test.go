package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/protocol"
)

func open(t *testing.T, dir string, opt Options) *Store {
	t.Helper()
	s, err := Open(dir, opt, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func approved(ptxid, approvalNo, day string, amt int64, issuer string) *Record {
	return &Record{Ptxid: ptxid, Code: protocol.CodeCreditApproval, Status: StatusApproved, ApprovalNo: approvalNo,
		Day: day, ApprovalAmt: amt, Balance: amt, IssuerCode: issuer, Final: []byte(`{"resultCode":"0000"}`)}
}

func TestReopenKeepsEveryRecordAndSeqContinues(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for i := range 5 {
		if err := s.Put(approved(fmt.Sprint("p", i), fmt.Sprint(10000000+i), "20261124", 1000, "01")); err != nil {
			t.Fatal(err)
		}
	}
	upd, _ := s.Get("p2")
	upd.Confirm = ConfirmConfirmed
	if err := s.Put(upd); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir, Options{})
	defer s.Close()
	if s.Len() != 5 {
		t.Fatalf("%d records after reopen, want 5", s.Len())
	}
	r, ok := s.Get("p2")
	if !ok || r.Seq != 3 || !r.Confirmed() || r.ApprovalNo != "10000002" {
		t.Fatalf("p2 after reopen: %+v", r)
	}
	if err := s.Put(approved("p5", "10000005", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if last, _ := s.Last(); last.Ptxid != "p5" || last.Seq != 6 {
		t.Fatalf("last %s seq %d, want p5 seq 6", last.Ptxid, last.Seq)
	}
}

func TestRecordsAreCopies(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	in := approved("p1", "1", "20261124", 1000, "01")
	s.Put(in)
	in.Status = StatusFailed // the caller's copy
	got, _ := s.Get("p1")
	got.Status = StatusReversed // and the returned copy
	again, _ := s.Get("p1")
	if again.Status != StatusApproved {
		t.Fatalf("stored record changed through a caller's pointer: %s", again.Status)
	}
}

func TestFindApprovalAndSummary(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	s.Put(approved("a1", "11111111", "20261101", 10000, "01"))
	s.Put(approved("a2", "22222222", "20261115", 20000, "02"))
	rev := approved("a3", "33333333", "20261115", 5000, "01")
	rev.Status = StatusReversed
	s.Put(rev)
	cancelled := approved("a4", "44444444", "20261120", 7000, "04")
	cancelled.Status = StatusCancelled
	s.Put(cancelled)
	s.Put(&Record{Ptxid: "c4", Code: protocol.CodeCreditCancel, Status: StatusApproved, Day: "20261120", ApprovalAmt: 7000, IssuerCode: "04"})
	s.Put(&Record{Ptxid: "d1", Code: protocol.CodeCreditApproval, Status: StatusDeclined, Day: "20261115", ApprovalAmt: 999})
	s.Put(&Record{Ptxid: "cash", Code: protocol.CodeCashReceipt, Status: StatusApproved, Day: "20261115", ApprovalAmt: 3000, ApprovalNo: "55555555"})
	s.Put(approved("old", "66666666", "20251231", 1, "01"))

	if r, ok := s.FindApproval(protocol.CodeCreditApproval, "22222222", "20261115"); !ok || r.Ptxid != "a2" {
		t.Fatalf("FindApproval: %v %v", r, ok)
	}
	if _, ok := s.FindApproval(protocol.CodeCreditApproval, "22222222", "20261116"); ok {
		t.Fatal("found an approval on the wrong day")
	}
	if _, ok := s.FindApproval(protocol.CodeSimplePayApproval, "22222222", "20261115"); ok {
		t.Fatal("found an approval of another kind")
	}
	got := s.Summary("20261101", "20261130")
	want := protocol.SummaryData{
		Approved: protocol.Totals{Count: 4, Price: 42000, Issuer: 3}, // a1 a2 a3 a4; not the decline, cash or last year's
		Canceled: protocol.Totals{Count: 2, Price: 12000, Issuer: 2}, // c4 and the reversal a3
	}
	if got != want {
		t.Fatalf("summary %+v, want %+v", got, want)
	}
	if got := s.Summary("20261115", "20261115"); got.Approved.Count != 2 || got.Canceled.Count != 1 {
		t.Fatalf("one-day summary %+v", got)
	}
}

func TestUnsettledAndCompact(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := open(t, t.TempDir(), Options{Retention: 30 * 24 * time.Hour, Now: clock})
	defer s.Close()
	s.Put(approved("settled", "1", "20261001", 1, "01"))
	s.Put(&Record{Ptxid: "running", Code: protocol.CodeCreditApproval, Status: StatusRunning})
	s.Put(&Record{Ptxid: "unknown", Code: protocol.CodeCreditApproval, Status: StatusUnknown})
	aw := approved("awaiting", "2", "20261001", 1, "01")
	aw.Confirm = ConfirmAwaiting
	s.Put(aw)
	if u := s.Unsettled(); len(u) != 3 {
		t.Fatalf("%d unsettled, want 3", len(u))
	}
	now = now.Add(31 * 24 * time.Hour)
	s.Put(approved("fresh", "3", "20261225", 1, "01"))
	n, err := s.Compact()
	if err != nil || n != 1 {
		t.Fatalf("compact removed %d (%v), want only the old settled one", n, err)
	}
	if _, ok := s.Get("settled"); ok {
		t.Fatal("old settled record kept")
	}
	for _, id := range []string{"running", "unknown", "awaiting", "fresh"} {
		if _, ok := s.Get(id); !ok {
			t.Fatalf("%s removed by compaction", id)
		}
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	defer s.Close()
	// Refused, not queued behind the first: the lock wait is bounded (100 ms).
	_, err := Open(dir, Options{}, zaptest.NewLogger(t))
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func hashFile(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// fiftyRecords journals 50 approvals in dir and leaves the journal as
// termd killed or cut from power does: with its preallocated tail.
func fiftyRecords(t *testing.T, dir string) {
	t.Helper()
	s := open(t, dir, Options{})
	for i := range 50 {
		r := approved(fmt.Sprint("p", i), fmt.Sprint(i), "20261124", 1000, "01")
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	abandon(s)
}

// abandon lets go of the store as a process that dies does: its files
// closed, nothing tidied.
func abandon(s *Store) {
	s.file.Close()
	s.reader.Close()
	s.lock.Close()
}

func TestCorruptJournalRefusesAndIsLeftAlone(t *testing.T) {
	damage := map[string]func(t *testing.T, path string){
		"bytes flipped in the middle": func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			_, end := lastFrame(t, b)
			for i := end / 2; i < end/2+64; i++ {
				b[i] ^= 0x5a
			}
			os.WriteFile(path, b, 0o600)
		},
		"one bit flipped in the first frame": func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(logMagic)+frameHead+3] ^= 0x01 // in the payload
			os.WriteFile(path, b, 0o600)
		},
		"a frame whose checksum holds but whose record does not decode": func(t *testing.T, path string) {
			bad := []byte{1, 7, formatVersion, 0, 0, 0, 0, 3, 'x'} // one record of 7 bytes, CRC 0
			frame := binary.BigEndian.AppendUint32(nil, uint32(len(bad)))
			frame = binary.BigEndian.AppendUint32(frame, crc32.Checksum(bad, castagnoli))
			frame = binary.BigEndian.AppendUint32(frame, crc32.Checksum(frame, castagnoli))
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(append(frame, bad...))
			f.Close()
		},
		"not a journal": func(t *testing.T, path string) {
			os.WriteFile(path, []byte("hello, world\n"), 0o600)
		},
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			spoil(t, path)
			before := hashFile(t, path)
			_, err := Open(dir, Options{}, zaptest.NewLogger(t))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open of a damaged journal: %v, want ErrCorrupt", err)
			}
			if hashFile(t, path) != before {
				t.Fatal("the damaged journal was modified")
			}
		})
	}
}

// A power cut during the last write leaves it torn: it was never answered
// (the sync had not returned), so it is cut off and kept aside, and the
// journal goes on.
// lastFrame is where the journal's last frame starts and ends in b: the
// frames end at the end of b or at the zeros preallocated after them.
func lastFrame(t *testing.T, b []byte) (start, end int) {
	t.Helper()
	off := len(logMagic)
	for {
		size := frameHead + int(binary.BigEndian.Uint32(b[off:]))
		if off+size == len(b) || allZero(b[off+size:min(off+size+frameHead, len(b))]) {
			return off, off + size
		}
		off += size
	}
}

// withoutTail cuts the preallocated zeros off the journal: a journal as
// a system without preallocation (Windows) leaves it.
func withoutTail(t *testing.T, path string) {
	t.Helper()
	b, _ := os.ReadFile(path)
	_, end := lastFrame(t, b)
	if err := os.Truncate(path, int64(end)); err != nil {
		t.Fatal(err)
	}
}

func TestTornLastWriteIsCutOffAndKeptAside(t *testing.T) {
	tails := map[string]func(t *testing.T, path string) (lost int){
		"last frame cut short": func(t *testing.T, path string) int {
			withoutTail(t, path)
			st, _ := os.Stat(path)
			os.Truncate(path, st.Size()-7)
			return 1
		},
		"last frame's end never reached the preallocated space": func(t *testing.T, path string) int {
			b, _ := os.ReadFile(path)
			_, end := lastFrame(t, b)
			clear(b[end-7 : end])
			os.WriteFile(path, b, 0o600)
			return 1
		},
		"the last write's header page lost, its payload page kept": func(t *testing.T, path string) int {
			// The last frame starts inside a page and runs into the next;
			// the power cut kept the next page and lost the first.
			s := open(t, filepath.Dir(path), Options{})
			big := approved("big", "99999998", "20261124", 1000, "01")
			big.Request = []byte(`{"note":"` + strings.Repeat("x", 5000) + `"}`)
			if err := s.Put(big); err != nil {
				t.Fatal(err)
			}
			s.Close()
			b, _ := os.ReadFile(path)
			first, _ := lastFrame(t, b)
			start := int64(first)
			for i := start; i < (start/4096+1)*4096 && i < int64(len(b)); i++ {
				b[i] = 0
			}
			os.WriteFile(path, b, 0o600)
			return 0 // the big record, lost, came on top of the fifty
		},
		"last frame whole but its bytes never reached the disk": func(t *testing.T, path string) int {
			b, _ := os.ReadFile(path)
			_, end := lastFrame(t, b)
			b[end-3] ^= 0xff
			os.WriteFile(path, b, 0o600)
			return 1
		},
	}
	for name, tear := range tails {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			lost := tear(t, path)
			s := open(t, dir, Options{})
			if s.Len() != 50-lost {
				t.Fatalf("%d records after the torn write, want %d", s.Len(), 50-lost)
			}
			if _, err := os.Stat(path + ".torn"); err != nil {
				t.Fatalf("the torn end was not kept aside: %v", err)
			}
			if err := s.Put(approved("after", "99999999", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = open(t, dir, Options{})
			defer s.Close()
			if _, ok := s.Get("after"); !ok || s.Len() != 51-lost {
				t.Fatalf("after the repair: %d records, the new one found %v", s.Len(), ok)
			}
		})
	}
}

// The zeros preallocated after the last frame are the journal's clean end:
// nothing is cut or kept aside, and appends go on into them. On a system
// without preallocation, zeros appended after the last frame (its size
// reached the disk, its data did not) read the same.
func TestZerosAfterTheLastFrameAreTheEnd(t *testing.T) {
	for name, tail := range map[string]func(path string){
		"preallocated": func(string) {},
		"appended":     func(path string) { withoutTail(t, path); appendZeros(path, 4096) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			tail(path)
			s := open(t, dir, Options{})
			if s.Len() != 50 {
				t.Fatalf("%d records, want 50", s.Len())
			}
			if _, err := os.Stat(path + ".torn"); err == nil {
				t.Fatal("a clean end was kept aside as torn")
			}
			if err := s.Put(approved("after", "99999999", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = open(t, dir, Options{})
			defer s.Close()
			if _, ok := s.Get("after"); !ok || s.Len() != 51 {
				t.Fatalf("after reopening: %d records, the new one found %v", s.Len(), ok)
			}
		})
	}
}

func appendZeros(path string, n int) {
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(make([]byte, n))
	f.Close()
}

// faultyFile fails the store's writes or syncs on command.
type faultyFile struct {
	journalFile
	failWrite, failSync, partial bool
	syncs                        int
}

func (f *faultyFile) WriteAt(b []byte, off int64) (int, error) {
	if f.failWrite {
		if f.partial { // half the frame reaches the file, as on a full disk
			n, _ := f.journalFile.WriteAt(b[:len(b)/2], off)
			return n, errNoSpace
		}
		return 0, errNoSpace
	}
	return f.journalFile.WriteAt(b, off)
}

func (f *faultyFile) Sync() error {
	f.syncs++
	if f.failSync {
		return errNoSpace
	}
	return f.journalFile.Sync()
}

var errNoSpace = errors.New("no space left on device")

func TestFailedWritesLeaveNothingBehind(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*faultyFile)
		// broken: the cut-back could not be synced either, so the store
		// refuses every write until it is opened again.
		broken bool
	}{
		{"write fails", func(f *faultyFile) { f.failWrite = true }, false},
		{"half a frame written", func(f *faultyFile) { f.failWrite, f.partial = true, true }, false},
		{"sync fails", func(f *faultyFile) { f.failSync = true }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var ff *faultyFile
			s := open(t, dir, Options{wrap: func(f journalFile) journalFile { ff = &faultyFile{journalFile: f}; return ff }})
			if err := s.Put(approved("a", "1", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			c.set(ff)
			if err := s.Put(approved("b", "2", "20261124", 1000, "01")); !errors.Is(err, errNoSpace) {
				t.Fatalf("Put on a failing disk: %v", err)
			}
			if _, ok := s.Get("b"); ok {
				t.Fatal("a record the disk refused is in the index")
			}
			*ff = faultyFile{journalFile: ff.journalFile}
			err := s.Put(approved("c", "3", "20261124", 1000, "01"))
			if (err != nil) != c.broken {
				t.Fatalf("Put after the disk healed: %v (broken store: %v)", err, c.broken)
			}
			s.Close()
			s = open(t, dir, Options{})
			defer s.Close()
			_, okA := s.Get("a")
			_, okB := s.Get("b")
			_, okC := s.Get("c")
			if !okA || okB || okC == c.broken {
				t.Fatalf("after reopening: a %v, b %v (refused), c %v", okA, okB, okC)
			}
			if err := s.Put(approved("d", "4", "20261124", 1000, "01")); err != nil {
				t.Fatalf("a reopened store must write again: %v", err)
			}
		})
	}
}

// One Put is one sync: a payment's three durable steps cost three.
func TestOnePutOneSync(t *testing.T) {
	var ff *faultyFile
	s := open(t, t.TempDir(), Options{wrap: func(f journalFile) journalFile { ff = &faultyFile{journalFile: f}; return ff }})
	defer s.Close()
	for i := range 3 {
		if err := s.Put(approved("a", "1", "20261124", 1000, "01"), approved(fmt.Sprint("o", i), "2", "20261124", 1000, "01")); err != nil {
			t.Fatal(err)
		}
	}
	if ff.syncs != 3 {
		t.Fatalf("%d syncs for 3 Puts", ff.syncs)
	}
}

// A journal kept by an earlier termd in bbolt is imported once.
func TestBoltJournalIsImported(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, boltName)
	db, err := bolt.Open(old, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket(boltBucket)
		for i := range 20 {
			r := approved(fmt.Sprint("old", i), fmt.Sprint(i), "20261124", 1000, "01")
			r.Seq = uint64(i + 1)
			b.Put(binary.BigEndian.AppendUint64(nil, r.Seq), appendRecord(nil, r))
		}
		return b.SetSequence(20)
	})
	db.Close()
	s := open(t, dir, Options{})
	if s.Len() != 20 {
		t.Fatalf("%d records imported, want 20", s.Len())
	}
	s.Put(approved("new", "99", "20261124", 1000, "01"))
	if r, _ := s.Get("new"); r.Seq != 21 {
		t.Fatalf("seq after import %d, want 21", r.Seq)
	}
	s.Close()
	if _, err := os.Stat(old + ".imported"); err != nil {
		t.Fatal("the bbolt journal was not kept as .imported")
	}
	s = open(t, dir, Options{}) // not imported twice
	defer s.Close()
	if s.Len() != 21 {
		t.Fatalf("%d records after reopening, want 21", s.Len())
	}
}

func TestDamagedBoltJournalRefusesAndIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, boltName)
	os.WriteFile(old, []byte("not bbolt at all, but not empty either"), 0o600)
	before := hashFile(t, old)
	if _, err := Open(dir, Options{}, zaptest.NewLogger(t)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open: %v, want ErrCorrupt", err)
	}
	if hashFile(t, old) != before {
		t.Fatal("the damaged bbolt journal was modified")
	}
}

func TestRecentIsNewestFirstAndBounded(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	for i := range 5 {
		if err := s.Put(approved(fmt.Sprintf("r%d", i), fmt.Sprintf("%08d", i), "20261125", 1000, "01")); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Recent(3)
	if len(got) != 3 || got[0].Ptxid != "r4" || got[2].Ptxid != "r2" {
		t.Fatalf("recent: %v", got)
	}
	got[0].Status = StatusFailed
	if r, _ := s.Get("r4"); r.Status == StatusFailed {
		t.Fatal("Recent handed out the store's own record")
	}
}

// Compaction rewrites the journal while payments go on: what they journal
// meanwhile is in the new file, and only superseded versions are gone.
func TestCompactionKeepsWhatIsJournaledMeanwhile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for v := range 20 { // 100 records, 20 versions each: worth rewriting, however many Puts run first
		for i := range 100 {
			r := approved(fmt.Sprint("v", i), fmt.Sprint(i), "20261124", int64(1000+v), "01")
			if err := s.Put(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if err := s.Put(approved(fmt.Sprint("during", i), fmt.Sprint(1000+i), "20261124", 5000, "01")); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	if _, err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	<-done
	s.Put(approved("after", "9999", "20261124", 1, "01"))
	s.Close()
	before, _ := os.Stat(filepath.Join(dir, logName))
	s = open(t, dir, Options{})
	defer s.Close()
	if s.Len() != 301 {
		t.Fatalf("%d records after compaction, want 301", s.Len())
	}
	for _, id := range []string{"v0", "v99", "during0", "during199", "after"} {
		if _, ok := s.Get(id); !ok {
			t.Fatalf("%s lost by compaction", id)
		}
	}
	if r, _ := s.Get("v42"); r.ApprovalAmt != 1019 {
		t.Fatalf("v42 has amount %d, want its latest version's 1019", r.ApprovalAmt)
	}
	if s.frames > 400 {
		t.Fatalf("%d versions in the file (%d bytes) after compaction", s.frames, before.Size())
	}
}

// cutFails fails a write half way and the cut-back after it.
type cutFails struct {
	journalFile
	fail bool
}

func (f *cutFails) WriteAt(b []byte, off int64) (int, error) {
	if f.fail {
		n, _ := f.journalFile.WriteAt(b[:len(b)/2], off)
		return n, errNoSpace
	}
	return f.journalFile.WriteAt(b, off)
}

func (f *cutFails) Truncate(n int64) error {
	if f.fail {
		return errNoSpace
	}
	return f.journalFile.Truncate(n)
}

// A failed write that cannot be cut back leaves bytes the next frame must
// never follow: the store refuses writes, compaction writes a clean file
// (and writing goes on), and a restart settles the tail as a torn write.
func TestAFailedWriteThatCannotBeCutBack(t *testing.T) {
	for _, heal := range []string{"restart", "compaction"} {
		t.Run(heal, func(t *testing.T) {
			dir := t.TempDir()
			var ff *cutFails
			s := open(t, dir, Options{wrap: func(f journalFile) journalFile { ff = &cutFails{journalFile: f}; return ff }})
			for i := range 1100 { // versions enough to be worth compacting
				if err := s.Put(approved("a", "1", "20261124", int64(i), "01")); err != nil {
					t.Fatal(err)
				}
			}
			ff.fail = true
			b := approved("b", "2", "20261124", 1000, "01")
			b.Request = []byte(`{"note":"` + strings.Repeat("x", 500) + `"}`)
			if err := s.Put(b); err == nil {
				t.Fatal("Put succeeded on a failing disk")
			}
			ff.fail = false
			if err := s.Put(approved("c", "3", "20261124", 1000, "01")); err == nil {
				t.Fatal("a write went after an uncut failed write")
			}
			if heal == "compaction" {
				if _, err := s.Compact(); err != nil {
					t.Fatal(err)
				}
				if err := s.Put(approved("c", "3", "20261124", 1000, "01")); err != nil {
					t.Fatalf("after compaction: %v", err)
				}
			}
			s.Close()
			s = open(t, dir, Options{})
			defer s.Close()
			a, _ := s.Get("a")
			_, okB := s.Get("b")
			_, okC := s.Get("c")
			if a == nil || a.ApprovalAmt != 1099 || okB || okC != (heal == "compaction") {
				t.Fatalf("after reopening: a %+v, b %v, c %v", a, okB, okC)
			}
		})
	}
}

// A Put of nothing journals nothing: an empty frame would pass its
// checksums, then make the next Open refuse the whole journal as damaged.
func TestEmptyPutLeavesTheJournalOpenable(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if err := s.Put(approved("a", "1", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(dir, Options{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("a journal after an empty Put: %v", err)
	}
	defer s.Close()
	if _, ok := s.Get("a"); !ok {
		t.Fatal("record lost")
	}
}

// A record without ptxid is refused, not journaled: Open would refuse the
// whole journal for it.
func TestRecordWithoutPtxidIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if err := s.Put(approved("a", "1", "20261124", 1000, "01"), approved("", "2", "20261124", 1000, "01")); err == nil {
		t.Fatal("a record without ptxid was journaled")
	}
	if _, ok := s.Get("a"); ok {
		t.Fatal("the Put that was refused journaled part of its records")
	}
	s.Close()
	s, err := Open(dir, Options{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("the journal after a refused record: %v", err)
	}
	s.Close()
}
