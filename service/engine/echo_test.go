package engine

import (
	"bytes"
	"strings"
	"testing"
)

// The final answer reaches the journal and the POS with data.ptxid naming
// the transaction: added when the terminal left it out, and an answer that
// echoes it already is kept byte for byte (not decoded and re-encoded).
func TestFinalAnswerCarriesItsPtxid(t *testing.T) {
	cfg := Config{}
	cfg.fill()
	for _, tc := range []struct {
		name, ptxid, body string
		same              bool
	}{
		{"terminal echoes the ptxid", "P1", `{"resultCode":"0000","data":{"approvalNo":"1","ptxid":"P1"}}`, true},
		{"terminal leaves data.ptxid out", "", `{"resultCode":"0000","data":{"approvalNo":"1"}}`, false},
		{"terminal sends no data", "", `{"resultCode":"0000"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := inFinal{Code: credit, Result: "0000", Ptxid: tc.ptxid, Body: []byte(tc.body)}
			s, fx := next(&cfg, in(Authorizing), answer)
			if s.Phase != Saving {
				t.Fatalf("phase %v, want SAVING", s.Phase)
			}
			var journaled []byte
			for _, f := range fx {
				if w, ok := f.(fxWrite); ok {
					journaled = w.Recs[0].Final
				}
			}
			for what, b := range map[string][]byte{"delivered": s.Txn.Final, "journaled": journaled} {
				if !strings.Contains(string(b), `"ptxid":"P1"`) {
					t.Errorf("%s answer %s lacks data.ptxid", what, b)
				}
			}
			if tc.same && !bytes.Equal(s.Txn.Final, answer.Body) {
				t.Errorf("an answer echoing its ptxid was rewritten: %s", s.Txn.Final)
			}
		})
	}
}
