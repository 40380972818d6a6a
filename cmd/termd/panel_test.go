package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// A person (or a QA script) plays the customer through the emulator's
// control panel: the card and the signature wait for its buttons.
func TestPanelDrivesAManualPayment(t *testing.T) {
	d := startDaemon(t, "", "--emulator.manual", "--emulator.control=127.0.0.1:0", "--emulator.authDelay=20ms")
	url := regexp.MustCompile(`http://[0-9.:]+/`).FindString(d.waitLog("emulator control panel", 1))
	if url == "" {
		t.Fatal("the panel's address is not in the log")
	}
	p := d.client("tcp")
	p.send(credit, pay("man-1", 60000))
	p.waitPhase("man-1", "READING")
	// termd is READING once it has sent the request; the emulator reads it
	// on its own goroutine, so its screen follows a moment later.
	var st panelState
	deadline := time.Now().Add(10 * time.Second)
	for getJSON(t, url+"api/state", &st); st.Screen.Phase != "reading" && time.Now().Before(deadline); getJSON(t, url+"api/state", &st) {
		time.Sleep(5 * time.Millisecond) // polling HTTP: no event to wait on
	}
	if st.Screen.Phase != "reading" || st.Screen.Ptxid != "man-1" || !st.Plugged || !st.Manual {
		t.Fatalf("panel state %+v", st)
	}
	if code := post(t, url+"api/sign"); code != http.StatusConflict {
		t.Fatalf("sign before the card: %d, want 409", code)
	}
	if code := post(t, url+"api/card"); code != http.StatusOK {
		t.Fatalf("insert card: %d", code)
	}
	p.expect(credit, "0010")
	if code := post(t, url+"api/sign"); code != http.StatusOK {
		t.Fatalf("sign: %d", code)
	}
	p.expect(credit, "0000")
	p.call(protocol.CodeConfirm, "")

	var rows []map[string]any
	getJSON(t, url+"api/journal", &rows)
	if len(rows) == 0 || rows[0]["ptxid"] != "man-1" || rows[0]["status"] != "approved" || rows[0]["confirmed"] != true {
		t.Fatalf("journal %v", rows)
	}
}

// panelState is what the panel's api/state says, as far as the test reads it.
type panelState struct {
	Screen struct {
		Phase string `json:"phase"`
		Ptxid string `json:"ptxid"`
	} `json:"screen"`
	Plugged bool `json:"plugged"`
	Manual  bool `json:"manual"`
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, b)
	}
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
