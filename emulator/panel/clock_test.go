package panel

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/emulator/clock"
)

func clockServer(t *testing.T, vc *clock.Virtual) *httptest.Server {
	t.Helper()
	term := emulator.New(emulator.Config{Clock: vc}, zaptest.NewLogger(t))
	p := New(term, nil, zaptest.NewLogger(t))
	if vc != nil {
		p.AttachClock(vc)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAdvanceTheVirtualClock(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	vc := clock.NewVirtual(start)
	srv := clockServer(t, vc)
	var fired atomic.Int32
	vc.AfterFunc(30*time.Second, func() { fired.Add(1) })

	status, b := call(t, srv, "POST", "/api/clock/advance", `{"by":"29.9s"}`)
	var st ClockState
	if err := json.Unmarshal(b, &st); status != 200 || err != nil {
		t.Fatalf("advance by: %d %s", status, b)
	}
	if st.Advanced != "29.9s" || len(st.Pending) != 1 || st.Pending[0] != "100ms" || fired.Load() != 0 {
		t.Fatalf("after 29.9s: %s, fired %d", b, fired.Load())
	}
	status, b = call(t, srv, "POST", "/api/clock/advance?to=next", "")
	if err := json.Unmarshal(b, &st); status != 200 || err != nil || st.Advanced != "100ms" || fired.Load() != 1 {
		t.Fatalf("advance to next: %d %s, fired %d", status, b, fired.Load())
	}
	if !st.Now.Equal(start.Add(30 * time.Second)) {
		t.Fatalf("now %v", st.Now)
	}
	if status, b = call(t, srv, "POST", "/api/clock/advance", `{"to":"next"}`); status != http.StatusConflict {
		t.Fatalf("to next with nothing pending: %d %s", status, b)
	}

	var state State
	_, b = call(t, srv, "GET", "/api/state", "")
	if err := json.Unmarshal(b, &state); err != nil || state.Clock == nil || !state.Clock.Now.Equal(start.Add(30*time.Second)) {
		t.Fatalf("state %s", b)
	}
	if status, b = call(t, srv, "GET", "/api/clock", ""); status != 200 || !strings.Contains(string(b), `"pending":[]`) {
		t.Fatalf("GET /api/clock: %d %s", status, b)
	}
}

func TestAdvanceRefusesBadRequestsAndChangesNothing(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	vc := clock.NewVirtual(start)
	srv := clockServer(t, vc)
	for _, tc := range []struct{ path, body, want string }{
		{"/api/clock/advance", `{"by":"thirty"}`, `must be a duration`},
		{"/api/clock/advance", `{"by":"-1s"}`, `must be a duration`},
		{"/api/clock/advance", `{"by":"48h"}`, `at most 24h`},
		{"/api/clock/advance", `{"to":"later"}`, `not \"later\"`},
		{"/api/clock/advance", `{"to":"next","by":"1s"}`, `not both`},
		{"/api/clock/advance", `{}`, `say how far`},
		{"/api/clock/advance", `by=1s`, `the body must be`},
	} {
		status, b := call(t, srv, "POST", tc.path, tc.body)
		if status != http.StatusBadRequest || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s: %d %s, want 400 with %q", tc.path, tc.body, status, b, tc.want)
		}
	}
	if !vc.Now().Equal(start) {
		t.Fatalf("a refused advance moved the clock to %v", vc.Now())
	}
	if status, _ := call(t, srv, "GET", "/api/clock/advance", ""); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET advance: %d", status)
	}
}

func TestNoClockOnRealTime(t *testing.T) {
	srv := clockServer(t, nil)
	if status, _ := call(t, srv, "POST", "/api/clock/advance", `{"by":"1s"}`); status != http.StatusNotFound {
		t.Fatalf("advance on real time: %d, want 404", status)
	}
	if _, b := call(t, srv, "GET", "/api/state", ""); strings.Contains(string(b), `"clock"`) {
		t.Fatalf("state on real time shows a clock: %s", b)
	}
}
