package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// A real terminal keeps its books when the PC behind it crashes; so does
// the emulator when Config.BooksFile is set: every change is appended to
// that file and synced before the answer that depends on it leaves, and New
// reads the file back.

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

// saveBooks appends the entries changed since the last call to the books
// file, one JSON line each, and syncs it; on load the last line of a ptxid
// wins. On failure the changes stay pending for the next call, so they reach
// the file once it is writable again. Called with t.mu held.
func (t *Terminal) saveBooks() error {
	dirty := t.books.dirty
	if t.cfg.BooksFile == "" || len(dirty) == 0 {
		t.books.dirty = nil
		return nil
	}
	if err := appendSynced(t.cfg.BooksFile, appendLines(nil, dirty)); err != nil {
		return fmt.Errorf("emulator: save books: %w", err)
	}
	t.books.dirty = nil
	return nil
}

// appendSynced appends buf to the file at path and waits until it is on
// the disk.
func appendSynced(path string, buf []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end := st.Size()
	if end > 0 { // a line a failed save left unfinished must not swallow this one
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, end-1); err != nil {
			return err
		}
		if last[0] != '\n' {
			buf = append([]byte{'\n'}, buf...)
		}
	}
	_, err = f.WriteAt(buf, end)
	if err == nil {
		err = f.Sync()
	}
	if err != nil { // cut back what half reached the file, as far as the disk lets us
		_ = f.Truncate(end)
		_ = f.Sync()
	}
	return err
}

// appendLines appends one JSON line per entry.
func appendLines(buf []byte, entries []*entry) []byte {
	for _, e := range entries {
		b, err := json.Marshal(savedEntry{e.ptxid, e.code, e.status, e.final, e.amount, e.balance, e.approvalNo, e.day,
			issuerIndex(e.card.issuer.code), e.card.masked, e.refundSerial})
		if err != nil {
			continue
		}
		buf = append(append(buf, b...), '\n')
	}
	return buf
}

// loadBooks reads books saved by an earlier run. The last line of a ptxid
// wins, so only those lines are decoded (in parallel: a terminal with a
// year of books must still start in a moment), and the file is not
// rewritten unless most of it is superseded lines. A line torn by a crash
// mid-save is skipped, and cut off if it ends the file, so the next save
// is not glued onto it. A transaction that was running when the power went
// is failed: a terminal that restarts mid-authorization reverses it at
// power-on.
func loadBooks(path string, b *books, n *numbers, log *zap.Logger) error {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return os.MkdirAll(filepath.Dir(path), 0o750)
	}
	if err != nil {
		return err
	}
	latest, lines, torn := latestLines(raw)
	var failed []*entry // running at the crash: failed now, and saved so
	for i, s := range decodeLines(latest) {
		if s == nil { // torn or damaged: the ptxid's line before it holds
			torn++
			s = earlierLine(raw, latest[i])
		}
		if s == nil {
			continue
		}
		e := &entry{ptxid: s.Ptxid, code: s.Code, status: s.Status, final: s.Final, amount: s.Amount, balance: s.Balance,
			approvalNo: s.ApprovalNo, day: s.Day, card: card{issuer: issuers[s.Issuer], masked: s.Masked}, refundSerial: s.RefundSerial}
		if e.status == protocol.OutcomePending {
			e.status = protocol.OutcomeFailed
			e.final = mustJSON(protocol.Response{ResultCode: protocol.ResultFailed, ResultMessage: "단말기 재시작: 승인 중 거래 취소",
				Data: protocol.PtxidData{Ptxid: e.ptxid}})
			failed = append(failed, e)
		}
		b.record(e)
		n.used[s.ApprovalNo] = true
	}
	b.dirty = nil
	if torn > 0 {
		log.Warn("unreadable lines in the books skipped", zap.String("file", path), zap.Int("lines", torn))
	}
	if end := bytes.LastIndexByte(raw, '\n') + 1; end < len(raw) { // a torn last line
		if err := os.Truncate(path, int64(end)); err != nil {
			return fmt.Errorf("emulator: cut the torn end of the books: %w", err)
		}
	}
	if lines > 2*len(b.byPtxid)+1000 {
		return rewriteBooks(path, b)
	}
	if len(failed) > 0 {
		return appendSynced(path, appendLines(nil, failed))
	}
	return nil
}

// bookLine is the latest line of one ptxid.
type bookLine struct {
	ptxid string
	line  []byte
}

// latestLines finds the last line of every ptxid, in first-seen order,
// reading only each line's ptxid (the first field, as appendLines writes
// it). It counts the lines and those it cannot read.
func latestLines(raw []byte) (latest []bookLine, lines, torn int) {
	at := map[string]int{}
	for line := range bytes.Lines(raw) {
		lines++
		id, ok := linePtxid(line)
		if !ok || line[len(line)-1] != '\n' {
			torn++
			continue
		}
		if i, seen := at[id]; seen {
			latest[i].line = line
			continue
		}
		at[id] = len(latest)
		latest = append(latest, bookLine{id, line})
	}
	return latest, lines, torn
}

// linePtxid reads the ptxid a books line starts with.
func linePtxid(line []byte) (string, bool) {
	const prefix = `{"ptxid":"`
	rest, ok := bytes.CutPrefix(line, []byte(prefix))
	if !ok {
		return "", false
	}
	end := bytes.IndexByte(rest, '"')
	if end <= 0 {
		return "", false
	}
	if bytes.IndexByte(rest[:end], '\\') >= 0 { // escaped: let JSON read it
		var s savedEntry
		if json.Unmarshal(line, &s) != nil {
			return "", false
		}
		return s.Ptxid, s.Ptxid != ""
	}
	return string(rest[:end]), true
}

// earlierLine decodes the latest line of l.ptxid before l.line that
// decodes, or returns nil. It reads the whole file: it runs only for the
// rare ptxid whose last line is damaged.
func earlierLine(raw []byte, l bookLine) *savedEntry {
	var found *savedEntry
	for line := range bytes.Lines(raw) {
		if &line[0] == &l.line[0] {
			break
		}
		if id, ok := linePtxid(line); ok && id == l.ptxid {
			var s savedEntry
			if json.Unmarshal(line, &s) == nil && validEntry(&s) {
				found = &s
			}
		}
	}
	return found
}

func validEntry(s *savedEntry) bool { return s.Ptxid != "" && s.Issuer >= 0 && s.Issuer < len(issuers) }

// decodeLines decodes the lines on every core; a line that does not
// decode is nil.
func decodeLines(latest []bookLine) []*savedEntry {
	out := make([]*savedEntry, len(latest))
	workers := min(runtime.GOMAXPROCS(0), len(latest)/1000+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(latest); i += workers {
				var s savedEntry
				if json.Unmarshal(latest[i].line, &s) == nil && s.Ptxid == latest[i].ptxid && validEntry(&s) {
					out[i] = &s
				}
			}
		})
	}
	wg.Wait()
	return out
}

// rewriteBooks replaces the books file with its current entries, through a
// synced temporary file so that a crash leaves the old file or the new.
func rewriteBooks(path string, b *books) error {
	entries := make([]*entry, 0, len(b.byPtxid))
	for _, e := range b.byPtxid {
		entries = append(entries, e)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(appendLines(nil, entries))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("emulator: rewrite books: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("emulator: rewrite books: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable where the system can sync a folder
// (Windows cannot open one for it; there the rename is as durable as the
// system makes it).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func issuerIndex(code string) int {
	for i, is := range issuers {
		if is.code == code {
			return i
		}
	}
	return 0
}
