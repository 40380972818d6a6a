//go:build linux

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// On Linux the journal is extended a chunk at a time and appends go into
// the chunk, so their syncs are data syncs: the file's size stays put
// while records are added, and a reopen finds every record and goes on
// where the last one ended.
func TestAppendsGoIntoPreallocatedSpace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	s := open(t, dir, Options{})
	if err := s.Put(approved("p0", "0", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	first, _ := os.Stat(path)
	if first.Size() < preallocChunk {
		t.Fatalf("journal of %d bytes after a Put, want a preallocated chunk of %d", first.Size(), preallocChunk)
	}
	for i := 1; i < 100; i++ {
		if err := s.Put(approved(fmt.Sprint("p", i), fmt.Sprint(i), "20261124", 1000, "01")); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := os.Stat(path); st.Size() != first.Size() {
		t.Fatalf("the journal grew from %d to %d bytes inside its preallocated chunk", first.Size(), st.Size())
	}
	end := s.end
	s.Close()
	s = open(t, dir, Options{})
	defer s.Close()
	if s.Len() != 100 || s.end != end {
		t.Fatalf("reopened: %d records ending at %d, want 100 ending at %d", s.Len(), s.end, end)
	}
	if err := s.Put(approved("p100", "100", "20261124", 1000, "01")); err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Get("p100"); !ok || r.Seq != 101 {
		t.Fatalf("the record after reopening: %+v", r)
	}
}
