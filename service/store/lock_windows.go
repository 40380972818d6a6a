package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// lockDir takes the journal's lock file, or fails with ErrLocked after
// 100 ms: a second termd on the same dataDir is refused, not queued.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "journal.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		ol := new(windows.Overlapped)
		err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return f, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("store: %s: %w: is another termd running with the same dataDir?", dir, ErrLocked)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncDir: Windows makes a rename durable with the file itself.
func syncDir(string) error { return nil }
