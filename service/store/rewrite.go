package store

import (
	"os"
)

// journalWriter writes a new journal file (an import, a compaction): the
// magic line, then frames of up to 64 records, written in large writes and
// synced once at the end.
type journalWriter struct {
	f     *os.File
	b     []byte // written to the file when it passes 1 MiB
	off   int64  // the file offset of b[0]
	pend  []byte // the encodings of the records of the next frame
	ends  []int  // where each of them ends in pend
	raws  [][]byte
	at    []int
	spans []span // of every record added, in order
}

func createJournal(path string) (*journalWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &journalWriter{f: f, b: append(make([]byte, 0, 1<<20+maxFrame), logMagic...)}, nil
}

// add appends a record's encoding (copied) to the journal.
func (w *journalWriter) add(raw []byte) error {
	if len(w.ends) == 64 || (len(w.ends) > 0 && len(w.pend)+len(raw) > maxFrame/2) {
		if err := w.frame(); err != nil {
			return err
		}
	}
	w.pend = append(w.pend, raw...)
	w.ends = append(w.ends, len(w.pend))
	return nil
}

// frame turns the pending records into a frame.
func (w *journalWriter) frame() error {
	w.raws = w.raws[:0]
	start := 0
	for _, end := range w.ends {
		w.raws = append(w.raws, w.pend[start:end])
		start = end
	}
	w.b, w.at = appendFrame(w.b, w.raws, w.at[:0])
	for i, at := range w.at {
		w.spans = append(w.spans, span{w.off + int64(at), uint32(len(w.raws[i]))})
	}
	w.pend, w.ends = w.pend[:0], w.ends[:0]
	if len(w.b) < 1<<20 {
		return nil
	}
	_, err := w.f.Write(w.b)
	w.off += int64(len(w.b))
	w.b = w.b[:0]
	return err
}

// finish writes what is left, syncs and closes the file.
func (w *journalWriter) finish() error {
	var err error
	if len(w.ends) > 0 {
		err = w.frame()
	}
	if err == nil {
		err = writeAll(w.f, w.b)
		w.off += int64(len(w.b))
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// size is the file's size once finished.
func (w *journalWriter) size() int64 { return w.off }

func (w *journalWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
