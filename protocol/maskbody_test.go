package protocol

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestMaskBody(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// A cash receipt's customer number, in the request and in an answer.
		{`{"priceAmt":1000,"traderType":"1","approvalNumber":"01012345678","ptxid":"r1"}`,
			`{"priceAmt":1000,"traderType":"1","approvalNumber":"*******5678","ptxid":"r1"}`},
		{`{"data":{"approvalNumber" : "010-1234-5678"}}`, `{"data":{"approvalNumber" : "***-****-5678"}}`},
		{`{"approvalNumber":""}`, `{"approvalNumber":""}`},
		// A full card number where a masked one belongs, and inside text.
		{`{"maskedTrackData":"5361481234561234"}`, `{"maskedTrackData":"536148******1234"}`},
		{`{"note":"card 4111111111111111 declined"}`, `{"note":"card 411111******1111 declined"}`},
		// Already masked, or numbers of the transaction: unchanged.
		{`{"maskedTrackData":"536148******1234","transactionNo":"123456789012"}`, ``},
		{`{"transactionDate":"20261126093015","taxRefundSerial":"26112612345678901234"}`, ``},
		// A POS's ptxid that happens to look like a card number (P3MIX's ptxId too).
		{`{"data":{"ptxid":"4111111111111111","origPtxid":"4111111111111111"},"ptxId":"4111111111111111"}`, ``},
		// 13 to 19 digits that fail the Luhn check are not card numbers.
		{`{"x":"4111111111111112"}`, ``},
		// Keys are never masked, numbers outside strings neither.
		{`{"4111111111111111":4111111111111111}`, ``},
		// Escapes do not end a string early.
		{`{"a":"\"","approvalNumber":"9876543210"}`, `{"a":"\"","approvalNumber":"******3210"}`},
		// Not JSON: treated as one value.
		{`4111111111111111`, `411111******1111`},
		{``, ``},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		in := []byte(c.in)
		got := MaskBody(in)
		if string(got) != want {
			t.Errorf("MaskBody(%s)\n got %s\nwant %s", c.in, got, want)
		}
		if string(in) != c.in {
			t.Errorf("MaskBody changed its input to %s", in)
		}
		if c.want == "" && len(in) > 0 && &got[0] != &in[0] {
			t.Errorf("MaskBody(%s) copied a body with nothing to hide", c.in)
		}
	}
}

// FuzzMaskBody: whatever the body, masking keeps its length and the JSON
// validity of an object or array, never touches the input, is idempotent, and leaves no full
// approvalNumber behind.
func FuzzMaskBody(f *testing.F) {
	f.Add([]byte(`{"approvalNumber":"01012345678","maskedTrackData":"5361481234561234"}`))
	f.Add([]byte(`{"data":{"note":"4111111111111111","transactionDate":"20261126093015"}}`))
	f.Add([]byte(`["\\\"",{"approvalNumber":"1"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := append([]byte(nil), body...)
		got := MaskBody(body)
		if !bytes.Equal(body, orig) {
			t.Fatal("input modified")
		}
		if len(got) != len(body) {
			t.Fatalf("length %d, want %d", len(got), len(body))
		}
		if len(body) > 0 && (body[0] == '{' || body[0] == '[') && json.Valid(body) != json.Valid(got) {
			t.Fatalf("JSON validity changed: %s → %s", body, got)
		}
		if again := MaskBody(got); !bytes.Equal(again, got) {
			t.Fatalf("not idempotent: %s → %s → %s", body, got, again)
		}
		var v struct{ ApprovalNumber string }
		if json.Unmarshal(got, &v) == nil && countDigits(v.ApprovalNumber) > 4 {
			t.Fatalf("approvalNumber %q left with more than 4 digits", v.ApprovalNumber)
		}
	})
}

func countDigits(s string) int {
	n := 0
	for _, c := range []byte(s) {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// BenchmarkMaskBody: the cost added to every logged frame.
func BenchmarkMaskBody(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"nothing", `{"resultCode":"0000","resultMessage":"정상승인","data":{"approvalNo":"12345678","transactionNo":"123456789012","maskedTrackData":"536148******1234","transactionDate":"20261126093015","ptxid":"p1"}}`},
		{"cashReceipt", `{"priceAmt":1000,"taxAmt":91,"traderType":"1","approvalNumber":"01012345678","ptxid":"r1"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.ReportAllocs()
			for b.Loop() {
				MaskBody(body)
			}
		})
	}
}
