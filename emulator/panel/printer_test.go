package panel

import (
	"net/http"
	"strings"
	"testing"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/protocol"
)

func postJSON(t *testing.T, r *rig, path, body string) int {
	t.Helper()
	resp, err := http.Post(r.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPrinterStatusButtons: the panel sets the printer's status, which its
// status answers then carry, and the state shows it; a bad body changes
// nothing.
func TestPrinterStatusButtons(t *testing.T) {
	r := newRig(t, nil, nil)
	if got := postJSON(t, r, "/api/printer/status", `{"paperOut":true}`); got != http.StatusOK {
		t.Fatalf("status: %d", got)
	}
	if st := r.term.Printer().Status(); st != (emulator.PrinterStatus{PaperOut: true}) {
		t.Fatalf("printer status %+v", st)
	}
	for _, bad := range []string{`{"paper":true}`, `nope`, `{"offline":"yes"}`} {
		if got := postJSON(t, r, "/api/printer/status", bad); got != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, got)
		}
	}
	if s := r.state(); !s.Printer.Status.PaperOut || s.Printer.Status.Offline {
		t.Errorf("state printer %+v", s.Printer)
	}
	r.post("/api/printer/status", http.StatusBadRequest) // no body at all
}

// TestReceiptHTML: a receipt comes with its HTML: aligned lines, sizes,
// the cut, and the text escaped; the counters follow.
func TestReceiptHTML(t *testing.T) {
	r := newRig(t, nil, nil)
	if err := r.term.Printer().Print(&protocol.PrintRequest{Alert: true, Commands: []protocol.PrintCommand{
		{Command: protocol.PrintRight, FontSize: 20, Message: []string{"<script>합계"}},
	}}); err != nil {
		t.Fatal(err)
	}
	s := r.state()
	if len(s.Receipts) != 1 {
		t.Fatalf("receipts %+v", s.Receipts)
	}
	h := s.Receipts[0].HTML
	if !strings.Contains(h, `<div class="pl ar"><span class="w2 h2">&lt;script&gt;합계</span>`) || !strings.Contains(h, `class="cut"`) || strings.Contains(h, "<script>") {
		t.Errorf("html %s", h)
	}
	if s.Printer.Cuts != 1 || s.Printer.Beeps != 3 || len(s.Printer.Unknown) != 0 {
		t.Errorf("printer %+v", s.Printer)
	}
}
