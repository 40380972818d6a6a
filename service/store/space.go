package store

import (
	"errors"
	"fmt"
)

// ErrLowSpace: the journal's disk has less free space than Options.MinFree.
var ErrLowSpace = errors.New("journal disk nearly full")

// Space reports ErrLowSpace when the disk holding the journal has less free
// space than the margin a transaction needs (Options.MinFree), so that a
// transaction is refused before it starts rather than left unjournaled
// half way. A disk whose free space cannot be read is not refused here:
// the writes themselves tell.
func (s *Store) Space() error {
	free, err := freeBytes(s.dir)
	if err != nil {
		return nil
	}
	if free < uint64(s.opt.MinFree) {
		return fmt.Errorf("store: %d bytes free, %d needed: %w", free, s.opt.MinFree, ErrLowSpace)
	}
	return nil
}
