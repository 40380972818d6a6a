//go:build !linux

package store

import (
	"errors"
	"os"
)

// preallocate is not done here: the journal grows with each append.
func preallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }

func datasync(f *os.File) error { return f.Sync() }
