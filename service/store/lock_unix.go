//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
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
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("store: %s: %w: is another termd running with the same dataDir?", dir, ErrLocked)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncDir makes a file created or renamed in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
