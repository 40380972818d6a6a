package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// The examples below are this package's own transcription of the terminal
// message document (seed 000): every request and answer it shows. The
// document's headers other than the header-only ones (0006…) carry
// placeholder lengths (9999, 0050, XXXX…), so the tests keep the code part
// of those headers and compute the length with AppendFrame.

// jsonValue decodes b into generic JSON values (maps, slices, float64…) for
// a comparison that ignores key order and spacing.
func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// dropZeroNumbers removes every object member whose value is the number 0.
// Tax-refund requests use it: all their amounts are optional and an absent
// amount means none, so a re-encoding may leave the zeros out.
func dropZeroNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if f, ok := e.(float64); ok && f == 0 {
				delete(x, k)
				continue
			}
			x[k] = dropZeroNumbers(e)
		}
	case []any:
		for i := range x {
			x[i] = dropZeroNumbers(x[i])
		}
	}
	return v
}

type seedRequest struct {
	name   string
	header string // as the document prints it
	code   Code   // the code termd serves it under (differs for 900050)
	model  Model  // for 050010
	body   string // "" for header-only requests
	// rejected: the JSON field DecodeRequest must name when the example is
	// sent verbatim ("" = accepted). The document's generated examples use
	// placeholder values (amounts 0, dates "string") that §3.1 refuses.
	rejected string
	// filled is the same example with the placeholders replaced by values a
	// POS really sends; it must be accepted and round-trip.
	filled string
	// zeroOptional: a zero amount and an absent amount are the same thing.
	zeroOptional bool
}

var seedRequests = []seedRequest{
	{
		name: "credit approval", header: "9999010010", code: CodeCreditApproval,
		body: `{
"priceAmt": 0,
"taxAmt": 0,
"tipAmt": 0,
"taxFreeAmt": 0,
"installment": 0,
"ptxid": "string"
}`,
		rejected: "priceAmt",
		filled:   `{"priceAmt": 55000, "taxAmt": 5000, "tipAmt": 0, "taxFreeAmt": 0, "installment": 3, "ptxid": "string"}`,
	},
	{
		name: "credit cancel", header: "9999010020", code: CodeCreditCancel,
		body: `{
"approvalAmt": 0,
"approvalNo": "string",
"transactionDate": "string",
"transactionNo": "string",
"ptxid": "string"
}`,
		rejected: "approvalAmt",
		filled:   `{"approvalAmt": 55000, "approvalNo": "30012345", "transactionDate": "20240315143000", "transactionNo": "240315000123", "ptxid": "string"}`,
	},
	{
		name: "simple-pay approval", header: "0100030010", code: CodeSimplePayApproval,
		body:     `{ "serviceCode": "QRD", "priceAmt": 0, "taxAmt": 0, "tipAmt": 0, "taxFreeAmt": 0, "installment": 0, "ptxid": "string" }`,
		rejected: "priceAmt",
		filled:   `{ "serviceCode": "QRD", "priceAmt": 11000, "taxAmt": 1000, "tipAmt": 500, "taxFreeAmt": 0, "installment": 0, "ptxid": "string" }`,
	},
	{
		name: "simple-pay cancel", header: "0100030020", code: CodeSimplePayCancel,
		body: `{
"approvalAmt": 0,
"approvalNo": "string",
"transactionDate": "string",
"transactionNo": "string",
"ptxid": "string"
}`,
		rejected: "approvalAmt",
		filled:   `{"approvalAmt": 11500, "approvalNo": "40000001", "transactionDate": "20240315", "transactionNo": "240315000124", "ptxid": "string"}`,
	},
	{
		name: "cash receipt", header: "0100070010", code: CodeCashReceipt,
		body: `{
"priceAmt": 0,
"taxAmt": 0,
"tipAmt": 0,
"taxFreeAmt": 0,
"traderType": "1",
"approvalNumber": "string",
"ptxid": "string"
}`,
		rejected: "priceAmt",
		filled:   `{"priceAmt": 22000, "taxAmt": 2000, "tipAmt": 0, "taxFreeAmt": 0, "traderType": "1", "approvalNumber": "01012345678", "ptxid": "string"}`,
	},
	{
		name: "cash receipt cancel", header: "0100070020", code: CodeCashReceiptCancel,
		body: `{
"approvalAmt": 0,
"approvalNo": "string",
"transactionDate": "string",
"transactionNo": "string",
"traderType": "1",
"approvalNumber": "string",
"ptxid": "string"
}`,
		rejected: "approvalAmt",
		filled:   `{"approvalAmt": 22000, "approvalNo": "50000001", "transactionDate": "20240315090000", "transactionNo": "240315000125", "traderType": "1", "approvalNumber": "01012345678", "ptxid": "string"}`,
	},
	{name: "card read-cancel", header: "0006910021", code: CodeCardReadCancel},
	{name: "simple-pay read-cancel", header: "0006930021", code: CodeSimplePayReadCancel},
	{name: "cash-receipt read-cancel", header: "0006970021", code: CodeCashReceiptReadCancel},
	{name: "last transaction", header: "0006990001", code: CodeLastTransaction},
	{
		name: "sales summary", header: "0050050099", code: CodeSalesSummary,
		body: `{
"from": "20240101",
"to": "20241231"
}`,
	},
	{name: "result confirmation", header: "0006980001", code: CodeConfirm},
	{name: "code download", header: "0006081008", code: CodeCodeDownload},
	{
		name: "print", header: "9999900091", code: CodePrint,
		body: `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`,
	},
	{
		name: "tax refund T650P", header: "9999050010", code: CodeTaxRefund, model: ModelT650P,
		body: `{
"taxRefundMode": "post",
"paymentType": "card",
"approvalAmt": 0,
"salesSerial": 0,
"qrServiceCode": "string",
"ptxId": "string"
}`,
		zeroOptional: true,
		filled:       `{"taxRefundMode": "post", "paymentType": "card", "approvalAmt": 50000, "salesSerial": 1234, "qrServiceCode": "string", "ptxId": "string"}`,
	},
	// The P3MIX examples carry no ptxId in the document, and every field of
	// those bodies is optional: termd accepts them as they are and names
	// the slip itself (§3.1); a ptxId, when given, is kept.
	{
		name: "tax refund P3MIX medical", header: "9999050010", code: CodeTaxRefund, model: ModelP3MIX,
		body:         `{ "cardAmount": 50000, "cashAmount": 0, "etcAmount": 0, "salesSerial": "salesSerial or transactionNo", "facilitatorNumber": "0000000000" }`,
		zeroOptional: true,
		filled:       `{ "cardAmount": 50000, "cashAmount": 0, "etcAmount": 0, "salesSerial": "salesSerial or transactionNo", "facilitatorNumber": "0000000000", "ptxId": "medical-1" }`,
	},
	{
		name: "tax refund P3MIX goods", header: "9999050010", code: CodeTaxRefund, model: ModelP3MIX,
		body:         `{ "salesSerial": "salesSerial or transactionNo" }`,
		zeroOptional: true,
		filled:       `{ "salesSerial": "salesSerial or transactionNo", "ptxId": "goods-1" }`,
	},
	{
		name: "tax refund P3MIX hotel", header: "9999050010", code: CodeTaxRefund, model: ModelP3MIX,
		body:         `{ "checkIn": "240101", "checkOut": "241231", "salesSerial": "salesSerial or transactionNo" }`,
		zeroOptional: true,
		filled:       `{ "checkIn": "240101", "checkOut": "241231", "salesSerial": "salesSerial or transactionNo", "ptxId": "hotel-1" }`,
	},
	{
		name: "tax refund cancel", header: "9999050020", code: CodeTaxRefundCancel,
		body: `{ "taxRefundSerial": "80103750224020100017", "isPrint": "true", "ptxId": "abcd-efgcg-asdd-dawdad-dadw" }`,
	},
	{
		// The document prints the cancel's code on this one; §3 decides 900050.
		name: "tax refund query", header: "9999050020", code: CodeTaxRefundQuery,
		body: `{ "taxRefundSerial": "80103750224020100017", "isPrint": "true", "ptxId": "abcd-efgcg-asdd-dawdad-dadw" }`,
	},
	{name: "abort", header: "0006555555", code: CodeAbort},
}

// seedFrame builds the wire frame of an example: header-only examples are
// used byte for byte; the others get their real length.
func seedFrame(t *testing.T, header string, code Code, body string) []byte {
	t.Helper()
	if len(header) != HeaderSize {
		t.Fatalf("header %q is not %d bytes", header, HeaderSize)
	}
	if body == "" {
		return []byte(header)
	}
	if h := header[LenDigits:]; h != string(code) && code != CodeTaxRefundQuery {
		t.Fatalf("header %q does not carry code %s", header, code)
	}
	frame, err := AppendFrame(nil, code, []byte(body))
	if err != nil {
		t.Fatalf("AppendFrame: %v", err)
	}
	return frame
}

// roundTripRequest parses frame, decodes the body and checks that encoding
// the decoded value gives the same JSON back.
func roundTripRequest(t *testing.T, frame []byte, code Code, model Model, zeroOptional bool) {
	t.Helper()
	f, err := Parse(frame)
	if err != nil {
		t.Fatalf("Parse(%q): %v", frame, err)
	}
	if f.Code != code {
		t.Fatalf("code %s, want %s", f.Code, code)
	}
	v, err := DecodeRequest(f.Code, f.Body, model)
	if err != nil {
		t.Fatalf("DecodeRequest(%s, %s): %v", f.Code, f.Body, err)
	}
	if len(f.Body) == 0 {
		if v != nil {
			t.Fatalf("header-only %s decoded to %#v, want nil", code, v)
		}
		return
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode %T: %v", v, err)
	}
	want, got := jsonValue(t, f.Body), jsonValue(t, again)
	if zeroOptional {
		want, got = dropZeroNumbers(want), dropZeroNumbers(got)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%T round trip differs\n got: %s\nwant: %s", v, again, f.Body)
	}
	// The re-encoded body must itself frame and decode to the same value.
	frame2, err := AppendFrame(nil, code, again)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := Parse(frame2)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := DecodeRequest(f2.Code, f2.Body, model)
	if err != nil {
		t.Fatalf("re-decode: %v", err)
	}
	if !reflect.DeepEqual(v, v2) {
		t.Fatalf("re-decoded value differs:\n got %#v\nwant %#v", v2, v)
	}
}

func TestSeedRequests(t *testing.T) {
	for _, tc := range seedRequests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.model == "" {
				tc.model = ModelT650P
			}
			frame := seedFrame(t, tc.header, tc.code, tc.body)
			if tc.body != "" {
				// The document's own header has a placeholder length:
				// taken literally it does not frame the body, and Parse
				// must say so rather than cut the body short.
				literal := append([]byte(tc.header), tc.body...)
				_, err := Parse(literal)
				var he *HeaderError
				if !bytes.Equal(frame[:LenDigits], literal[:LenDigits]) && !errors.As(err, &he) {
					t.Errorf("Parse(placeholder header %q + %d-byte body): err %v, want *HeaderError", tc.header, len(tc.body), err)
				}
			}
			if tc.rejected == "" {
				roundTripRequest(t, frame, tc.code, tc.model, tc.zeroOptional)
			} else {
				f, err := Parse(frame)
				if err != nil {
					t.Fatal(err)
				}
				_, err = DecodeRequest(f.Code, f.Body, tc.model)
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.rejected {
					t.Fatalf("verbatim example: err %v, want a *FieldError naming %s", err, tc.rejected)
				}
			}
			if tc.filled != "" {
				roundTripRequest(t, seedFrame(t, tc.header, tc.code, tc.filled), tc.code, tc.model, tc.zeroOptional)
			}
		})
	}
}

// TestSeedRequestsCoverCatalogue keeps the example table complete: every
// POS code of the catalogue has at least one seed request.
func TestSeedRequestsCoverCatalogue(t *testing.T) {
	var have []Code
	for _, tc := range seedRequests {
		have = append(have, tc.code)
	}
	for _, c := range Codes() {
		if !slices.Contains(have, c) {
			t.Errorf("no seed request for %s", c)
		}
	}
}

type seedResponse struct {
	name    string
	headers []string // as the document prints them
	body    string
	// data is a new value of the typed data the answer decodes into, nil
	// for answers without data.
	data func() any
	// extraData: members termd adds to data that the document's example
	// lacks (the ptxid echo of §3 on tax-refund answers). They must come out
	// zero-valued when the example did not have them.
	extraData []string
}

const seedCardData = `{
"approvalNo": "string",
"transactionNo": "string",
"merchantCode": "string",
"installment": 0,
"approvalAmt": 0,
"tipAmt": 0,
"taxAmt": 0,
"taxFreeAmt": 0,
"maskedTrackData": "string",
"issuerCode": "string",
"issuerName": "string",
"acquirerCode": "string",
"acquirerName": "string",
"transactionDate": "string",
"ptxid": "string"
}`

const seedSimplePayData = `{
"approvalNo": "string",
"transactionNo": "string",
"merchantCode": "string",
"installment": 0,
"approvalAmt": 0,
"tipAmt": 0,
"taxAmt": 0,
"taxFreeAmt": 0,
"maskedTrackData": "string",
"issuerCode": "string",
"issuerName": "string",
"acquirerCode": "string",
"acquirerName": "string",
"transactionDate": "string",
"pointAmt1": 0,
"pointAmt2": 0,
"pointAmt3": 0,
"serviceCode": "string",
"ptxid": "string"
}`

const seedCashData = `{
"approvalNo": "string",
"transactionNo": "string",
"approvalAmt": 0,
"tipAmt": 0,
"taxAmt": 0,
"taxFreeAmt": 0,
"maskedTrackData": "string",
"transactionDate": "string",
"receiptTitle": "string",
"traderType": "1",
"ptxid": "string"
}`

func envelope(data string) string {
	return `{
"resultCode": "string",
"resultMessage": "string",
"data": ` + data + `
}`
}

var seedResponses = []seedResponse{
	{name: "credit approval", headers: []string{"9999010010"}, body: envelope(seedCardData), data: func() any { return new(CardResult) }},
	{name: "credit cancel", headers: []string{"9999010020"}, body: envelope(seedCardData), data: func() any { return new(CardResult) }},
	{
		name: "signature wait", headers: []string{"0050010010", "0050010020"},
		body: `{ "resultCode": "0010", "resultMessage": "서명대기", "data": { "ptxid": "string" } }`,
		data: func() any { return new(PtxidData) },
	},
	{
		name: "signature timeout", headers: []string{"0050010010", "0050010020"},
		body: `{ "resultCode": "9999", "resultMessage": "서명시간초과", "data": { "ptxid": "string" } }`,
		data: func() any { return new(PtxidData) },
	},
	{
		name: "read-cancel done", headers: []string{"0050910021", "0050930021", "0050970021"},
		body: `{ "resultCode": "0000", "resultMessage": "완료", "data": { "ptxid": "CPOS-c1e02447-50ad-4823-b505-eab86dfbfd1a" } }`,
		data: func() any { return new(PtxidData) },
	},
	{
		name: "read-cancel refused", headers: []string{"0050910021", "0050930021", "0050970021"},
		body: `{ "resultCode": "9991", "resultMessage": "unable to proceed", "data": { "ptxid": "CPOS-c1e02447-50ad-4823-b505-eab86dfbfd1a" } }`,
		data: func() any { return new(PtxidData) },
	},
	{name: "simple-pay approval", headers: []string{"0100030010"}, body: envelope(seedSimplePayData), data: func() any { return new(SimplePayResult) }},
	{name: "simple-pay cancel", headers: []string{"0100030020"}, body: envelope(seedSimplePayData), data: func() any { return new(SimplePayResult) }},
	{name: "cash receipt", headers: []string{"0100070010"}, body: envelope(seedCashData), data: func() any { return new(CashReceiptResult) }},
	{name: "cash receipt cancel", headers: []string{"0100070020"}, body: envelope(seedCashData), data: func() any { return new(CashReceiptResult) }},
	{
		name: "sales summary", headers: []string{"0500050099"},
		body: `{
"resultCode": "string",
"resultMessage": "string",
"period": "string",
"data": {
"approved": {
"count": 0,
"price": 0,
"issuer": 0
},
"canceled": {
"count": 0,
"price": 0,
"issuer": 0
}
}
}`,
		data: func() any { return new(SummaryData) },
	},
	{
		name: "result confirmation", headers: []string{"9999980001"},
		body: `{ "resultCode": "0000", "resultMessage": "end of transmission" }`,
	},
	{
		name: "code download", headers: []string{"9999081008"},
		body: `{ "resultCode": "0000", "resultMessage": "코드리스트 정상 조회", "data": { "totalCount": 0, "codeList": [ { "code": "AQ15", "codeName": "KT 포인트", "groupCode": "AG04", "groupCodeName": "국내포인트결제매입사" }, { "code": "AQ16", "codeName": "LG 포인트", "groupCode": "AG04", "groupCodeName": "국내포인트결제매입사" }, { "code": "CASH", "codeName": "현금영수증", "groupCode": "", "groupCodeName": "" } ] } }`,
		data: func() any { return new(CodeListData) },
	},
	{
		name: "print", headers: []string{"9999900091"},
		body: `{ "resultCode": "0000", "resultMessage": "프린트 정상 출력" }`,
	},
	{
		name: "tax refund goods and hotel", headers: []string{"9999050010", "9999050020", "9999900050"},
		body:      `{ "resultCode": "string", "resultMessage": "string", "data": { "buyerCountry": "string", "buyerName": "string", "dutyFreeStoreNumber": "string", "message0": "string", "message1": "string", "message2": "string", "message3": "string", "passportSerial": "string", "refundBalance": 0, "refundDate": "string", "refundTime": "string", "refundSerial": "string", "taxrefundSerial": "string" } }`,
		data:      func() any { return new(RefundGoodsResult) },
		extraData: []string{"ptxid"},
	},
	{
		name: "tax refund medical", headers: []string{"9999050010", "9999050020", "9999900050"},
		body:      `{ "resultCode": "string", "resultMessage": "string", "data": { "buyerCountry": "string", "buyerName": "string", "cardAmount": 0, "cashAmount": 0, "etcAmount": 0, "facilitatorBusinessSerial": "string", "facilitatorMedicalSerial": "string", "facilitatorName": "string", "facilitatorSerial": "string", "passportSerial": "string", "price": 0, "refundBalance": 0, "refundDate": "string", "refundTime": "string", "refundSerial": "string", "resCode": "string", "resMessage": "string", "resMessageTaxrefund": "string" } }`,
		data:      func() any { return new(RefundMedicalResult) },
		extraData: []string{"ptxid"},
	},
	{
		name: "abort done", headers: []string{"XXXX555555"},
		body: `{ "resultCode": "9999", "resultMessage": "사용자 취소" }`,
	},
	{
		name: "abort refused", headers: []string{"XXXX555555"},
		body: `{ "resultCode": "0001", "resultMessage": "처리중 입니다. 작업을 취소할 수 없습니다." }`,
	},
}

func TestSeedResponses(t *testing.T) {
	for _, tc := range seedResponses {
		for _, header := range tc.headers {
			code := Code(header[LenDigits:])
			t.Run(tc.name+"/"+string(code), func(t *testing.T) {
				if _, ok := Lookup(code); !ok {
					t.Fatalf("the document's code %s is not in the catalogue", code)
				}
				frame, err := AppendFrame(nil, code, []byte(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				f, err := Parse(frame)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if f.Code != code || string(f.Body) != tc.body {
					t.Fatalf("Parse gave %s %q", f.Code, f.Body)
				}

				resp := Response{}
				if tc.data != nil {
					resp.Data = tc.data()
				}
				dec := json.NewDecoder(bytes.NewReader(f.Body))
				dec.DisallowUnknownFields() // every field of the document has a home
				if err := dec.Decode(&resp); err != nil {
					t.Fatalf("decode into %T: %v", resp.Data, err)
				}
				again, err := json.Marshal(resp)
				if err != nil {
					t.Fatal(err)
				}
				want := jsonValue(t, f.Body).(map[string]any)
				got := jsonValue(t, again).(map[string]any)
				if data, ok := got["data"].(map[string]any); ok {
					for _, k := range tc.extraData {
						if _, inSeed := want["data"].(map[string]any)[k]; inSeed {
							continue
						}
						if v, ok := data[k]; !ok || v != "" {
							t.Errorf("data.%s = %v, want an empty echo when the example has none", k, v)
						}
						delete(data, k)
					}
				}
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("%T round trip differs\n got: %s\nwant: %s", resp.Data, again, f.Body)
				}

				// The header decoder reads the outcome without the data's shape.
				var h ResultHeader
				if err := json.Unmarshal(f.Body, &h); err != nil {
					t.Fatal(err)
				}
				if h.ResultCode != want["resultCode"] || h.ResultMessage != want["resultMessage"] {
					t.Errorf("ResultHeader = %q %q", h.ResultCode, h.ResultMessage)
				}
				if _, hasData := want["data"]; hasData != (len(h.Data) > 0) {
					t.Errorf("ResultHeader.Data = %s, example has data: %v", h.Data, hasData)
				}
			})
		}
	}
}

// TestSeedLastTransactionResponse: the document's 990001 answer is an empty
// object (its shape is the last transaction's). It must still frame and be
// read as an answer with no outcome.
func TestSeedLastTransactionResponse(t *testing.T) {
	frame, err := AppendFrame(nil, CodeLastTransaction, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(frame) != "0008990001{}" {
		t.Fatalf("frame %q", frame)
	}
	f, err := Parse(frame)
	if err != nil {
		t.Fatal(err)
	}
	var h ResultHeader
	if err := json.Unmarshal(f.Body, &h); err != nil {
		t.Fatal(err)
	}
	if h.ResultCode != "" || h.Data != nil {
		t.Fatalf("ResultHeader %+v from {}", h)
	}
}

// TestSeedHeaderOnlyFrames: the document's header-only frames are exact
// (length 0006) and parse as they are.
func TestSeedHeaderOnlyFrames(t *testing.T) {
	for _, s := range []string{"0006910021", "0006930021", "0006970021", "0006990001", "0006980001", "0006081008", "0006555555"} {
		f, err := Parse([]byte(s))
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if string(f.Code) != s[4:] || len(f.Body) != 0 {
			t.Errorf("Parse(%q) = %s %q", s, f.Code, f.Body)
		}
		if _, ok := Lookup(f.Code); !ok {
			t.Errorf("%s not in the catalogue", f.Code)
		}
		if got := f.String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
	}
}
