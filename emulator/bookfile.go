package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
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

// loadBooks reads books saved by an earlier run and rewrites the file with
// one line per transaction. A line torn by a crash mid-save is skipped, not
// an end: the lines after it are good, and the rewrite keeps the next save
// from being glued onto it. A transaction that was running when the power
// went is failed: a terminal that restarts mid-authorization reverses it at
// power-on.
func loadBooks(path string, b *books, n *numbers, log *zap.Logger) error {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return os.MkdirAll(filepath.Dir(path), 0o750)
	}
	if err != nil {
		return err
	}
	torn := 0
	for line := range bytes.Lines(raw) {
		var s savedEntry
		if err := json.Unmarshal(line, &s); err != nil || s.Ptxid == "" || s.Issuer < 0 || s.Issuer >= len(issuers) {
			torn++
			continue
		}
		e := &entry{ptxid: s.Ptxid, code: s.Code, status: s.Status, final: s.Final, amount: s.Amount, balance: s.Balance,
			approvalNo: s.ApprovalNo, day: s.Day, card: card{issuer: issuers[s.Issuer], masked: s.Masked}, refundSerial: s.RefundSerial}
		if e.status == protocol.OutcomePending {
			e.status = protocol.OutcomeFailed
			e.final = mustJSON(protocol.Response{ResultCode: protocol.ResultFailed, ResultMessage: "단말기 재시작: 승인 중 거래 취소",
				Data: protocol.PtxidData{Ptxid: e.ptxid}})
		}
		b.record(e)
		n.used[s.ApprovalNo] = true
	}
	b.dirty = nil
	if torn > 0 {
		log.Warn("unreadable lines in the books skipped", zap.String("file", path), zap.Int("lines", torn))
	}
	return rewriteBooks(path, b)
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
