//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/termd/termd/protocol"
)

// dataDir on a small tmpfs, filled to the last byte under a running
// payment: no 0000 may leave without its record on disk, what the POS was
// not told stands must not stand on the terminal, and new payments are
// refused with words for people (SPEC §4, the journal comes first).

// The journal refuses new transactions below this much free space
// (store.Options.MinFree), so the tmpfs must be larger for one to start.
const diskMargin = 4 << 20

func TestFullDiskUnderARunningPayment(t *testing.T) {
	data := mountTmpfs(t, 16<<20)
	books := filepath.Join(t.TempDir(), "books.json") // the terminal's own memory, not the PC's disk
	flags := []string{"--emulator.manual", "--emulator.control=127.0.0.1:0", "--emulator.authDelay=20ms", "--emulator.books=" + books}
	d := startDaemon(t, data, flags...)
	panel := panelURL(t, d)
	p := d.client("tcp")

	// A full tmpfs still takes a write into a page the file already has,
	// so the journal's last page has room left when the disk is full. The
	// disk is filled under the first payment whose final record cannot fit
	// there; those before it are paid with room to spare and move the
	// journal's end. (Without a journal.log to measure, every payment is
	// tried on a full disk.) Each 0000 must be on disk: checked at once,
	// and again after the restart.
	page := int64(os.Getpagesize())
	journal := filepath.Join(data, "journal.log")
	var ptxid, filler, final string
	var finalSize int64 // how much a final record adds to the journal
	var took []string
	for i := 1; ; i++ {
		ptxid = fmt.Sprintf("disk-%d", i)
		p.send(credit, pay(ptxid, 1000))
		p.waitPhase(ptxid, "READING") // its record is on disk: it reached the terminal
		before, measured := fileSize(journal)
		full := !measured || (finalSize > 0 && (page-before%page)%page < finalSize)
		if full {
			filler = fillDisk(t, data, 0)
		}
		insertCard(t, panel, ptxid)
		r := p.recv()
		if r.Code != credit || r.Data["ptxid"] != ptxid {
			t.Fatalf("final answer: %s %s %v", r.Code, r.ResultCode, r.Data)
		}
		if r.ResultCode != protocol.ResultOK {
			if !full || r.ResultCode != protocol.ResultDevice {
				t.Fatalf("final answer (disk full: %v): %s %q, want 9004 on a full disk only", full, r.ResultCode, r.ResultMessage)
			}
			forPeople(t, "final answer on a full disk", r.ResultMessage)
			final = r.ResultMessage
			break
		}
		if i == 40 {
			t.Fatal("40 approvals journaled: the disk never refused a final record")
		}
		// The index follows the journal only once the write is synced: a
		// 0000 whose record the disk did not take would not read approved.
		if l := p.call(protocol.CodeLastTransaction, ""); l.Data["ptxid"] != ptxid || l.Top["status"] != "approved" {
			t.Fatalf("%s was answered 0000 (disk full: %v) but the journal says %v", ptxid, full, l.Top)
		}
		took = append(took, ptxid)
		if after, ok := fileSize(journal); ok {
			finalSize = after - before
		}
		if full {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
		}
		p.send(protocol.CodeConfirm, "")
		p.expect(protocol.CodeConfirm, protocol.ResultOK)
	}
	t.Logf("the journal refused the final record of payment %d on the full disk; the POS was told %q", len(took)+1, final)
	p.none(time.Second) // no 0000 after the 9004
	waitBook(t, books, ptxid, "reversed")

	q := d.client("ws")
	n := q.call(credit, pay("disk-new", 1000))
	if n.ResultCode != protocol.ResultDevice {
		t.Fatalf("new payment on a full disk: %s %q", n.ResultCode, n.ResultMessage)
	}
	forPeople(t, "new payment on a full disk", n.ResultMessage)
	t.Logf("a new payment on the full disk was told %q", n.ResultMessage)
	if _, ok := bookStatus(t, books)["disk-new"]; ok {
		t.Fatal("a refused payment reached the terminal")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	d.kill()
	d = startDaemon(t, data, flags...)
	p = d.client("tcp")
	last := p.waitStatus("reversed")
	if last.Data["ptxid"] != ptxid || last.ResultCode != protocol.ResultReversed {
		t.Fatalf("990001 after the restart: %s %v", last.ResultCode, last.Top)
	}
	if got := bookStatus(t, books)[ptxid]; got != "reversed" {
		t.Fatalf("the terminal's books say %s is %q", ptxid, got)
	}
	// Every 0000 the full disk took is on disk, confirmed, and stands.
	for _, id := range took {
		dup := p.call(credit, pay(id, 1000))
		if dup.ResultCode != protocol.ResultDuplicate || dup.Data["status"] != "approved" || dup.Data["confirmed"] != true {
			t.Fatalf("%s after the restart: %s %v", id, dup.ResultCode, dup.Data)
		}
	}
	// And the terminal takes payments again.
	panel = panelURL(t, d)
	p.send(credit, pay("disk-after", 1000))
	insertCard(t, panel, "disk-after")
	p.expect(credit, protocol.ResultOK)
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, protocol.ResultOK)
}

// Below the free-space margin no transaction starts: the terminal never
// sees it, and the POS is told why in words for people. Freeing space is
// enough; no restart is needed.
func TestLowDiskRefusesNewPayments(t *testing.T) {
	data := mountTmpfs(t, 16<<20)
	books := filepath.Join(t.TempDir(), "books.json")
	filler := fillDisk(t, data, diskMargin/2)
	d := startDaemon(t, data, append(fast[:len(fast):len(fast)], "--emulator.books="+books)...)
	p := d.client("tcp")
	r := p.call(credit, pay("low-1", 1000))
	if r.ResultCode != protocol.ResultDevice || !strings.HasPrefix(r.ResultMessage, "저장 공간 부족") {
		t.Fatalf("payment with %d bytes free: %s %q", freeBytes(t, data), r.ResultCode, r.ResultMessage)
	}
	forPeople(t, "payment on a nearly full disk", r.ResultMessage)
	if _, ok := bookStatus(t, books)["low-1"]; ok || strings.Contains(d.logText(), "transaction started") {
		t.Fatal("a refused payment reached the terminal")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	p.send(credit, pay("low-2", 1000))
	p.expect(credit, protocol.ResultOK)
	p.send(protocol.CodeConfirm, "")
	p.expect(protocol.CodeConfirm, protocol.ResultOK)
}

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, or skips
// the test where mounting is not allowed (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	// Registered after TempDir's own cleanup, so it runs before it.
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			unix.Unmount(dir, unix.MNT_DETACH)
		}
	})
	return dir
}

// fillDisk writes a file in dir until at most leave bytes are free (0: to
// the last byte, until ENOSPC) and returns its path.
func fillDisk(t *testing.T, dir string, leave uint64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		free := freeBytes(t, dir)
		if leave > 0 && free <= leave {
			return path
		}
		n := uint64(len(chunk))
		if leave > 0 && free-leave < n {
			n = free - leave
		}
		if _, err := f.Write(chunk[:n]); err != nil {
			if leave == 0 && errors.Is(err, syscall.ENOSPC) {
				return path
			}
			t.Fatalf("filling %s: %v", dir, err)
		}
	}
}

// fileSize is the size of a file, and whether it exists.
func fileSize(path string) (int64, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Size(), true
}

func freeBytes(t *testing.T, dir string) uint64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Bavail * uint64(st.Bsize)
}

// insertCard presents the card through the panel once the terminal's
// screen asks for it (termd reads READING as soon as it sent the request).
func insertCard(t *testing.T, panel, ptxid string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st struct {
			Screen struct{ Phase, Ptxid string } `json:"screen"`
		}
		getJSON(t, panel+"api/state", &st)
		if st.Screen.Phase == "reading" && st.Screen.Ptxid == ptxid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never asked for the card of %s: %+v", ptxid, st.Screen)
		}
		time.Sleep(5 * time.Millisecond) // polling the panel: no event to wait on
	}
	if code := post(t, panel+"api/card"); code != 200 {
		t.Fatalf("insert card: HTTP %d", code)
	}
}

func panelURL(t *testing.T, d *proc) string {
	t.Helper()
	url := regexp.MustCompile(`http://[0-9.:]+/`).FindString(d.waitLog("emulator control panel", 1))
	if url == "" {
		t.Fatal("the panel's address is not in the log")
	}
	return url
}

// forPeople fails when a message a POS shows could only mean something to
// a programmer: a file path, an OS error, a Go error chain.
func forPeople(t *testing.T, what, msg string) {
	t.Helper()
	lower := strings.ToLower(msg)
	for _, bad := range []string{"/", `\`, "no space", "errno", "bolt", "journal.", "store:", "write "} {
		if msg == "" || strings.Contains(lower, bad) {
			t.Fatalf("%s: message %q is not for people", what, msg)
		}
	}
}
