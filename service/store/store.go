package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-memdb"
	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
	"go.uber.org/zap"
)

// Errors of Open.
var (
	// ErrLocked: another process (another termd) holds the journal.
	ErrLocked = errors.New("journal locked by another process")
	// ErrCorrupt: the journal cannot be read; it is left untouched.
	ErrCorrupt = errors.New("journal damaged")
	// ErrNoDir: the data folder cannot be created.
	ErrNoDir = errors.New("cannot create the data folder")
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// Retention is how long records are kept by Compact (400 days).
	// Unsettled records are never removed.
	Retention time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
	// MinFree is the free disk space below which Space refuses new
	// transactions (4 MiB: far more than a day of records, so a
	// transaction admitted can always be finished).
	MinFree int64
}

const (
	fileName = "journal.db"
)

var bucket = []byte("tx")

// Store is the journal and its index. Put is serialised; reads run
// concurrently with it and see whole transactions only.
type Store struct {
	opt  Options
	log  *zap.Logger
	dir  string
	path string
	db   *bolt.DB
	mem  *memdb.MemDB
	mu   sync.Mutex // one writer: bbolt and memdb in the same order
	// version counts the changes to the index, so readers can tell
	// whether what they derived from it is still current.
	version atomic.Uint64
}

// Open opens (creating if needed) the journal in dir and rebuilds the index.
func Open(dir string, opt Options, log *zap.Logger) (*Store, error) {
	if opt.Retention <= 0 {
		opt.Retention = 400 * 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MinFree <= 0 {
		opt.MinFree = 4 << 20
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: %w: %w", ErrNoDir, err)
	}
	path := filepath.Join(dir, fileName)
	db, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	s := &Store{opt: opt, log: log, dir: dir, path: path, db: db}
	if s.mem, err = memdb.NewMemDB(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	start := time.Now()
	n, err := s.rebuild()
	if err != nil {
		db.Close()
		return nil, err
	}
	log.Info("journal opened", zap.String("file", path), zap.Int("records", n), zap.Duration("took", time.Since(start)))
	return s, nil
}

func openBolt(path string) (db *bolt.DB, err error) {
	existed := fileExists(path)
	defer func() {
		if r := recover(); r != nil { // bbolt panics on some damaged files
			db, err = nil, corrupt(path, fmt.Errorf("%v", r))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	switch {
	case errors.Is(err, bolterr.ErrTimeout):
		return nil, fmt.Errorf("store: %s: %w: is another termd running with the same dataDir?", path, ErrLocked)
	case err != nil && existed && !errors.Is(err, os.ErrPermission):
		return nil, corrupt(path, err)
	case err != nil:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if !existed { // a new journal: the only write before validation
		err = db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket(bucket)
			return err
		})
	} else {
		err = db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucket) == nil {
				return errors.New("no transactions bucket")
			}
			return nil
		})
	}
	if err != nil {
		db.Close()
		return nil, corrupt(path, err)
	}
	return db, nil
}

func corrupt(path string, err error) error {
	return fmt.Errorf("store: %s: %w (%v); termd will not start on it and has not changed it: "+
		"stop termd, move the file aside (keep it for recovery), restore the latest backup of it, and start again", path, ErrCorrupt, err)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

// rebuild loads every journaled record into the index. A record that does
// not decode, or a page bbolt cannot read, is corruption: it stops Open.
func (s *Store) rebuild() (n int, err error) {
	defer func() {
		if r := recover(); r != nil { // bbolt panics on some damaged pages
			err = corrupt(s.path, fmt.Errorf("%v", r))
		}
	}()
	txn := s.mem.Txn(true)
	defer txn.Abort()
	err = s.db.View(func(tx *bolt.Tx) error {
		// bbolt has no page checksums: walk its structure once, and
		// every record carries its own CRC (see encode).
		for err := range tx.Check() {
			return corrupt(s.path, err)
		}
		b := tx.Bucket(bucket)
		return b.ForEach(func(k, v []byte) error {
			r, err := decode(v)
			if err != nil {
				return corrupt(s.path, fmt.Errorf("record %x: %w", k, err))
			}
			n++
			return txn.Insert(table, r)
		})
	})
	if err != nil {
		return 0, err
	}
	txn.Commit()
	return n, nil
}

// Close closes the journal.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Close()
}

// Put journals records in one synced transaction, then indexes them. A new
// ptxid gets the next Seq. The caller's records are not retained.
func (s *Store) Put(recs ...*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	stored := make([]*Record, len(recs))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for i, in := range recs {
			r := in.Clone()
			if old, ok := s.get(r.Ptxid); ok {
				r.Seq, r.Created = old.Seq, old.Created
			} else {
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				r.Seq, r.Created = seq, now
			}
			r.Updated = now
			v, err := encode(r)
			if err != nil {
				return err
			}
			if err := b.Put(key(r.Seq), v); err != nil {
				return err
			}
			stored[i] = r
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: journal %s: %w", recs[0].Ptxid, err)
	}
	txn := s.mem.Txn(true)
	for _, r := range stored {
		if err := txn.Insert(table, r); err != nil {
			txn.Abort()
			return fmt.Errorf("store: index %s: %w", r.Ptxid, err)
		}
	}
	txn.Commit()
	s.version.Add(1)
	return nil
}

// Version changes whenever a Put or Compact changes what the store holds.
func (s *Store) Version() uint64 { return s.version.Load() }

func key(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}
