package store

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-memdb"
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

	// wrap, in tests, puts a layer between the store and its file.
	wrap func(journalFile) journalFile
}

// Store is the journal and its index. Put is serialised; reads run
// concurrently with it and see whole transactions only.
type Store struct {
	opt  Options
	log  *zap.Logger
	dir  string
	path string
	lock *os.File // held while open: one termd per dataDir
	mem  *memdb.MemDB

	mu      sync.Mutex // one writer: the file and memdb in the same order
	file    journalFile
	end     int64  // where the next frame goes: the end of the last good one
	seq     uint64 // the last Seq given
	frames  int    // versions in the file, to tell when it is worth rewriting
	buf     []byte // the frame being written
	broken  error  // set when a failed write could not be cut back
	version atomic.Uint64
	// compacting serialises Compact, whose rewrite runs without mu.
	compacting sync.Mutex
}

// Open opens (creating if needed) the journal in dir and rebuilds the index.
// A journal kept by an earlier termd in bbolt (journal.db) is imported once.
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
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{opt: opt, log: log, dir: dir, path: filepath.Join(dir, logName), lock: lock}
	if err := s.open(); err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open() error {
	var err error
	if s.mem, err = memdb.NewMemDB(schema); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	os.Remove(s.path + ".tmp") // a rewrite that never finished
	if err := s.importBolt(); err != nil {
		return err
	}
	start := time.Now()
	latest, err := s.replay()
	if err != nil {
		return err
	}
	if err := s.index(latest); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	s.file = s.wrapped(f)
	s.log.Info("journal opened", zap.String("file", s.path), zap.Int("records", len(latest)),
		zap.Int("versions", s.frames), zap.Duration("took", time.Since(start)))
	return nil
}

func (s *Store) wrapped(f *os.File) journalFile {
	if s.opt.wrap != nil {
		return s.opt.wrap(f)
	}
	return f
}

// replay reads the journal (creating it if there is none) and returns the
// latest version of every record, cutting off a torn last frame.
func (s *Store) replay() (map[string]*Record, error) {
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 { // a new journal
		if err := writeAll(f, []byte(logMagic)); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", s.path, err)
		}
		s.end = int64(len(logMagic))
		return map[string]*Record{}, syncDir(s.dir)
	}
	fr := &frameReader{r: bufio.NewReaderSize(f, 1<<20), size: st.Size()}
	magic := make([]byte, len(logMagic))
	if _, err := io.ReadFull(fr.r, magic); err != nil || string(magic) != logMagic {
		return nil, corrupt(s.path, errors.New("not a termd journal"))
	}
	fr.good = int64(len(logMagic))
	latest := map[string]*Record{}
	for {
		recs, err := fr.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errBadFrame) && fr.torn(func() ([]byte, error) { return readFrom(f, fr.good) }) {
			if err := s.cutTorn(f, fr.good, fr.size); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, corrupt(s.path, fmt.Errorf("at byte %d: %w", fr.good, err))
		}
		for _, r := range recs {
			latest[r.Ptxid] = r
			s.seq = max(s.seq, r.Seq)
			s.frames++
		}
	}
	s.end = fr.good
	return latest, nil
}

// cutTorn keeps the torn tail aside and cuts it from the journal.
func (s *Store) cutTorn(f *os.File, good, size int64) error {
	tail, err := readFrom(f, good)
	if err != nil {
		return err
	}
	aside := s.path + ".torn"
	if err := os.WriteFile(aside, tail, 0o600); err != nil {
		return fmt.Errorf("store: keep the torn end of the journal in %s: %w", aside, err)
	}
	if err := f.Truncate(good); err != nil {
		return fmt.Errorf("store: cut the torn end of the journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	s.log.Warn("journal ended in a write cut short (a power cut?); it was never answered and is cut off, kept aside",
		zap.Int64("bytes", size-good), zap.String("aside", aside))
	return nil
}

// index builds the in-memory index from the latest versions, in arrival
// order: the radix trees then grow at their ends, which their write cache
// likes far better than random order.
func (s *Store) index(latest map[string]*Record) error {
	recs := make([]*Record, 0, len(latest))
	for _, r := range latest {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *Record) int { return cmp.Compare(a.Seq, b.Seq) })
	txn := s.mem.Txn(true)
	defer txn.Abort()
	for _, r := range recs {
		if err := txn.Insert(table, r); err != nil {
			return corrupt(s.path, fmt.Errorf("record %s: %w", r.Ptxid, err))
		}
	}
	txn.Commit()
	return nil
}

func corrupt(path string, err error) error {
	return fmt.Errorf("store: %s: %w (%v); termd will not start on it and has not changed it: "+
		"stop termd, move the file aside (keep it for recovery), restore the latest backup of it, and start again", path, ErrCorrupt, err)
}

// Close closes the journal.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.file.Close()
	s.lock.Close()
	return err
}

// Put journals records in one frame, made durable with one sync, then
// indexes them. A new ptxid gets the next Seq. The caller's records are
// not retained. A failed write leaves the journal and the index as they
// were.
func (s *Store) Put(recs ...*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	stored := make([]*Record, len(recs))
	seq := s.seq
	for i, in := range recs {
		r := in.Clone()
		if old, ok := s.get(r.Ptxid); ok {
			r.Seq, r.Created = old.Seq, old.Created
		} else {
			seq++
			r.Seq, r.Created = seq, now
		}
		r.Updated = now
		stored[i] = r
	}
	s.buf = appendFrame(s.buf[:0], stored)
	if err := s.append(s.buf); err != nil {
		return fmt.Errorf("store: journal %s: %w", recs[0].Ptxid, err)
	}
	s.seq = seq
	s.frames += len(stored)
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

// append writes a frame at the end and syncs it. On failure the end is
// cut back and synced, so neither a half-written frame nor a whole one
// whose Put failed can stay in front of the next one or come back after a
// power cut. If even that fails, the store is broken: every Put fails
// until termd restarts, and Open then settles the tail as a torn write.
func (s *Store) append(frame []byte) error {
	if s.broken != nil {
		return s.broken
	}
	if len(frame)-frameHead > maxFrame {
		return fmt.Errorf("a frame of %d bytes is over the journal's limit", len(frame))
	}
	_, err := s.file.WriteAt(frame, s.end)
	if err == nil {
		err = s.file.Sync()
	}
	if err != nil {
		terr := s.file.Truncate(s.end)
		if terr == nil {
			terr = s.file.Sync()
		}
		if terr != nil {
			s.broken = fmt.Errorf("journal unwritable after a failed write that could not be cut back (%v): %w", terr, err)
			s.log.Error("journal: a failed write could not be cut back; nothing more is written until termd restarts", zap.Error(s.broken))
		}
		return err
	}
	s.end += int64(len(frame))
	return nil
}

// Version changes whenever a Put or Compact changes what the store holds.
func (s *Store) Version() uint64 { return s.version.Load() }

func writeAll(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

func readFrom(f *os.File, off int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size()-off)
	_, err = f.ReadAt(b, off)
	if err == io.EOF {
		err = nil
	}
	return b, err
}
