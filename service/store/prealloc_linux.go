//go:build linux

package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// preallocate gives f the disk blocks of [off, off+n), extending it: an
// append into them changes neither the file's size nor its block map, so
// fdatasync flushes the data alone, without a filesystem journal commit.
func preallocate(f *os.File, off, n int64) error {
	return unix.Fallocate(int(f.Fd()), 0, off, n)
}

// datasync makes f's data durable, with the metadata needed to read it
// back (its size, if it grew), not its times.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
