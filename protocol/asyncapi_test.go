package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// The AsyncAPI document (asyncapi.yaml) is the contract POS developers and
// their tools read. These tests hold it to this package: the same codes as
// the catalogue, examples that are real frames, and schemas that accept
// what DecodeRequest accepts. cmd/termd/contract_test.go holds it to a
// running daemon.

// contract is the AsyncAPI document loaded for checking.
type contract struct {
	messages map[string]*contractMessage // by components.messages key
	ops      []contractOp
}

// contractOp is one operation: a request and its replies (receive), or
// messages termd sends unasked (send).
type contractOp struct {
	send     bool
	messages []*contractMessage
	replies  []*contractMessage
}

type contractMessage struct {
	key      string
	codes    []Code // nil: any code
	request  bool   // a POS sends it (in a receive operation)
	answer   bool   // termd sends it (a reply, or a send operation)
	payload  *jsonschema.Schema
	examples []map[string]any
}

// accepts reports whether m may carry code.
func (m *contractMessage) accepts(code Code) bool {
	return m.codes == nil || slices.Contains(m.codes, code)
}

const contractURL = "file:///asyncapi.json"

func loadContract(t *testing.T) *contract {
	t.Helper()
	raw, err := os.ReadFile("asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		t.Fatalf("asyncapi.yaml: %v", err)
	}
	j, err := json.Marshal(y)
	if err != nil {
		t.Fatalf("asyncapi.yaml is not JSON-compatible: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft7) // AsyncAPI schemas are a JSON Schema draft-07 superset
	if err := comp.AddResource(contractURL, doc); err != nil {
		t.Fatal(err)
	}
	c := &contract{messages: map[string]*contractMessage{}}
	root := doc.(map[string]any)
	msgs := dig(t, root, "components", "messages")
	for key, v := range msgs {
		m := &contractMessage{key: key}
		mv := v.(map[string]any)
		m.codes = headerCodes(t, key, mv)
		if m.payload, err = comp.Compile(contractURL + "#/components/messages/" + key + "/payload"); err != nil {
			t.Fatalf("message %s: payload schema: %v", key, err)
		}
		for _, ex := range asList(mv["examples"]) {
			m.examples = append(m.examples, ex.(map[string]any))
		}
		c.messages[key] = m
	}
	for name, v := range dig(t, root, "operations") {
		op := v.(map[string]any)
		o := contractOp{send: op["action"] == "send"}
		for _, key := range refKeys(op["messages"]) {
			m := c.mustMessage(t, name, key)
			o.messages = append(o.messages, m)
			m.request, m.answer = m.request || !o.send, m.answer || o.send
		}
		if reply, ok := op["reply"].(map[string]any); ok {
			for _, key := range refKeys(reply["messages"]) {
				m := c.mustMessage(t, name, key)
				o.replies = append(o.replies, m)
				m.answer = true
			}
		}
		c.ops = append(c.ops, o)
	}
	return c
}

func (c *contract) mustMessage(t *testing.T, op, key string) *contractMessage {
	t.Helper()
	m, ok := c.messages[key]
	if !ok {
		t.Fatalf("operation %s names message %s, which components.messages lacks", op, key)
	}
	return m
}

// headerCodes reads the codes a message may carry from its headers schema:
// a const, an enum, or (a pattern alone) any code.
func headerCodes(t *testing.T, key string, m map[string]any) []Code {
	t.Helper()
	code := dig(t, m, "headers", "properties", "code")
	if v, ok := code["const"].(string); ok {
		return []Code{Code(v)}
	}
	if vs, ok := code["enum"].([]any); ok {
		var out []Code
		for _, v := range vs {
			out = append(out, Code(v.(string)))
		}
		return out
	}
	if _, ok := code["pattern"]; ok {
		return nil
	}
	t.Fatalf("message %s: headers.code has neither const, enum nor pattern", key)
	return nil
}

// refKeys turns a list of $refs ending in a message key into those keys.
func refKeys(v any) []string {
	var out []string
	for _, r := range asList(v) {
		ref, _ := r.(map[string]any)["$ref"].(string)
		out = append(out, ref[strings.LastIndex(ref, "/")+1:])
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func dig(t *testing.T, m map[string]any, path ...string) map[string]any {
	t.Helper()
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			t.Fatalf("asyncapi.yaml: no object at %s", strings.Join(path, "."))
		}
		m = next
	}
	return m
}

// find returns the messages of one direction that may carry code. A
// message for any code (a pattern) is a request only for codes no other
// request names; an answer is a reply to the requests find returns, or a
// message termd sends unasked.
func (c *contract) find(code Code, answer bool) []*contractMessage {
	var reqs, anyCode []*contractMessage
	for _, m := range c.messages {
		switch {
		case !m.request || !m.accepts(code):
		case m.codes == nil:
			anyCode = append(anyCode, m)
		default:
			reqs = append(reqs, m)
		}
	}
	if len(reqs) == 0 {
		reqs = anyCode
	}
	if !answer {
		return sorted(reqs)
	}
	var out []*contractMessage
	for _, o := range c.ops {
		switch {
		case o.send:
			for _, m := range o.messages {
				if m.accepts(code) {
					out = append(out, m)
				}
			}
		case slices.ContainsFunc(o.messages, func(m *contractMessage) bool { return slices.Contains(reqs, m) }):
			out = append(out, o.replies...)
		}
	}
	return sorted(out)
}

// sorted orders messages by key, without repeats.
func sorted(ms []*contractMessage) []*contractMessage {
	sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
	return slices.Compact(ms)
}

// validate checks body against the messages of one direction for code and
// returns the key of one that accepts it, or "" and every schema's complaint.
func (c *contract) validate(t *testing.T, code Code, body []byte, answer bool) (string, string) {
	t.Helper()
	return c.validateIn(t, c.find(code, answer), code, body)
}

// validateIn is validate over the given messages.
func (c *contract) validateIn(t *testing.T, msgs []*contractMessage, code Code, body []byte) (string, string) {
	t.Helper()
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return "", "not JSON: " + err.Error()
	}
	var why []string
	for _, m := range msgs {
		err := m.payload.Validate(v)
		if err == nil {
			return m.key, ""
		}
		why = append(why, m.key+": "+err.Error())
	}
	if len(why) == 0 {
		return "", "no message in the contract carries code " + string(code)
	}
	return "", strings.Join(why, "\n")
}

// TestContractListsTheCatalogue: every code termd serves, plus its own two
// (000000 frame error, 000001 auth), and nothing else; each with a request
// and an answer, and no daemon–terminal (8xxxxx) code.
func TestContractListsTheCatalogue(t *testing.T) {
	c := loadContract(t)
	want := append(Codes(), CodeFrameError, CodeAuth)
	seen := map[Code]bool{}
	for _, m := range c.messages {
		for _, code := range m.codes {
			seen[code] = true
			if IsDeviceCode(code) {
				t.Errorf("message %s carries daemon–terminal code %s, which a POS never sees", m.key, code)
			}
			if _, ok := Lookup(code); !ok && code != CodeFrameError && code != CodeAuth {
				t.Errorf("message %s carries code %s, which termd does not serve", m.key, code)
			}
		}
		if !m.request && !m.answer {
			t.Errorf("message %s is in no operation", m.key)
		}
	}
	for _, code := range want {
		if !seen[code] {
			t.Errorf("code %s is missing from asyncapi.yaml", code)
			continue
		}
		if code != CodeFrameError && len(c.find(code, false)) == 0 {
			t.Errorf("code %s has no request message", code)
		}
		if len(c.find(code, true)) == 0 {
			t.Errorf("code %s has no answer message", code)
		}
	}
}

// TestContractExamplesAreRealFrames: each example's header has the true
// byte length, its summary is the frame on the wire, and its payload meets
// its own schema.
func TestContractExamplesAreRealFrames(t *testing.T) {
	c := loadContract(t)
	n := 0
	for _, m := range c.messages {
		for _, ex := range m.examples {
			n++
			name := m.key + "/" + ex["name"].(string)
			h := ex["headers"].(map[string]any)
			code := Code(h["code"].(string))
			if !m.accepts(code) {
				t.Errorf("%s: example code %s is not one of the message's codes %v", name, code, m.codes)
			}
			var body []byte
			if p, ok := ex["payload"]; ok {
				body = compactJSON(t, p)
				if err := m.payload.Validate(p); err != nil {
					t.Errorf("%s: example payload fails its schema: %v", name, err)
				}
			}
			frame, err := AppendFrame(nil, code, body)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := h["length"].(string); got != string(frame[:LenDigits]) {
				t.Errorf("%s: header length %s, the frame is %s", name, got, frame[:LenDigits])
			}
			summary, _ := ex["summary"].(string)
			f, err := Parse([]byte(summary))
			if err != nil {
				t.Errorf("%s: summary %q is not one frame: %v", name, summary, err)
				continue
			}
			if f.Code != code || !sameValue(t, f.Body, body) {
				t.Errorf("%s: summary %q is not the example's frame %q", name, summary, frame)
			}
		}
	}
	if n < len(c.messages) {
		t.Errorf("%d examples for %d messages: every message needs one", n, len(c.messages))
	}
}

// compactJSON encodes v as a POS would send it: no spaces, no HTML escaping.
func compactJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func sameValue(t *testing.T, a, b []byte) bool {
	t.Helper()
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	ok, _ := sameJSON(t, a, b)
	return ok
}

// TestContractAcceptsTheSeed: the terminal document's requests, with its
// placeholders filled as a POS fills them, meet the request schemas; the
// placeholder versions DecodeRequest refuses are refused by the schemas
// too; the document's answers with real result codes meet the answer
// schemas.
func TestContractAcceptsTheSeed(t *testing.T) {
	c := loadContract(t)
	for _, tc := range seedRequests {
		good := tc.body
		if tc.rejected != "" {
			good = tc.filled
			if key, _ := c.validate(t, tc.code, []byte(tc.body), false); key != "" {
				t.Errorf("%s: the placeholder example, which termd refuses (%s), meets schema %s", tc.name, tc.rejected, key)
			}
		}
		if key, why := c.validate(t, tc.code, []byte(good), false); key == "" {
			t.Errorf("%s: request %s fails the contract:\n%s", tc.name, good, why)
		}
	}
	for _, tc := range seedResponses {
		var h ResultHeader
		if json.Unmarshal([]byte(tc.body), &h) != nil || h.ResultCode == "string" {
			continue // a shape with placeholders; asyncapi.yaml has it filled
		}
		for _, header := range tc.headers {
			code := Code(header[LenDigits:])
			if key, why := c.validate(t, code, []byte(tc.body), true); key == "" {
				t.Errorf("%s %s: answer fails the contract:\n%s", tc.name, code, why)
			}
		}
	}
}

// TestContractAgreesWithDecodeRequest: what DecodeRequest accepts, the
// contract accepts; what the contract refuses, DecodeRequest refuses. (The
// contract cannot say everything: sums, real dates and periods are checked
// only by termd.)
func TestContractAgreesWithDecodeRequest(t *testing.T) {
	c := loadContract(t)
	cases := []struct {
		code  Code
		model Model
		body  string
	}{
		{CodeCreditApproval, "", `{"priceAmt":1000,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":0,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":1000}`},
		{CodeCreditApproval, "", `{"priceAmt":1000,"ptxid":""}`},
		{CodeCreditApproval, "", `{"priceAmt":1000,"ptxid":"한글"}`},
		{CodeCreditApproval, "", `{"priceAmt":1000000000,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":60000,"installment":1,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":60000,"installment":13,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":60000,"installment":12,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":"1000","ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":1000,"tipAmt":-1,"ptxid":"a"}`},
		{CodeCreditApproval, "", `{"priceAmt":1000,"ptxid":"a","extra":true}`},
		{CodeSimplePayApproval, "", `{"serviceCode":"QRDQRDQRDQRDQRDQRDQRD","priceAmt":1000,"ptxid":"a"}`},
		{CodeCreditCancel, "", `{"approvalAmt":1000,"approvalNo":"1","transactionDate":"20260101","ptxid":"a"}`},
		{CodeCreditCancel, "", `{"approvalAmt":1000,"approvalNo":"1","transactionDate":"2026010","ptxid":"a"}`},
		{CodeCreditCancel, "", `{"approvalAmt":1000,"approvalNo":"","transactionDate":"20260101","ptxid":"a"}`},
		{CodeCashReceipt, "", `{"priceAmt":1000,"traderType":"2","ptxid":"a"}`},
		{CodeCashReceipt, "", `{"priceAmt":1000,"traderType":"3","ptxid":"a"}`},
		{CodeCashReceiptCancel, "", `{"approvalAmt":1000,"approvalNo":"1","transactionDate":"20260101","ptxid":"a"}`},
		{CodeSalesSummary, "", `{"from":"20260101","to":"20260102"}`},
		{CodeSalesSummary, "", `{"from":"2026-01-01","to":"20260102"}`},
		{CodePrint, "", `{"commands":[]}`},
		{CodePrint, "", `{"commands":[{"command":"text"}]}`},
		{CodePrint, "", `{"commands":[{"command":"text2","message":["a"]}]}`},
		{CodePrint, "", `{"commands":[{"command":"left"}]}`},
		{CodePrint, "", `{"commands":[{"command":"br","fontSize":101}]}`},
		{CodePrint, "", `{"commands":[{"command":"text3","message":["a","b","c"]},{"command":"cuttingLine"}]}`},
		{CodeTaxRefund, ModelT650P, `{"salesSerial":"12","ptxId":"a"}`},
		{CodeTaxRefund, ModelT650P, `{"taxRefundMode":"later","ptxId":"a"}`},
		{CodeTaxRefund, ModelP3MIX, `{"checkIn":"2601","ptxid":"a"}`},
		{CodeTaxRefundCancel, "", `{"taxRefundSerial":"1","isPrint":"yes","ptxId":"a"}`},
		{CodeTaxRefundQuery, "", `{"taxRefundSerial":"1","ptxid":"a"}`},
		{CodeAuth, "", `{"token":""}`},
		{CodeAuth, "", `{"token":"0123456789abcdef"}`},
		{CodeConfirm, "", ``},
		{CodeAbort, "", `{"anything":1}`},
	}
	for _, tc := range cases {
		model := tc.model
		if model == "" {
			model = ModelT650P
		}
		_, err := DecodeRequest(tc.code, []byte(tc.body), model)
		msgs := c.find(tc.code, false)
		if tc.code == CodeTaxRefund { // the body depends on device.model
			msgs = slices.DeleteFunc(msgs, func(m *contractMessage) bool { return !strings.HasSuffix(m.key, string(model)) })
		}
		key, why := c.validateIn(t, msgs, tc.code, []byte(tc.body))
		switch {
		case err == nil && key == "":
			t.Errorf("%s %s: termd accepts it, the contract refuses it:\n%s", tc.code, tc.body, why)
		case err != nil && key != "" && !checkedOnlyByTermd(err):
			t.Errorf("%s %s: termd refuses it (%v), the contract accepts it (%s)", tc.code, tc.body, err, key)
		}
	}
}

// checkedOnlyByTermd: rules a JSON Schema cannot state, or that depend on
// more than one field.
func checkedOnlyByTermd(err error) bool {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return false
	}
	return strings.Contains(fe.Reason, "installments need") || strings.Contains(fe.Reason, "exceeds") ||
		strings.Contains(fe.Reason, "not a real date") || strings.Contains(fe.Reason, "is after") ||
		strings.Contains(fe.Reason, "spans")
}

// sameJSON reports whether a and b are the same JSON value, and if not, both.
func sameJSON(t *testing.T, a, b []byte) (bool, string) {
	t.Helper()
	va, vb := jsonValue(t, a), jsonValue(t, b)
	if reflect.DeepEqual(va, vb) {
		return true, ""
	}
	return false, fmt.Sprintf("\n got: %s\nwant: %s", b, a)
}
