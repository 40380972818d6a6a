package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// A real terminal keeps its books when the PC behind it crashes; so does
// the emulator when Config.BooksFile is set: the books are written there
// after every change and read back by New.

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

// saveBooks writes the books atomically (temp file + rename). Called with
// t.mu held.
func (t *Terminal) saveBooks() {
	if t.cfg.BooksFile == "" {
		return
	}
	var out []savedEntry
	for _, e := range t.books.byPtxid {
		out = append(out, savedEntry{e.ptxid, e.code, e.status, e.final, e.amount, e.balance, e.approvalNo, e.day,
			issuerIndex(e.card.issuer.code), e.card.masked, e.refundSerial})
	}
	b, err := json.Marshal(out)
	if err == nil {
		tmp := t.cfg.BooksFile + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, t.cfg.BooksFile)
		}
	}
	if err != nil {
		t.log.Warn("emulator: books not saved", zap.Error(err))
	}
}

// loadBooks reads books saved by an earlier run. A transaction that was
// running when the power went is failed: a terminal that restarts
// mid-authorization reverses it at power-on.
func loadBooks(path string, b *books, n *numbers) error {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return os.MkdirAll(filepath.Dir(path), 0o750)
	}
	if err != nil {
		return err
	}
	var saved []savedEntry
	if err := json.Unmarshal(raw, &saved); err != nil {
		return fmt.Errorf("emulator: books %s: %w", path, err)
	}
	for _, s := range saved {
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
	return nil
}

func issuerIndex(code string) int {
	for i, is := range issuers {
		if is.code == code {
			return i
		}
	}
	return 0
}
