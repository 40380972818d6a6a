//go:build linux

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// On a disk that fills up, the preallocated chunk is room already taken:
// payments go on being journaled into it, and once it is used up the next
// write fails cleanly (cut back, not indexed), as on a journal that grows.
// Needs root, for a small tmpfs to fill.
func TestAFullDiskStillTakesRecordsIntoTheChunk(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=72m,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	path := filepath.Join(dir, logName)
	s := open(t, dir, Options{})
	defer func() { s.Close() }()
	big := func(i int) *Record {
		r := approved(fmt.Sprint("p", i), fmt.Sprint(i), "20261124", 1000, "01")
		r.Final = []byte(`{"resultCode":"0000","pad":"` + strings.Repeat("x", 100<<10) + `"}`)
		return r
	}
	if err := s.Put(big(0)); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Size() < preallocChunk {
		t.Fatalf("journal of %d bytes: no chunk preallocated, the test proves nothing", st.Size())
	}
	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	room := (s.size - s.end) / (s.end - int64(len(logMagic)))
	n := 1
	for ; ; n++ {
		err := s.Put(big(n))
		if err == nil {
			continue
		}
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Put past the chunk on a full disk: %v, want no space left", err)
		}
		break
	}
	t.Logf("%d records of %d bytes journaled into the chunk on a full disk", n-1, s.end/int64(n))
	if int64(n-1) < room {
		t.Fatalf("%d records journaled on the full disk, the chunk had room for %d", n-1, room)
	}
	if _, ok := s.Get(fmt.Sprint("p", n)); ok {
		t.Fatal("the record the full disk refused is in the index")
	}
	if st, _ := os.Stat(path); st.Size() != s.end {
		t.Fatalf("after the refused write the journal is %d bytes, want it cut back to %d", st.Size(), s.end)
	}
	os.Remove(filler)
	if err := s.Put(big(n)); err != nil {
		t.Fatalf("Put once the disk has room again: %v", err)
	}
	s.Close()
	s = open(t, dir, Options{})
	if s.Len() != n+1 {
		t.Fatalf("reopened: %d records, want the %d answered", s.Len(), n+1)
	}
	for i := 0; i <= n; i++ {
		if _, ok := s.Get(fmt.Sprint("p", i)); !ok {
			t.Fatalf("answered record p%d lost", i)
		}
	}
}

// fillDisk writes path until the disk has no room left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 64<<10)
	for {
		if _, err := f.Write(b); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}
