package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

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

// errNoPtxid refuses a record a reopen could not index.
var errNoPtxid = errors.New("store: a record without ptxid cannot be journaled")

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
	keys keys

	mu   sync.Mutex // one writer: the file and the index in the same order
	file journalFile
	end  int64 // where the next frame goes: the end of the last good one
	size int64 // of the file: past end, zeros preallocated for appends
	// retryAt: preallocation was refused (no room, no support); it is
	// tried again once the journal has grown to here.
	retryAt int64
	seq     uint64 // the last Seq given
	frames  int    // versions in the file, to tell when it is worth rewriting
	buf     []byte // the frame being written
	enc     []byte // the records being written, encoded
	broken  error  // set when a failed write could not be cut back

	// rmu guards the read handle: held to read, locked to swap the file.
	rmu    sync.RWMutex
	reader *os.File
	// ixmu guards the index: held briefly, never across a file read.
	ixmu    sync.RWMutex
	ix      index
	version atomic.Uint64
	// unreadable is set when a record cannot be read back (the disk
	// fails): a lookup can then say "not found" for what exists, so the
	// engine refuses new transactions (Health).
	unreadable atomic.Pointer[error]
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
	s := &Store{opt: opt, log: log, dir: dir, path: filepath.Join(dir, logName), lock: lock,
		keys: keys{maphash.MakeSeed()}, ix: newIndex()}
	if err := s.open(); err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open() error {
	os.Remove(s.path + ".tmp") // a rewrite that never finished
	if err := s.importBolt(); err != nil {
		return err
	}
	start := time.Now()
	if err := s.replay(); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	s.file = s.wrapped(f)
	if s.reader, err = os.Open(s.path); err != nil {
		f.Close()
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	s.log.Info("journal opened", zap.String("file", s.path), zap.Int("records", len(s.ix.entries)),
		zap.Int("versions", s.frames), zap.Duration("took", time.Since(start)))
	return nil
}

func (s *Store) wrapped(f *os.File) journalFile {
	if s.opt.wrap != nil {
		return s.opt.wrap(f)
	}
	return f
}

// replay reads the journal (creating it if there is none) and indexes the
// latest version of every record, cutting off a torn last frame.
func (s *Store) replay() error {
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 { // a new journal
		if err := writeAll(f, []byte(logMagic)); err != nil {
			return fmt.Errorf("store: create %s: %w", s.path, err)
		}
		s.end = int64(len(logMagic))
		return syncDir(s.dir)
	}
	fr := &frameReader{r: bufio.NewReaderSize(f, 1<<20), size: st.Size()}
	magic := make([]byte, len(logMagic))
	if _, err := io.ReadFull(fr.r, magic); err != nil || string(magic) != logMagic {
		return corrupt(s.path, errors.New("not a termd journal"))
	}
	fr.good = int64(len(logMagic))
	b := newBuilder(s.keys)
	for {
		at := fr.good + frameHead
		payload, err := fr.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errZeros) {
			rest, rerr := readFrom(f, fr.good)
			if rerr != nil {
				return fmt.Errorf("store: read %s: %w", s.path, rerr)
			}
			if allZero(rest) { // the preallocated tail: the clean end
				break
			}
		}
		if errors.Is(err, errBadFrame) && fr.torn(func() ([]byte, error) { return readFrom(f, fr.good) }) {
			if err := s.cutTorn(f, fr.good, fr.reach); err != nil {
				return err
			}
			fr.size = fr.good
			break
		}
		if err == nil {
			err = eachRecord(payload, func(off int, raw []byte) error { return b.add(at+int64(off), raw) })
		}
		if err != nil {
			return corrupt(s.path, fmt.Errorf("at byte %d: %w", fr.good, err))
		}
		fr.advance()
	}
	s.end, s.seq, s.frames = fr.good, b.seq, b.versions
	s.size = max(fr.size, s.end)
	s.ix = b.index()
	return nil
}

func allZero(b []byte) bool { return len(bytes.TrimRight(b, "\x00")) == 0 }

// cutTorn keeps the torn tail aside and cuts it from the journal. reach
// is where the torn frame ends by its length field (-1 if unreadable): the
// zeros up to there are the frame's own, those after it preallocated.
func (s *Store) cutTorn(f *os.File, good, reach int64) error {
	tail, err := readFrom(f, good)
	if err != nil {
		return err
	}
	own := min(max(reach-good, 0), int64(len(tail)))
	tail = tail[:max(int64(len(bytes.TrimRight(tail, "\x00"))), own)]
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
		zap.Int("bytes", len(tail)), zap.String("aside", aside))
	return nil
}

// trimTail cuts off the zeros preallocated past the last frame. A termd
// from before preallocation, started on the journal after a downgrade
// (which follows a clean stop), would take them for a torn write: a power
// cut reported, megabytes of zeros written over journal.log.torn. Failing
// here is harmless: a new termd reads the tail as the clean end.
func (s *Store) trimTail() {
	if s.broken != nil || s.size <= s.end {
		return
	}
	err := s.file.Truncate(s.end)
	if err == nil {
		err = s.file.Sync()
	}
	if err != nil {
		s.log.Warn("journal: its preallocated tail could not be cut off at close", zap.Error(err))
		return
	}
	s.size = s.end
}

func corrupt(path string, err error) error {
	return fmt.Errorf("store: %s: %w (%v); termd will not start on it and has not changed it: "+
		"stop termd, move the file aside (keep it for recovery), restore the latest backup of it, and start again", path, ErrCorrupt, err)
}

// Close closes the journal, ending it at its last frame.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trimTail()
	err := s.file.Close()
	s.rmu.Lock()
	s.reader.Close()
	s.rmu.Unlock()
	s.lock.Close()
	return err
}

// Put journals records in one frame, made durable with one sync, then
// indexes them. A new ptxid gets the next Seq. The caller's records are
// not retained. A failed write leaves the journal and the index as they
// were. A Put of nothing writes nothing: Open refuses an empty frame as
// damage.
func (s *Store) Put(recs ...*Record) error {
	if len(recs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	stored := make([]*Record, len(recs))
	prevs := make([]*Record, len(recs))
	slots := make([]int32, len(recs))
	next := int32(len(s.ix.entries)) // only this writer adds entries
	seq := s.seq
	for i, in := range recs {
		if in.Ptxid == "" { // Open would refuse the journal for it
			return errNoPtxid
		}
		r := in.Clone()
		slot, prev, err := s.current(r.Ptxid, stored[:i], slots[:i])
		if err != nil {
			s.unreadableNow(err) // a read failed, not a write: say so
			return fmt.Errorf("store: journal %s: %w", r.Ptxid, err)
		}
		if prev != nil {
			r.Seq, r.Created = prev.Seq, prev.Created
		} else {
			seq++
			r.Seq, r.Created, slot = seq, now, next
			next++
		}
		r.Updated = now
		stored[i], prevs[i], slots[i] = r, prev, slot
	}
	at, err := s.write(stored)
	if err != nil {
		return fmt.Errorf("store: journal %s: %w", recs[0].Ptxid, err)
	}
	s.ixmu.Lock()
	for i, r := range stored {
		s.ix.put(s.keys, slots[i], at[i], prevs[i], r)
	}
	s.ixmu.Unlock()
	s.seq = seq
	s.frames += len(recs)
	s.version.Add(1)
	return nil
}

// write journals recs in one frame and returns where each one's encoding
// starts in the file, and its length.
func (s *Store) write(recs []*Record) ([]span, error) {
	s.enc = s.enc[:0]
	ends := make([]int, len(recs)+1)
	for i, r := range recs {
		s.enc = appendRecord(s.enc, r)
		ends[i+1] = len(s.enc)
	}
	raws := make([][]byte, len(recs))
	for i := range raws {
		raws[i] = s.enc[ends[i]:ends[i+1]]
	}
	var at []int
	s.buf, at = appendFrame(s.buf[:0], raws, at)
	start := s.end
	if err := s.append(s.buf); err != nil {
		return nil, err
	}
	out := make([]span, len(recs))
	for i := range out {
		out[i] = span{start + int64(at[i]), uint32(len(raws[i]))}
	}
	return out, nil
}

// current finds the stored version of ptxid: earlier in the batch being
// put, else in the journal. Called with s.mu held.
func (s *Store) current(ptxid string, batch []*Record, slots []int32) (int32, *Record, error) {
	for i := len(batch) - 1; i >= 0; i-- {
		if batch[i].Ptxid == ptxid {
			return slots[i], batch[i], nil
		}
	}
	slot, r, err := s.find(ptxid)
	if err != nil || r == nil {
		return -1, nil, err
	}
	return slot, r, nil
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
	s.preallocate(int64(len(frame)))
	_, err := s.file.WriteAt(frame, s.end)
	if err == nil {
		err = s.datasync()
	}
	if err != nil {
		terr := s.file.Truncate(s.end)
		if terr == nil {
			s.size = s.end
			terr = s.file.Sync()
		}
		if terr != nil {
			s.broken = fmt.Errorf("journal unwritable after a failed write that could not be cut back (%v): %w", terr, err)
			s.log.Error("journal: a failed write could not be cut back; nothing more is written until termd restarts", zap.Error(s.broken))
		}
		return err
	}
	s.end += int64(len(frame))
	s.size = max(s.size, s.end)
	return nil
}

// preallocChunk is how much the journal is extended by at a time: about
// two thousand payments.
const preallocChunk = 4 << 20

// preallocate makes sure the next n bytes go into blocks the file already
// has, so that most syncs are a data sync alone (0.13 ms against 0.19 ms
// for a growing file on the disks measured; see prealloc_linux.go). Where it cannot (another
// system, a disk short of room, a file layer in tests), appends grow the
// file as they always did: that is slower, not less safe. A disk short of
// room is one with under 16 chunks free: there a chunk is not taken from
// whatever else needs the space.
func (s *Store) preallocate(n int64) {
	if s.end+n <= s.size {
		return
	}
	f, ok := s.file.(*os.File)
	if l, isLayer := s.file.(interface{ osFile() *os.File }); isLayer {
		f, ok = l.osFile(), true // a test's layer that keeps the real file's preallocation
	}
	if !ok {
		return
	}
	if s.end < s.retryAt { // refused lately: not asked again at every Put
		return
	}
	free, err := freeBytes(s.dir)
	if err == nil && free >= 16*preallocChunk {
		err = preallocate(f, s.size, max(n, preallocChunk))
	}
	if err != nil || free < 16*preallocChunk {
		s.retryAt = s.end + preallocChunk
		return
	}
	s.size += max(n, preallocChunk)
}

// datasync makes the last append durable.
func (s *Store) datasync() error {
	if f, ok := s.file.(*os.File); ok {
		return datasync(f)
	}
	return s.file.Sync()
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
