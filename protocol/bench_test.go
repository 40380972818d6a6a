package protocol

import (
	"encoding/json"
	"testing"
)

// benchApproval is a full 010010 answer: every data field of the terminal
// document, with realistic values.
func benchApproval() Response {
	return Response{
		ResultCode:    ResultOK,
		ResultMessage: MsgApproved,
		Data: &CardResult{
			ApprovalNo:      "30012345",
			TransactionNo:   "240315000123",
			MerchantCode:    "1234567890",
			Installment:     3,
			ApprovalAmt:     55000,
			TipAmt:          0,
			TaxAmt:          5000,
			TaxFreeAmt:      0,
			MaskedTrackData: MaskCard("5361481234561234"),
			IssuerCode:      "01",
			IssuerName:      "비씨카드",
			AcquirerCode:    "01",
			AcquirerName:    "비씨카드사",
			TransactionDate: "20240315143000",
			Ptxid:           "CPOS-c1e02447-50ad-4823-b505-eab86dfbfd1a",
		},
	}
}

// BenchmarkEncodeApprovalResponse: marshal the typed answer and frame it
// into a reused buffer, as a connection's writer does.
func BenchmarkEncodeApprovalResponse(b *testing.B) {
	resp := benchApproval()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(resp)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = AppendFrame(buf[:0], CodeCreditApproval, body); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkDecodeApprovalResponse: parse the frame and unmarshal its body
// into the typed answer, as a POS client does.
func BenchmarkDecodeApprovalResponse(b *testing.B) {
	body, err := json.Marshal(benchApproval())
	if err != nil {
		b.Fatal(err)
	}
	frame, err := AppendFrame(nil, CodeCreditApproval, body)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(frame)
		if err != nil {
			b.Fatal(err)
		}
		var data CardResult
		resp := Response{Data: &data}
		if err := json.Unmarshal(f.Body, &resp); err != nil {
			b.Fatal(err)
		}
		if data.ApprovalNo != "30012345" {
			b.Fatalf("decoded %+v", data)
		}
	}
}

// BenchmarkPlainJSONEncode is the same body through encoding/json alone:
// the difference to BenchmarkEncodeApprovalResponse is the framing's cost.
func BenchmarkPlainJSONEncode(b *testing.B) {
	resp := benchApproval()
	var n int
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(resp)
		if err != nil {
			b.Fatal(err)
		}
		n = len(body)
	}
	b.SetBytes(int64(n))
}

// BenchmarkPlainJSONDecode is the same body through encoding/json alone.
func BenchmarkPlainJSONDecode(b *testing.B) {
	body, err := json.Marshal(benchApproval())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var data CardResult
		resp := Response{Data: &data}
		if err := json.Unmarshal(body, &resp); err != nil {
			b.Fatal(err)
		}
		if data.ApprovalNo != "30012345" {
			b.Fatalf("decoded %+v", data)
		}
	}
}
