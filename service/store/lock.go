package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
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
	for !tryLock(f) {
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("store: %s: %w: is another termd running with the same dataDir?", dir, ErrLocked)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f, nil
}
