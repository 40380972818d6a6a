package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// loadBooks reads books saved by an earlier run. The last line of a ptxid
// wins, so only those lines are decoded (in parallel: a terminal with a
// year of books must still start in a moment), and only what the indexes
// need is kept; the file is not rewritten unless most of it is superseded
// lines. A save a crash cut short is cut off (see endMark), so the next
// save is not glued onto it; a damaged line is skipped for the ptxid's
// line before it. A transaction that
// was running when the power went is failed: a terminal that restarts
// mid-authorization reverses it at power-on.
func loadBooks(path string, b *books, n *numbers, log *zap.Logger) error {
	b.file, b.log = path, log
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return createBooks(path)
	}
	if err != nil {
		return fmt.Errorf("emulator: read books: %w", err)
	}
	whole := wholeSaves(raw)
	if len(whole) < len(raw) { // a save cut short: cut it off, so the next is not glued onto it
		if err := os.Truncate(path, int64(len(whole))); err != nil {
			return fmt.Errorf("emulator: cut the unfinished end of the books: %w", err)
		}
		log.Warn("the end of the books, a save cut short, is cut off", zap.String("file", path), zap.Int("bytes", len(raw)-len(whole)))
		raw = whole
	}
	ptxids, lines, torn := b.latestLines(raw)
	heads := decodeHeads(raw, ptxids, b.slots)
	for i, ptxid := range ptxids {
		h := &heads[i]
		if !h.ok { // torn or damaged: the ptxid's line before it holds
			torn++
			b.slots[i] = earlierLine(raw, ptxid, b.slots[i], h)
		}
		if !h.ok {
			delete(b.index, ptxid)
			continue
		}
		b.loaded(int32(i), h, n)
	}
	slices.Sort(b.taken)
	b.taken = slices.Compact(b.taken)
	n.taken = b.approvalTaken
	if torn > 0 {
		log.Warn("unreadable lines in the books skipped", zap.String("file", path), zap.Int("lines", torn))
	}
	if lines > 2*len(b.index)+1000 {
		if err := b.compact(raw); err != nil {
			return err
		}
	}
	return b.save(true) // the transactions failed at power-on
}

// wholeSaves is raw up to the end of its last whole save: up to the last
// end mark, or, in books written before saves were marked, the last
// newline.
func wholeSaves(raw []byte) []byte {
	if i := bytes.LastIndex(raw, []byte(endMark+"\n")); i >= 0 {
		return raw[:i+len(endMark)+1]
	}
	return raw[:bytes.LastIndexByte(raw, '\n')+1]
}

// savedHead is a books line without its final answer, which the start
// checks but does not keep.
type savedHead struct {
	savedEntry
	Final skipJSON `json:"final"`
	ok    bool
}

// skipJSON is a value that is checked (json checks the whole line) but
// not kept.
type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// loaded indexes the ptxid whose line, at slot i, says h.
func (b *books) loaded(i int32, h *savedHead, n *numbers) {
	if h.Status == protocol.OutcomePending {
		e := h.entry()
		e.status = protocol.OutcomeFailed
		e.final = mustJSON(protocol.Response{ResultCode: protocol.ResultFailed, ResultMessage: "단말기 재시작: 승인 중 거래 취소",
			Data: protocol.PtxidData{Ptxid: e.ptxid}})
		b.record(e)
	} else {
		b.indexAs(i, h.Code, h.Status, h.ApprovalNo, h.Day, h.RefundSerial)
	}
	if v, ok := digits(h.ApprovalNo, 8); ok {
		b.taken = append(b.taken, v)
	} else {
		n.use(h.ApprovalNo)
	}
}

// latestLines finds the last line of every ptxid, reading only each
// line's ptxid (the first field, as appendLine writes it): it fills the
// index and slots, and returns the ptxids in slot order. It counts the
// lines and those it cannot read.
func (b *books) latestLines(raw []byte) (ptxids []string, lines, torn int) {
	for at := 0; at < len(raw); {
		line := raw[at:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		s := slot{at: int64(at), n: int32(len(line) - 1)}
		at += len(line)
		lines++
		id, ok := linePtxid(line)
		if !ok || line[len(line)-1] != '\n' {
			torn++
			continue
		}
		if i, seen := b.index[id]; seen {
			b.slots[i] = s
			continue
		}
		b.index[id] = int32(len(ptxids))
		b.slots = append(b.slots, s)
		ptxids = append(ptxids, id)
	}
	return ptxids, lines, torn
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

// decodeHead decodes the line at s of raw into h, and says whether it is
// a good line of ptxid.
func decodeHead(raw []byte, ptxid string, s slot, h *savedHead) bool {
	*h = savedHead{}
	h.ok = json.Unmarshal(raw[s.at:s.at+int64(s.n)], h) == nil && h.Ptxid == ptxid && validEntry(&h.savedEntry)
	return h.ok
}

// earlierLine finds the latest good line of ptxid before the one at last,
// decoded into h (h.ok false if there is none). It reads the whole file:
// it runs only for the rare ptxid whose last line is damaged.
func earlierLine(raw []byte, ptxid string, last slot, h *savedHead) slot {
	found, s := slot{}, slot{}
	var good savedHead
	for at := 0; at < int(last.at); at += int(s.n) + 1 {
		line := raw[at:last.at]
		n := bytes.IndexByte(line, '\n')
		if n < 0 {
			break
		}
		s = slot{at: int64(at), n: int32(n)}
		if id, ok := linePtxid(line[:n+1]); ok && id == ptxid && decodeHead(raw, ptxid, s, h) {
			found, good = s, *h
		}
	}
	*h = good
	return found
}

// decodeHeads decodes the latest lines on every core.
func decodeHeads(raw []byte, ptxids []string, slots []slot) []savedHead {
	out := make([]savedHead, len(ptxids))
	workers := min(runtime.GOMAXPROCS(0), len(ptxids)/1000+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ptxids); i += workers {
				decodeHead(raw, ptxids[i], slots[i], &out[i])
			}
		})
	}
	wg.Wait()
	return out
}

// compact replaces the books file with the latest line of every ptxid,
// copied as it is, through a synced temporary file so that a crash leaves
// the old file or the new.
func (b *books) compact(raw []byte) error {
	buf := make([]byte, 0, len(raw)/2)
	last := int32(-1)
	for _, i := range b.index {
		s := b.slots[i]
		start := len(buf)
		buf = append(append(buf, raw[s.at:s.at+int64(s.n)]...), '\n')
		b.slots[i] = slot{at: int64(start), n: s.n}
		last = i
	}
	if last >= 0 && !bytes.HasSuffix(buf, []byte(endMark+"\n")) { // or the next start cuts back to the last mark
		buf = markEnd(buf)
		b.slots[last].n += int32(len(endMark) - 1)
	}
	tmp := b.file + ".tmp"
	err := os.WriteFile(tmp, buf, 0o600)
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, b.file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("emulator: rewrite books: %w", err)
	}
	syncDir(filepath.Dir(b.file))
	return nil
}

// createBooks makes an empty books file and syncs its folder, so that the
// sync before the first answer has only the file's content to carry: a
// file first created by that save could lose its folder entry in a power
// cut, and every answer with it.
func createBooks(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("emulator: create books: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("emulator: create books: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("emulator: create books: %w", err)
	}
	syncDir(dir)
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
