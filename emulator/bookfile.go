package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/termd/termd/protocol"
)

// A real terminal keeps its books when the PC behind it crashes; so does
// the emulator when Config.BooksFile is set: every change is appended to
// that file as one JSON line (the last line of a ptxid wins), synced
// before the answer that depends on it leaves, and New reads the file
// back. An entry no one holds is read back from its line when asked for.

type savedEntry struct {
	Ptxid        string          `json:"ptxid"`
	Code         protocol.Code   `json:"code"`
	Status       string          `json:"status"`
	Final        json.RawMessage `json:"final,omitempty"`
	Amount       int64           `json:"amount"`
	Balance      int64           `json:"balance"`
	ApprovalNo   string          `json:"approvalNo,omitempty"`
	Day          string          `json:"day,omitempty"`
	Issuer       int             `json:"issuer"`
	Masked       string          `json:"masked,omitempty"`
	RefundSerial string          `json:"refundSerial,omitempty"`
}

func (s *savedEntry) entry() *entry {
	return &entry{ptxid: s.Ptxid, code: s.Code, status: s.Status, final: s.Final, amount: s.Amount, balance: s.Balance,
		approvalNo: s.ApprovalNo, day: s.Day, card: card{issuer: issuers[s.Issuer], masked: s.Masked}, refundSerial: s.RefundSerial}
}

func validEntry(s *savedEntry) bool { return s.Ptxid != "" && s.Issuer >= 0 && s.Issuer < len(issuers) }

// saveBooks appends the entries changed since the last save to the books
// file and syncs it: every answer that depends on the books calls it
// before it leaves. On failure the changes stay pending for the next
// call, so they reach the file once it is writable again. Called with
// t.mu held.
func (t *Terminal) saveBooks() error { return t.books.save(true) }

// writeBooks appends like saveBooks without waiting for the disk. It is
// for the line no answer depends on: a payment on the books as pending
// while the card company decides. The page cache keeps a written line
// when the process is killed, and the next synced save carries it to the
// disk; only a power cut can lose it, and with it only an approval that
// nobody was told of. Called with t.mu held.
func (t *Terminal) writeBooks() error { return t.books.save(false) }

func (b *books) save(sync bool) error {
	if b.file == "" || len(b.dirty) == 0 {
		b.dirty = nil
		return nil
	}
	var buf []byte
	lines := make([]slot, len(b.dirty))
	last := -1
	for k, e := range b.dirty {
		start := len(buf)
		var ok bool
		if buf, ok = appendLine(buf, e); ok {
			lines[k] = slot{at: int64(start), n: int32(len(buf) - 1 - start)}
			last = k
		}
	}
	if last >= 0 {
		buf = markEnd(buf)
		lines[last].n += int32(len(endMark) - 1)
	}
	at, err := appendFile(b.file, buf, sync)
	if err != nil {
		return fmt.Errorf("emulator: save books: %w", err)
	}
	if sync {
		b.syncs++
	}
	for k, e := range b.dirty {
		if lines[k].n == 0 { // cannot be written: it stays in memory
			b.pinned[e.slot] = e
			continue
		}
		b.saved(e, slot{at: at + lines[k].at, n: lines[k].n})
	}
	b.dirty = nil
	b.prune()
	return nil
}

// endMark ends the last line of every save. A save is one write, which a
// kill -9 can cut short at a page boundary after whole lines (a cancel's
// save is the original's new balance, then the cancel): the lines after
// the last mark are such a save, never answered, and a start cuts them
// off with the torn line after them.
const endMark = `,"end":true}`

// markEnd puts the end mark on the last line of buf, a JSON object.
func markEnd(buf []byte) []byte {
	return append(buf[:len(buf)-2], endMark+"\n"...)
}

// appendFile appends buf to the file at path, synced if sync, and returns
// the offset buf starts at.
func appendFile(path string, buf []byte, sync bool) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	start := end
	if end > 0 { // a line a failed save left unfinished must not swallow this one
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, end-1); err != nil {
			return 0, err
		}
		if last[0] != '\n' {
			buf = append([]byte{'\n'}, buf...)
			start++
		}
	}
	_, err = f.WriteAt(buf, end)
	if err == nil && sync {
		err = f.Sync()
	}
	if err != nil { // cut back what half reached the file, as far as the disk lets us
		_ = f.Truncate(end)
		_ = f.Sync()
		return 0, err
	}
	return start, nil
}

// appendLine appends e's line, or nothing if it cannot be encoded.
func appendLine(buf []byte, e *entry) ([]byte, bool) {
	b, err := json.Marshal(savedEntry{e.ptxid, e.code, e.status, e.final, e.amount, e.balance, e.approvalNo, e.day,
		issuerIndex(e.card.issuer.code), e.card.masked, e.refundSerial})
	if err != nil {
		return buf, false
	}
	return append(append(buf, b...), '\n'), true
}

var errNotSaved = errors.New("no line in the books file")

// readEntry reads back the entry whose line is at s.
func readEntry(path string, s slot) (*entry, error) {
	if s.n <= 0 {
		return nil, errNotSaved
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: read books: %w", err)
	}
	defer f.Close()
	line := make([]byte, s.n)
	if _, err := f.ReadAt(line, s.at); err != nil {
		return nil, fmt.Errorf("emulator: read books at %d: %w", s.at, err)
	}
	var se savedEntry
	if err := json.Unmarshal(line, &se); err != nil {
		return nil, fmt.Errorf("emulator: read books at %d: %w", s.at, err)
	}
	if !validEntry(&se) {
		return nil, fmt.Errorf("emulator: read books at %d: not a transaction", s.at)
	}
	return se.entry(), nil
}

func issuerIndex(code string) int {
	for i, is := range issuers {
		if is.code == code {
			return i
		}
	}
	return 0
}
