//go:build linux

package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
)

// The shapes a power cut or a damaged disk can leave in a journal whose
// end lies inside a preallocated chunk, and what Open must make of each:
// a write never answered is cut off (kept aside), anything that could hide
// an answered record refuses to start, and in every case that opens the
// answered records are all there and nothing else is.

// ends opens the journal in dir to learn where its last frame ends and how
// big the file is, and lets go of it with its tail.
func ends(t *testing.T, dir string) (end, size int64) {
	t.Helper()
	s := open(t, dir, Options{})
	end, size = s.end, s.size
	abandon(s)
	return end, size
}

// writeAt writes b into the journal at off, as a disk might have kept it.
func writeAt(t *testing.T, path string, b []byte, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// aFrame is a frame that passes both its checksums; its payload is not
// records, so a journal holding it whole past its last frame is damage.
func aFrame(n int) []byte {
	b, _ := appendFrame(nil, [][]byte{bytes.Repeat([]byte("r"), n)}, nil)
	return b
}

// holdsExactly fails unless the store holds p0..p(n-1) and the extra ids,
// and nothing else.
func holdsExactly(t *testing.T, s *Store, n int, extra ...string) {
	t.Helper()
	if s.Len() != n+len(extra) {
		t.Fatalf("%d records, want %d", s.Len(), n+len(extra))
	}
	for i := range n {
		if _, ok := s.Get(fmt.Sprint("p", i)); !ok {
			t.Fatalf("answered record p%d lost", i)
		}
	}
	for _, id := range extra {
		if _, ok := s.Get(id); !ok {
			t.Fatalf("answered record %s lost", id)
		}
	}
}

// putAndReopen journals one more record and checks a reopen finds it and
// the n before it.
func putAndReopen(t *testing.T, dir string, s *Store, n int) {
	t.Helper()
	if err := s.Put(approved("after", "99999999", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	holdsExactly(t, s, n, "after")
}

func TestPowerCutShapesInThePreallocatedTail(t *testing.T) {
	type shape struct {
		damage func(t *testing.T, path string, end, size int64) (torn []byte)
		refuse bool
	}
	shapes := map[string]shape{
		"a write torn inside the chunk (header and part of its payload kept)": {damage: func(t *testing.T, path string, end, _ int64) []byte {
			fr := aFrame(600)
			writeAt(t, path, fr[:300], end)
			// Kept aside up to where its length field says it ends.
			return append(fr[:300:300], make([]byte, len(fr)-300)...)
		}},
		"a write whose header page was lost, its payload page kept": {damage: func(t *testing.T, path string, end, _ int64) []byte {
			fr := aFrame(600)
			clear(fr[:frameHead])
			writeAt(t, path, fr, end)
			return fr
		}},
		"a zero header with a valid frame after it": {refuse: true, damage: func(t *testing.T, path string, end, _ int64) []byte {
			writeAt(t, path, aFrame(200), end+4096)
			return nil
		}},
		"an answered frame's header zeroed, answered frames after it": {refuse: true, damage: func(t *testing.T, path string, _, _ int64) []byte {
			b, _ := os.ReadFile(path)
			writeAt(t, path, make([]byte, frameHead), int64(len(logMagic)+frameHead+int(beUint32(b[len(logMagic):]))))
			return nil
		}},
	}
	for name, c := range shapes {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			end, size := ends(t, dir)
			if size < end+preallocChunk/2 {
				t.Fatalf("journal of %d bytes ending at %d: no preallocated tail, the test proves nothing", size, end)
			}
			torn := c.damage(t, path, end, size)
			before := hashFile(t, path)
			s, err := Open(dir, Options{}, zap.NewNop())
			if c.refuse {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open: %v, want ErrCorrupt", err)
				}
				if hashFile(t, path) != before {
					t.Fatal("a refused journal was changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			holdsExactly(t, s, 50)
			if aside, err := os.ReadFile(path + ".torn"); err != nil || !bytes.Equal(aside, torn) {
				t.Fatalf("kept aside %d bytes (%v), want the %d of the torn write", len(aside), err, len(torn))
			}
			putAndReopen(t, dir, s, 50)
		})
	}
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Bytes far past the last frame, in a tail no write of termd's reached,
// and no valid frame among them: no answered record can be there, so they
// are set aside like a torn write (as they were before preallocation), and
// kept.
func TestGarbageFarInTheTailIsSetAside(t *testing.T) {
	dir := t.TempDir()
	fiftyRecords(t, dir)
	path := filepath.Join(dir, logName)
	end, size := ends(t, dir)
	junk := bytes.Repeat([]byte{0xa5}, 64)
	writeAt(t, path, junk, size-100)
	s := open(t, dir, Options{})
	holdsExactly(t, s, 50)
	if aside, _ := os.ReadFile(path + ".torn"); int64(len(aside)) != size-100+64-end || !bytes.HasSuffix(aside, junk) {
		t.Fatalf("kept aside %d bytes, want the %d from the last frame to the junk's end", len(aside), size-100+64-end)
	}
	putAndReopen(t, dir, s, 50)
}

// framesOf is the size of the frame of one approval like fiftyRecords'.
func frameOf(t *testing.T) int64 {
	t.Helper()
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	before := s.end
	if err := s.Put(approved("p50", "50", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	return s.end - before
}

func TestChunkBoundaries(t *testing.T) {
	n := frameOf(t)
	for name, room := range map[string]int64{
		"a frame ending exactly at the file's end": n,
		"a frame larger than the room left":        n / 2,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			end, _ := ends(t, dir)
			if err := os.Truncate(path, end+room); err != nil {
				t.Fatal(err)
			}
			s := open(t, dir, Options{})
			if err := s.Put(approved("p50", "50", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(path)
			if room == n && st.Size() != end+n {
				t.Fatalf("a frame that fit took a new chunk: %d bytes, want %d", st.Size(), end+n)
			}
			if room < n && st.Size() != end+room+preallocChunk {
				t.Fatalf("a frame that did not fit: %d bytes, want a new chunk after the old end (%d)", st.Size(), end+room+preallocChunk)
			}
			s.Close()
			s = open(t, dir, Options{}) // the frame ending at the file's end is the clean end
			if room == n {
				if err := s.Put(approved("p51", "51", "20261124", 1000, "01")); err != nil {
					t.Fatal(err)
				}
				if st, _ := os.Stat(path); st.Size() != end+n+preallocChunk {
					t.Fatalf("the next append after a full chunk: %d bytes, want a new chunk (%d)", st.Size(), end+n+preallocChunk)
				}
				s.Close()
				s = open(t, dir, Options{})
				defer s.Close()
				holdsExactly(t, s, 52)
				return
			}
			putAndReopen(t, dir, s, 51)
		})
	}
}

// Compaction puts a file in place that ends at its last frame; appends
// after it preallocate again, and a reopen finds them.
func TestCompactionSwapThenPreallocatesAgain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	s := open(t, dir, Options{Retention: 30 * 24 * time.Hour, Now: func() time.Time { return now }})
	s.Put(approved("old", "1", "20261001", 1000, "01"))
	now = now.Add(31 * 24 * time.Hour)
	for i := range 50 {
		s.Put(approved(fmt.Sprint("p", i), fmt.Sprint(i), "20261225", 1000, "01"))
	}
	if n, err := s.Compact(); err != nil || n != 1 {
		t.Fatalf("compaction removed %d (%v), want the old record", n, err)
	}
	if st, _ := os.Stat(path); st.Size() != s.end || s.size != s.end {
		t.Fatalf("after compaction: file %d bytes, store thinks %d, last frame ends at %d", st.Size(), s.size, s.end)
	}
	if err := s.Put(approved("p50", "50", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Size() < s.end+preallocChunk/2 {
		t.Fatalf("after compaction appends no longer preallocate: %d bytes ending at %d", st.Size(), s.end)
	}
	putAndReopen(t, dir, s, 51)
}

// A chunk whose last frame ends less than a frame header short of its end
// leaves a few zeros: the same clean end as a longer zero tail. termd
// stopped there must reopen without calling it a power cut, and without
// overwriting the bytes an earlier real one kept aside.
func TestAShortZeroTailIsTheCleanEnd(t *testing.T) {
	for k := int64(1); k < frameHead; k++ {
		t.Run(fmt.Sprint(k, " zeros"), func(t *testing.T) {
			dir := t.TempDir()
			fiftyRecords(t, dir)
			path := filepath.Join(dir, logName)
			end, _ := ends(t, dir)
			if err := os.Truncate(path, end+k); err != nil {
				t.Fatal(err)
			}
			earlier := []byte("the bytes of an earlier torn write")
			os.WriteFile(path+".torn", earlier, 0o600)
			s := open(t, dir, Options{})
			holdsExactly(t, s, 50)
			if aside, _ := os.ReadFile(path + ".torn"); !bytes.Equal(aside, earlier) {
				t.Fatalf("a clean end was kept aside as torn: %q", aside)
			}
			if st, _ := os.Stat(path); st.Size() != end+k {
				t.Fatalf("the clean end was cut: %d bytes, want %d", st.Size(), end+k)
			}
			putAndReopen(t, dir, s, 50)
		})
	}
}

// A torn write kept aside is kept whole: the zeros its length field says
// are its own are not the preallocated tail, and whoever recovers it needs
// them for its checksums.
func TestTheTornWriteKeptAsideKeepsItsOwnZeros(t *testing.T) {
	dir := t.TempDir()
	fiftyRecords(t, dir)
	path := filepath.Join(dir, logName)
	end, _ := ends(t, dir)
	fr, _ := appendFrame(nil, [][]byte{append(bytes.Repeat([]byte("r"), 100), 0, 0, 0, 0)}, nil)
	fr[frameHead+20] ^= 0xff // whole, but a page of it never reached the disk
	writeAt(t, path, fr, end)
	s := open(t, dir, Options{})
	holdsExactly(t, s, 50)
	if aside, _ := os.ReadFile(path + ".torn"); !bytes.Equal(aside, fr) {
		t.Fatalf("kept aside %d bytes, want the torn frame's %d", len(aside), len(fr))
	}
	putAndReopen(t, dir, s, 50)
}

// preallocFaultyFile fails writes or syncs on command and, unlike
// faultyFile, lets the store preallocate the file under it, as the real
// one does.
type preallocFaultyFile struct {
	*faultyFile
	f *os.File
}

func (p preallocFaultyFile) osFile() *os.File { return p.f }

// A failed append into the preallocated chunk is cut back with the chunk's
// tail; the next append preallocates again, and a reopen finds the answered
// records and not the refused one.
func TestAFailedAppendIntoTheChunkIsCutBack(t *testing.T) {
	for name, set := range map[string]func(*faultyFile){
		"write fails":          func(f *faultyFile) { f.failWrite = true },
		"half a frame written": func(f *faultyFile) { f.failWrite, f.partial = true, true },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, logName)
			var ff *faultyFile
			s := open(t, dir, Options{wrap: func(f journalFile) journalFile {
				ff = &faultyFile{journalFile: f}
				return preallocFaultyFile{ff, f.(*os.File)}
			}})
			if err := s.Put(approved("p0", "1", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			if st, _ := os.Stat(path); st.Size() < preallocChunk {
				t.Fatalf("journal of %d bytes: the layer kept the store from preallocating, the test proves nothing", st.Size())
			}
			set(ff)
			if err := s.Put(approved("refused", "2", "20261124", 1000, "01")); !errors.Is(err, errNoSpace) {
				t.Fatalf("Put on a failing disk: %v", err)
			}
			if st, _ := os.Stat(path); st.Size() != s.end {
				t.Fatalf("after a failed append the file is %d bytes, want it cut back to %d", st.Size(), s.end)
			}
			*ff = faultyFile{journalFile: ff.journalFile}
			if err := s.Put(approved("p1", "3", "20261124", 1000, "01")); err != nil {
				t.Fatal(err)
			}
			if st, _ := os.Stat(path); st.Size() < s.end+preallocChunk/2 {
				t.Fatalf("the append after a cut-back did not preallocate: %d bytes ending at %d", st.Size(), s.end)
			}
			putAndReopen(t, dir, s, 2)
		})
	}
}

// termd before preallocation reads a zero tail as a torn write: it warns
// of a power cut and writes the tail's megabytes of zeros over
// journal.log.torn. A downgrade follows a clean stop, so Close leaves the
// journal ending at its last frame, as that termd wrote it; the next
// append preallocates again.
func TestCloseLeavesNoTailForAnOlderTermd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	fiftyRecords(t, dir)
	s := open(t, dir, Options{})
	end := s.end
	s.Close()
	if st, _ := os.Stat(path); st.Size() != end {
		t.Fatalf("closed journal of %d bytes, its last frame ends at %d", st.Size(), end)
	}
	s = open(t, dir, Options{})
	if err := s.Put(approved("p50", "50", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Size() < s.end+preallocChunk/2 {
		t.Fatalf("reopened, the journal no longer preallocates: %d bytes ending at %d", st.Size(), s.end)
	}
	putAndReopen(t, dir, s, 51)
}
