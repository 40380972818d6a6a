package daemon

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// TestPanelJournalShowsTheAskedAmount: a declined payment has no
// approvalAmt, yet its row shows what was asked (price and tip), and the
// answer's text; an approval shows the approved amount.
func TestPanelJournalShowsTheAskedAmount(t *testing.T) {
	d, _ := startPanel(t, "", zap.NewNop())
	c := dial(t, d.TCPAddr().String())
	defer c.Close()
	ask := func(code protocol.Code, body string) string {
		f, err := c.Exchange(protocol.Frame{Code: code, Body: []byte(body)}, 5*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		var h protocol.ResultHeader
		json.Unmarshal(f.Body, &h)
		return h.ResultCode
	}
	for i := 0; ask(protocol.CodeCodeDownload, "") != protocol.ResultOK; i++ {
		if i == 1000 {
			t.Fatal("terminal never came up")
		}
	}
	if rc := ask(protocol.CodeCreditApproval, `{"priceAmt":1001,"tipAmt":500,"ptxid":"declined-1"}`); rc != "9005" {
		t.Fatalf("1001 answered %s, want 9005", rc)
	}
	rows := d.journal().([]journalRow)
	if len(rows) != 1 || rows[0].Amount != 1501 || rows[0].ResultMessage == "" || rows[0].Status != "declined" {
		t.Fatalf("journal rows %+v, want one declined row of 1501 with its message", rows)
	}
}

// TestPanelTellsThePOSPageWhereTheWebSocketIs: /api/pos names the daemon's
// own WebSocket, which the example POS page (/pos) connects to.
func TestPanelTellsThePOSPageWhereTheWebSocketIs(t *testing.T) {
	d, addr := startPanel(t, "", zap.NewNop())
	resp, err := http.Get("http://" + addr + "/api/pos")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := `{"ws":"ws://` + d.WSAddr().String() + `/ws"}` + "\n"
	if string(b) != want {
		t.Fatalf("/api/pos = %s, want %s", b, want)
	}
	if r := get(t, http.MethodGet, addr, "/pos", ""); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/pos: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}
