package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// Before journal.log, termd kept its journal in bbolt (journal.db). Open
// imports such a journal once: every record into a new journal.log, then
// the old file is renamed journal.db.imported and kept.

const boltName = "journal.db"

var boltBucket = []byte("tx")

func (s *Store) importBolt() error {
	old := filepath.Join(s.dir, boltName)
	if st, err := os.Stat(old); err != nil || st.Size() == 0 {
		return nil
	}
	if st, err := os.Stat(s.path); err == nil && st.Size() > 0 {
		return nil // imported before; the rename did not happen
	}
	recs, err := readBolt(old)
	if err != nil {
		return err
	}
	if err := s.rewrite(recs); err != nil {
		return fmt.Errorf("store: import %s: %w", old, err)
	}
	if err := os.Rename(old, old+".imported"); err != nil {
		return fmt.Errorf("store: import %s: %w", old, err)
	}
	s.log.Info("journal imported from bbolt", zap.String("from", old), zap.Int("records", len(recs)))
	return nil
}

// readBolt reads every record of a bbolt journal, refusing a damaged one.
func readBolt(path string) (recs []*Record, err error) {
	defer func() {
		if r := recover(); r != nil { // bbolt panics on some damaged files
			err = corrupt(path, fmt.Errorf("%v", r))
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond, ReadOnly: true})
	if err != nil {
		return nil, corrupt(path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		b := tx.Bucket(boltBucket)
		if b == nil {
			return errors.New("no transactions bucket")
		}
		return b.ForEach(func(k, v []byte) error {
			r, err := decode(v)
			if err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return nil, corrupt(path, err)
	}
	return recs, nil
}

// rewrite replaces journal.log with one holding recs, through a synced
// temporary file, so a crash leaves the old journal or the new.
func (s *Store) rewrite(recs []*Record) error {
	tmp := s.path + ".tmp"
	err := writeJournal(tmp, recs)
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(s.dir)
}

// writeJournal writes a new journal file holding recs, synced.
func writeJournal(path string, recs []*Record) error {
	w, err := createJournal(path)
	if err != nil {
		return err
	}
	var enc []byte
	for _, r := range recs {
		enc = appendRecord(enc[:0], r)
		if err := w.add(enc); err != nil {
			w.abort()
			return err
		}
	}
	return w.finish()
}
