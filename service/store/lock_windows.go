package store

import (
	"os"

	"golang.org/x/sys/windows"
)

// tryLock takes f's exclusive lock if no other process holds it.
func tryLock(f *os.File) bool {
	ol := new(windows.Overlapped)
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol) == nil
}

// syncDir: Windows makes a rename durable with the file itself.
func syncDir(string) error { return nil }
