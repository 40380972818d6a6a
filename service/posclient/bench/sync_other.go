//go:build !linux

package bench

import (
	"errors"
	"os"
)

func preallocate(*os.File, int64) error { return errors.ErrUnsupported }

func datasync(f *os.File) error { return f.Sync() }
