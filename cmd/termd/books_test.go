package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The emulated terminal's books are what the card company would say: the
// end-to-end tests compare termd's journal and answers with them.

// booksIn is where the in-process emulator keeps its books by default.
func booksIn(dataDir string) string { return filepath.Join(dataDir, "emulator-books.json") }

// bookStatus reads the books (JSON lines; the last line of a ptxid wins, a
// torn line is skipped as the emulator itself does) and returns the status
// of every ptxid in them. A missing file is empty books.
func bookStatus(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Ptxid  string `json:"ptxid"`
			Status string `json:"status"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Ptxid != "" {
			out[e.Ptxid] = e.Status
		}
	}
	return out
}

// waitBook polls the books until ptxid has status (the emulator writes
// them after it answers the daemon, so a test can see the answer first).
func waitBook(t *testing.T, path, ptxid, status string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := bookStatus(t, path)[ptxid]
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal's books say %s is %q, want %q", ptxid, got, status)
		}
		time.Sleep(10 * time.Millisecond) // polling a file: no event to wait on
	}
}
