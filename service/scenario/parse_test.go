package scenario

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const good = `
config:
  timeouts: {signature: 30s}
connections: {pos: tcp, other: ws}
vars: {amount: 60000}
scenarios:
  - name: sale and cancel
    config:
      confirm: {policy: hold}
    steps:
      - send: {code: "010010", body: {priceAmt: "${amount}", ptxid: "s-${run}"}}
      - advance: 1s
      - expect: {code: "010010", resultCode: "0010"}
      - expect:
          code: 010010
          resultCode: 0000
          within: 5s
          clock: virtual
          fields: {data.approvalAmt: 60000}
          match: {data.approvalNo: '^\d{8}$'}
          absent: [data.cardNo]
          capture: {no: data.approvalNo}
      - send: {code: "010020", body: {approvalNo: "${no}"}}
        on: other
      - expectSilence: 100ms
      - customer: card
      - cable: unplug
      - advance: next
      - query: {what: summary, from: "${today}", to: "${today}", fields: {data.approved.count: 1}}
      - query: last
      - await: {code: "010020", body: {approvalNo: "x"}, resultCode: "9006", within: 2s}
      - send: {raw: "0004xx"}
        only: tcp
      - disconnect: pos
      - connect: pos
      - expectClosed: other
      - capture: {again: data.ptxid}
  - name: second
    connections: {solo: ws}
    steps:
      - send: {code: "990001", body: '{"x":1}'}
`

func TestParseGoodFile(t *testing.T) {
	f, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Scenarios) != 2 {
		t.Fatalf("%d scenarios", len(f.Scenarios))
	}
	s := f.Scenarios[0]
	if s.Name != "sale and cancel" || s.Line != 7 || s.File != "good.yaml" {
		t.Fatalf("scenario %q at %s:%d", s.Name, s.File, s.Line)
	}
	if len(s.Conns) != 2 || s.Conns[0] != (ConnSpec{"pos", "tcp"}) || s.Conns[1] != (ConnSpec{"other", "ws"}) {
		t.Fatalf("connections %v", s.Conns)
	}
	timeouts, _ := s.Config["timeouts"].(map[string]any)
	confirm, _ := s.Config["confirm"].(map[string]any)
	if timeouts["signature"] != "30s" || confirm["policy"] != "hold" {
		t.Fatalf("config not merged: %v", s.Config)
	}
	if len(s.Steps) != 17 {
		t.Fatalf("%d steps", len(s.Steps))
	}
	e := s.Steps[3].Expect
	if s.Steps[3].Line != 14 || e.Code != "010010" || e.ResultCode != "0000" || e.Within != 5*time.Second || !e.Virtual ||
		e.Match["data.approvalNo"] != `^\d{8}$` || e.Absent[0] != "data.cardNo" || e.Capture["no"] != "data.approvalNo" {
		t.Fatalf("expect step %+v at line %d", e, s.Steps[3].Line)
	}
	if st := s.Steps[4]; st.On != "other" || st.Code != "010020" {
		t.Fatalf("send on other: %+v", st)
	}
	if st := s.Steps[1]; st.Kind != KindAdvance || st.By != time.Second {
		t.Fatalf("advance: %+v", st)
	}
	if st := s.Steps[8]; !st.ToNext {
		t.Fatalf("advance next: %+v", st)
	}
	if st := s.Steps[9]; st.Code != "050099" || st.Expect.Code != "050099" {
		t.Fatalf("summary query: %+v", st)
	}
	if st := s.Steps[10]; st.Code != "990001" {
		t.Fatalf("last query: %+v", st)
	}
	if st := s.Steps[12]; st.Raw != "0004xx" || st.Only != "tcp" {
		t.Fatalf("raw send: %+v", st)
	}
	if st := f.Scenarios[1]; st.Conns[0] != (ConnSpec{"solo", "ws"}) || st.Steps[0].Text != `{"x":1}` {
		t.Fatalf("second scenario: %+v %+v", st.Conns, st.Steps[0])
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	head := "scenarios:\n  - name: x\n    steps:\n"
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"yaml syntax", head + "      - send: {code: \"010010\"\n", 3, "did not find expected"},
		{"unknown top key", "scenario:\n  - name: x\n", 1, `no key "scenario"`},
		{"no scenarios", "vars: {a: 1}\n", 1, "no scenarios"},
		{"empty file", "", 1, "empty"},
		{"unknown step", head + "      - sned: {}\n", 4, `no key "sned"`},
		{"two kinds", head + "      - advance: 1s\n        expectSilence: 1s\n", 4, "does one thing"},
		{"bad code", head + "      - send: {code: \"10010\"}\n", 4, "not six digits"},
		{"bad duration", head + "      - advance: soon\n", 4, "not a duration"},
		{"zero duration", head + "      - expectSilence: 0s\n", 4, "not a duration"},
		{"undefined var", head + "      - send: {code: \"010010\", body: {ptxid: \"${nope}\"}}\n", 4, "${nope} is not defined"},
		{"captured later", head + "      - send: {code: \"010010\", body: {n: \"${no}\"}}\n      - expect: {code: \"010010\", capture: {no: data.x}}\n", 4, "${no} is not defined"},
		{"unknown conn", head + "      - send: {code: \"010010\"}\n        on: nobody\n", 4, `no connection named "nobody"`},
		{"bad transport", "connections: {pos: udp}\nscenarios: []\n", 1, `"udp" is not tcp or ws`},
		{"duplicate name", "scenarios:\n  - name: x\n    steps: [{query: last}]\n  - name: x\n    steps: [{query: last}]\n", 4, "two scenarios"},
		{"no steps", "scenarios:\n  - name: x\n", 2, "non-empty steps"},
		{"no name", "scenarios:\n  - steps: [{query: last}]\n", 2, "needs a name"},
		{"expect without code", head + "      - expect: {resultCode: \"0000\"}\n", 4, "needs the code"},
		{"virtual without within", head + "      - expect: {code: \"010010\", clock: virtual}\n", 4, "needs within"},
		{"bad regexp", head + "      - expect: {code: \"010010\", match: {a: \"(\"}}\n", 4, "missing closing"},
		{"bad customer", head + "      - customer: dance\n", 4, `"dance" is not one of card, sign, remove`},
		{"summary without dates", head + "      - query: {what: summary}\n", 4, "needs from: and to:"},
		{"raw with code", head + "      - send: {raw: \"x\", code: \"010010\"}\n", 4, "takes no code"},
		{"shutdown what", head + "      - shutdown: db\n", 4, "shutdown: termd"},
		{"only udp", head + "      - query: last\n        only: udp\n", 5, `only: "udp"`},
	}
	for _, tc := range cases {
		_, err := Parse("bad.yaml", []byte(tc.src))
		if err == nil {
			t.Errorf("%s: parsed", tc.name)
			continue
		}
		prefix := fmt.Sprintf("bad.yaml:%d: ", tc.line)
		if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %q, want %q…%q", tc.name, err, prefix, tc.want)
		}
	}
}

func TestVars(t *testing.T) {
	v := vars{"amt": json.Number("60000"), "no": "12345678"}
	got := v.value(map[string]any{"approvalAmt": "${amt}", "approvalNo": "${no}", "note": "n-${no}-${amt}", "keep": "${other}"})
	m := got.(map[string]any)
	if m["approvalAmt"] != json.Number("60000") || m["approvalNo"] != "12345678" || m["note"] != "n-12345678-60000" || m["keep"] != "${other}" {
		t.Fatalf("substituted %v", m)
	}
}
