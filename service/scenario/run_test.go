package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
)

// fake is a scripted peer: a TCP listener that answers frames from a table
// (code → answers), and a control panel that records what it was asked
// and keeps a clock that moves by what it is told.
type fake struct {
	t       *testing.T
	ln      net.Listener
	panel   *httptest.Server
	answers map[protocol.Code][]string

	mu      sync.Mutex
	actions []string
	now     time.Time
	wg      sync.WaitGroup
}

func newFake(t *testing.T, answers map[protocol.Code][]string) *fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{t: t, ln: ln, answers: answers, now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	f.panel = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	f.wg.Go(f.accept)
	t.Cleanup(func() {
		ln.Close()
		f.panel.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fake) target() Fixed {
	return Fixed{TCP: f.ln.Addr().String(), Control: f.panel.URL}
}

func (f *fake) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Go(func() { f.serve(protocol.NewConn(c)) })
	}
}

func (f *fake) serve(c *protocol.Conn) {
	defer c.Close()
	for {
		fr, err := c.ReadFrame()
		if err != nil {
			return
		}
		for _, body := range f.answers[fr.Code] {
			if err := c.WriteFrame(protocol.Frame{Code: fr.Code, Body: []byte(body)}); err != nil {
				return
			}
		}
	}
}

func (f *fake) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, r.Method+" "+r.URL.Path)
	if r.URL.Path == "/api/clock/advance" {
		var req struct{ By string }
		json.NewDecoder(r.Body).Decode(&req)
		d, _ := time.ParseDuration(req.By)
		f.now = f.now.Add(d)
	}
	if strings.HasPrefix(r.URL.Path, "/api/clock") {
		json.NewEncoder(w).Encode(map[string]any{"now": f.now, "pending": []string{}})
		return
	}
	w.Write([]byte(`{"ok":true}`))
}

func (f *fake) posts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.actions {
		if strings.HasPrefix(a, "POST") {
			out = append(out, a)
		}
	}
	return out
}

var script = map[protocol.Code][]string{
	"010010": {
		`{"resultCode":"0010","resultMessage":"서명대기","data":{"ptxid":"p1"}}`,
		`{"resultCode":"0000","resultMessage":"정상승인","data":{"ptxid":"p1","approvalNo":"12345678","approvalAmt":60000}}`,
	},
	"010020": {`{"resultCode":"0000","resultMessage":"정상취소","data":{"ptxid":"p2"}}`},
	"980001": {`{"resultCode":"0000","resultMessage":"end of transmission"}`},
	"990001": {`{"resultCode":"0000","status":"approved","confirmed":true,"data":{"ptxid":"p1"}}`},
}

func runOne(t *testing.T, target Target, src string) Result {
	t.Helper()
	f, err := Parse("fake.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Target: target}
	return r.Run(context.Background(), f.Scenarios[0])
}

func TestRunnerPlaysAScriptAgainstAPeer(t *testing.T) {
	f := newFake(t, script)
	res := runOne(t, f.target(), `
scenarios:
  - name: sale, card, cancel
    vars: {amount: 60000}
    steps:
      - send: {code: "010010", body: {priceAmt: "${amount}", ptxid: p1}}
      - customer: card
      - expect: {code: "010010", resultCode: "0010"}
      - advance: 2s
      - expect: {code: "010010", resultCode: "0000", fields: {data.approvalAmt: "${amount}"}, match: {data.approvalNo: '^\d{8}$'}, absent: [data.cardNo], capture: {no: data.approvalNo}}
      - send: {code: "010020", body: {approvalNo: "${no}", ptxid: p2}}
      - expect: {code: "010020", resultCode: "0000"}
      - cable: unplug
      - expectSilence: 50ms
      - query: {what: last, fields: {status: approved, confirmed: true}}
`)
	if res.Failure != nil {
		t.Fatalf("failed:\n%s", res.Details())
	}
	want := []string{"POST /api/card", "POST /api/clock/advance", "POST /api/unplug"}
	if got := f.posts(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("control panel asked %v, want %v", got, want)
	}
}

const wrong = `
scenarios:
  - name: expects a decline that never comes
    steps:
      - send: {code: "010010", body: {priceAmt: 60000, ptxid: p1}}
      - expect: {code: "010010", resultCode: "0010"}
      - expect: {code: "010010", resultCode: "9005", resultMessage: 한도초과}
      - send: {code: "980001"}
`

func TestAWrongExpectationFailsAtItsStep(t *testing.T) {
	f := newFake(t, script)
	res := runOne(t, f.target(), wrong)
	fl := res.Failure
	if fl == nil {
		t.Fatal("a wrong expectation passed")
	}
	if fl.Line != 7 || fl.Step != KindExpect {
		t.Fatalf("failed at line %d (%s), want line 7 (expect)", fl.Line, fl.Step)
	}
	if !strings.Contains(fl.Expected, "resultCode 9005") || !strings.Contains(fl.Got, `"resultCode":"0000"`) || !strings.Contains(fl.Got, `resultCode is "0000", want "9005"`) {
		t.Fatalf("expected %q\ngot %q", fl.Expected, fl.Got)
	}
	if len(fl.Frames) != 1 || fl.Frames[0].Conn != "pos" || len(fl.Frames[0].Frames) != 3 || !strings.HasPrefix(fl.Frames[0].Frames[0], "> ") {
		t.Fatalf("frames %+v", fl.Frames)
	}
	if d := res.Details(); !strings.Contains(d, "at fake.yaml:7 (expect)") || !strings.Contains(d, "last frames on pos:") {
		t.Fatalf("details:\n%s", d)
	}

	var buf bytes.Buffer
	if err := JUnit(&buf, []Result{res, {Scenario: &Scenario{File: "fake.yaml", Name: "fine"}, Duration: time.Second}}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit is not XML: %v\n%s", err, buf.String())
	}
	s := doc.Suites[0]
	if len(doc.Suites) != 1 || s.Name != "fake.yaml" || s.Tests != 2 || s.Failures != 1 {
		t.Fatalf("suite %+v", s)
	}
	if c := s.Cases[0]; c.Failure == nil || !strings.HasPrefix(c.Failure.Message, "fake.yaml:7 expect") || !strings.Contains(c.Failure.Body, "> 0037010010") {
		t.Fatalf("failure %+v", c.Failure)
	}
	if s.Cases[1].Failure != nil || s.Cases[1].Time != "1.000" {
		t.Fatalf("passing case %+v", s.Cases[1])
	}
}

func TestNothingComesWithin(t *testing.T) {
	f := newFake(t, map[protocol.Code][]string{})
	start := time.Now()
	res := runOne(t, f.target(), `
scenarios:
  - name: silence
    steps:
      - send: {code: "990001"}
      - expect: {code: "990001", within: 100ms}
`)
	if res.Failure == nil || res.Failure.Got != "nothing within 100ms" || res.Failure.Line != 6 {
		t.Fatalf("failure %+v", res.Failure)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestSilenceFailsWhenAFrameComes(t *testing.T) {
	f := newFake(t, script)
	res := runOne(t, f.target(), `
scenarios:
  - name: not silent
    steps:
      - send: {code: "980001"}
      - expectSilence: 1s
`)
	if res.Failure == nil || res.Failure.Step != KindSilence || !strings.Contains(res.Failure.Got, "980001") {
		t.Fatalf("failure %+v", res.Failure)
	}
}

func TestATargetThatCannotStartFailsTheScenario(t *testing.T) {
	res := runOne(t, &Process{Binary: "/nonexistent/termd"}, "scenarios:\n  - name: x\n    steps: [{query: last}]\n")
	if res.Failure == nil || res.Failure.Step != "start" || !strings.Contains(res.Failure.Got, "/nonexistent/termd") {
		t.Fatalf("failure %+v", res.Failure)
	}
}

func TestShutdownNeedsATermdTheRunnerStarted(t *testing.T) {
	f := newFake(t, script)
	res := runOne(t, f.target(), "scenarios:\n  - name: x\n    steps: [{shutdown: termd}]\n")
	if res.Failure == nil || !strings.Contains(res.Failure.Got, "not started by the runner") {
		t.Fatalf("failure %+v", res.Failure)
	}
}
