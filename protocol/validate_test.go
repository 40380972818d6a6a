package protocol

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decodeCase is one row of the validation tables: a body for code, and the
// JSON field the *FieldError must name ("" = the body is valid).
type decodeCase struct {
	name  string
	code  Code
	model Model
	body  string
	field string
	check func(t *testing.T, v any) // optional, on success
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(string(tc.code)+"/"+tc.name, func(t *testing.T) {
			model := tc.model
			if model == "" {
				model = ModelT650P
			}
			v, err := DecodeRequest(tc.code, []byte(tc.body), model)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("DecodeRequest(%s): %v", tc.body, err)
				}
				if tc.check != nil {
					tc.check(t, v)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeRequest(%s) = %#v, %v; want a *FieldError naming %s", tc.body, v, err, tc.field)
			}
			// JSON keys match case-insensitively (ptxId is ptxid).
			if !strings.EqualFold(fe.Field, tc.field) {
				t.Fatalf("FieldError names %q (%v), want %q", fe.Field, fe, tc.field)
			}
			if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrFraming) {
				t.Errorf("error %v: want ErrInvalid and not ErrFraming", err)
			}
			if fe.Reason == "" || !strings.Contains(err.Error(), fe.Field) {
				t.Errorf("message %q should name the field and say why", err.Error())
			}
			if v != nil && !isNilPointer(v) {
				t.Errorf("a refused body still returned %#v", v)
			}
		})
	}
}

func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *PaymentRequest:
		return p == nil
	case *CancelRequest:
		return p == nil
	case *CashReceiptRequest:
		return p == nil
	case *SummaryRequest:
		return p == nil
	case *PrintRequest:
		return p == nil
	case *TaxRefundRequest:
		return p == nil
	case *TaxRefundRefRequest:
		return p == nil
	case *AuthRequest:
		return p == nil
	}
	return false
}

func wantTax(want int64) func(*testing.T, any) {
	return func(t *testing.T, v any) {
		t.Helper()
		var tax *int64
		switch r := v.(type) {
		case *PaymentRequest:
			tax = r.TaxAmt
		case *CashReceiptRequest:
			tax = r.TaxAmt
		default:
			t.Fatalf("%T has no taxAmt", v)
		}
		if tax == nil || *tax != want {
			t.Fatalf("taxAmt = %v, want %d", tax, want)
		}
	}
}

// payment returns an approval body with the given members replaced or
// added; a member set to "-" is left out.
func payment(over map[string]string) string {
	base := [][2]string{
		{"priceAmt", "55000"}, {"taxAmt", "5000"}, {"tipAmt", "0"},
		{"taxFreeAmt", "0"}, {"installment", "0"}, {"ptxid", `"pos-1"`},
	}
	return object(base, over)
}

func cancel(over map[string]string) string {
	base := [][2]string{
		{"approvalAmt", "55000"}, {"approvalNo", `"30012345"`},
		{"transactionDate", `"20240315143000"`}, {"transactionNo", `"240315000123"`},
		{"ptxid", `"pos-2"`},
	}
	return object(base, over)
}

func cashReceipt(over map[string]string) string {
	base := [][2]string{
		{"priceAmt", "22000"}, {"taxAmt", "2000"}, {"tipAmt", "0"}, {"taxFreeAmt", "0"},
		{"traderType", `"1"`}, {"approvalNumber", `"01012345678"`}, {"ptxid", `"pos-3"`},
	}
	return object(base, over)
}

func object(base [][2]string, over map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	seen := map[string]bool{}
	add := func(k, v string) {
		if v == "-" {
			return
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	for _, kv := range base {
		seen[kv[0]] = true
		if v, ok := over[kv[0]]; ok {
			add(kv[0], v)
		} else {
			add(kv[0], kv[1])
		}
	}
	for k, v := range over {
		if !seen[k] {
			add(k, v)
		}
	}
	b.WriteByte('}')
	return b.String()
}

var (
	maxAmt     = fmt.Sprint(MaxAmount)
	overMaxAmt = fmt.Sprint(MaxAmount + 1)
	ptxid100   = `"` + strings.Repeat("p", MaxPtxid) + `"`
	ptxid101   = `"` + strings.Repeat("p", MaxPtxid+1) + `"`
)

func TestValidatePayment(t *testing.T) {
	var cases []decodeCase
	for _, code := range []Code{CodeCreditApproval, CodeSimplePayApproval} {
		add := func(name, body, field string, check ...func(*testing.T, any)) {
			c := decodeCase{name: name, code: code, body: body, field: field}
			if len(check) > 0 {
				c.check = check[0]
			}
			cases = append(cases, c)
		}
		add("valid", payment(nil), "", func(t *testing.T, v any) {
			r := v.(*PaymentRequest)
			if r.PriceAmt != 55000 || *r.TaxAmt != 5000 || r.Ptxid != "pos-1" || r.PtxID() != "pos-1" {
				t.Fatalf("%+v", r)
			}
		})
		add("minimal", `{"priceAmt":1,"ptxid":"a"}`, "")
		add("unknown fields ignored", payment(map[string]string{"foo": `{"bar":[1,2]}`, "memo": `"x"`}), "")

		// priceAmt
		add("priceAmt missing", payment(map[string]string{"priceAmt": "-"}), "priceAmt")
		add("priceAmt zero", payment(map[string]string{"priceAmt": "0", "taxAmt": "0"}), "priceAmt")
		add("priceAmt negative", payment(map[string]string{"priceAmt": "-1000"}), "priceAmt")
		add("priceAmt string", payment(map[string]string{"priceAmt": `"55000"`}), "priceAmt")
		add("priceAmt fraction", payment(map[string]string{"priceAmt": "55000.5"}), "priceAmt")
		add("priceAmt exponent beyond int64", payment(map[string]string{"priceAmt": "1e30"}), "priceAmt")
		add("priceAmt bool", payment(map[string]string{"priceAmt": "true"}), "priceAmt")
		add("priceAmt null", payment(map[string]string{"priceAmt": "null"}), "priceAmt")
		add("priceAmt at MaxAmount", payment(map[string]string{"priceAmt": maxAmt}), "")
		add("priceAmt over MaxAmount", payment(map[string]string{"priceAmt": overMaxAmt}), "priceAmt")

		// tipAmt, taxFreeAmt, taxAmt
		add("tipAmt negative", payment(map[string]string{"tipAmt": "-1"}), "tipAmt")
		add("tipAmt string", payment(map[string]string{"tipAmt": `"100"`}), "tipAmt")
		add("tipAmt over MaxAmount", payment(map[string]string{"tipAmt": overMaxAmt}), "tipAmt")
		add("taxFreeAmt negative", payment(map[string]string{"taxFreeAmt": "-1"}), "taxFreeAmt")
		add("taxFreeAmt above priceAmt", payment(map[string]string{"taxFreeAmt": "55001", "taxAmt": "0"}), "taxFreeAmt")
		add("taxFreeAmt equal to priceAmt", payment(map[string]string{"taxFreeAmt": "55000", "taxAmt": "0"}), "")
		add("taxAmt negative", payment(map[string]string{"taxAmt": "-1"}), "taxAmt")
		add("taxAmt string", payment(map[string]string{"taxAmt": `"5000"`}), "taxAmt")
		add("taxAmt over MaxAmount", payment(map[string]string{"taxAmt": overMaxAmt}), "taxAmt")
		add("taxAmt plus taxFreeAmt above priceAmt", payment(map[string]string{"taxAmt": "5001", "taxFreeAmt": "50000"}), "taxAmt")
		add("taxAmt plus taxFreeAmt equal to priceAmt", payment(map[string]string{"taxAmt": "5000", "taxFreeAmt": "50000"}), "")

		// VAT when taxAmt is absent, kept when given (even 0)
		add("VAT computed when taxAmt absent", payment(map[string]string{"taxAmt": "-", "priceAmt": "11000"}), "", wantTax(1000))
		add("VAT on the taxable part", payment(map[string]string{"taxAmt": "-", "priceAmt": "11000", "taxFreeAmt": "1000"}), "", wantTax(909))
		add("VAT rounds up from .5", payment(map[string]string{"taxAmt": "-", "priceAmt": "17"}), "", wantTax(2))
		add("VAT rounds down below .5", payment(map[string]string{"taxAmt": "-", "priceAmt": "16"}), "", wantTax(1))
		add("VAT zero when all tax free", payment(map[string]string{"taxAmt": "-", "priceAmt": "5000", "taxFreeAmt": "5000"}), "", wantTax(0))
		add("VAT computed when taxAmt null", payment(map[string]string{"taxAmt": "null", "priceAmt": "11000"}), "", wantTax(1000))
		add("taxAmt 0 is kept, not computed", payment(map[string]string{"taxAmt": "0", "priceAmt": "11000"}), "", wantTax(0))
		add("taxAmt given is kept", payment(map[string]string{"taxAmt": "7", "priceAmt": "11000"}), "", wantTax(7))

		// installment and approvalAmt = priceAmt + tipAmt
		add("installment 2", payment(map[string]string{"installment": "2"}), "")
		add("installment 12", payment(map[string]string{"installment": "12"}), "")
		add("installment 1", payment(map[string]string{"installment": "1"}), "installment")
		add("installment 13", payment(map[string]string{"installment": "13"}), "installment")
		add("installment negative", payment(map[string]string{"installment": "-3"}), "installment")
		add("installment string", payment(map[string]string{"installment": `"3"`}), "installment")
		add("installment fraction", payment(map[string]string{"installment": "2.5"}), "installment")
		add("installment under 50000", payment(map[string]string{"installment": "3", "priceAmt": "49999", "taxAmt": "-"}), "installment")
		add("installment at 50000", payment(map[string]string{"installment": "3", "priceAmt": "50000", "taxAmt": "-"}), "")
		add("installment reaches 50000 with the tip", payment(map[string]string{"installment": "3", "priceAmt": "49000", "tipAmt": "1000", "taxAmt": "-"}), "",
			func(t *testing.T, v any) {
				if got := v.(*PaymentRequest).ApprovalAmt(); got != 50000 {
					t.Fatalf("ApprovalAmt() = %d, want priceAmt + tipAmt = 50000", got)
				}
			})

		// ptxid
		add("ptxid missing", payment(map[string]string{"ptxid": "-"}), "ptxid")
		add("ptxid empty", payment(map[string]string{"ptxid": `""`}), "ptxid")
		add("ptxid number", payment(map[string]string{"ptxid": "123"}), "ptxid")
		add("ptxid 100 chars", payment(map[string]string{"ptxid": ptxid100}), "")
		add("ptxid 101 chars", payment(map[string]string{"ptxid": ptxid101}), "ptxid")
		add("ptxid not ASCII", payment(map[string]string{"ptxid": `"거래-1"`}), "ptxid")
		add("ptxid control char", payment(map[string]string{"ptxid": `"a\tb"`}), "ptxid")
		add("ptxid with space", payment(map[string]string{"ptxid": `"a b"`}), "")
		add("ptxId synonym", payment(map[string]string{"ptxid": "-", "ptxId": `"pos-9"`}), "", func(t *testing.T, v any) {
			if got := v.(Transaction).PtxID(); got != "pos-9" {
				t.Fatalf("PtxID() = %q, want pos-9", got)
			}
		})
		add("ptxId synonym empty", payment(map[string]string{"ptxid": "-", "ptxId": `""`}), "ptxid")

		// the body as a whole
		add("empty body", "", "body")
		add("blank body", " \r\n", "body")
		add("not JSON", "priceAmt=1000", "body")
		add("truncated JSON", `{"priceAmt":1000,"ptxid":"a"`, "body")
		add("trailing garbage", `{"priceAmt":1000,"ptxid":"a"} x`, "body")
		add("array", `[{"priceAmt":1000,"ptxid":"a"}]`, "body")
		add("string", `"priceAmt"`, "body")
	}
	cases = append(cases,
		decodeCase{name: "serviceCode 20 chars", code: CodeSimplePayApproval, body: payment(map[string]string{"serviceCode": `"` + strings.Repeat("Q", 20) + `"`}), field: ""},
		decodeCase{name: "serviceCode 21 chars", code: CodeSimplePayApproval, body: payment(map[string]string{"serviceCode": `"` + strings.Repeat("Q", 21) + `"`}), field: "serviceCode"},
		decodeCase{name: "serviceCode number", code: CodeSimplePayApproval, body: payment(map[string]string{"serviceCode": "7"}), field: "serviceCode"},
		decodeCase{name: "serviceCode kept", code: CodeSimplePayApproval, body: payment(map[string]string{"serviceCode": `"QRD"`}), check: func(t *testing.T, v any) {
			if got := v.(*PaymentRequest).ServiceCode; got != "QRD" {
				t.Fatalf("ServiceCode = %q", got)
			}
		}},
	)
	runDecodeCases(t, cases)
}

func TestValidateCancel(t *testing.T) {
	var cases []decodeCase
	for _, code := range []Code{CodeCreditCancel, CodeSimplePayCancel, CodeCashReceiptCancel} {
		base := func(over map[string]string) string {
			if code == CodeCashReceiptCancel {
				m := map[string]string{"traderType": `"1"`, "approvalNumber": `"01012345678"`}
				for k, v := range over {
					m[k] = v
				}
				over = m
			}
			return cancel(over)
		}
		add := func(name string, over map[string]string, field string, check ...func(*testing.T, any)) {
			c := decodeCase{name: name, code: code, body: base(over), field: field}
			if len(check) > 0 {
				c.check = check[0]
			}
			cases = append(cases, c)
		}
		add("valid 14-digit date", nil, "", func(t *testing.T, v any) {
			r := v.(*CancelRequest)
			if r.OriginalDate() != "20240315" || r.ApprovalNo != "30012345" || r.PtxID() != "pos-2" {
				t.Fatalf("%+v / %s", r, r.OriginalDate())
			}
		})
		add("valid 8-digit date", map[string]string{"transactionDate": `"20240315"`}, "", func(t *testing.T, v any) {
			if got := v.(*CancelRequest).OriginalDate(); got != "20240315" {
				t.Fatalf("OriginalDate() = %q", got)
			}
		})
		add("transactionNo optional", map[string]string{"transactionNo": "-"}, "")
		add("transactionNo 21 chars", map[string]string{"transactionNo": `"` + strings.Repeat("1", 21) + `"`}, "transactionNo")
		add("approvalAmt missing", map[string]string{"approvalAmt": "-"}, "approvalAmt")
		add("approvalAmt zero", map[string]string{"approvalAmt": "0"}, "approvalAmt")
		add("approvalAmt negative", map[string]string{"approvalAmt": "-5"}, "approvalAmt")
		add("approvalAmt string", map[string]string{"approvalAmt": `"55000"`}, "approvalAmt")
		add("approvalAmt over MaxAmount", map[string]string{"approvalAmt": overMaxAmt}, "approvalAmt")
		add("approvalAmt at MaxAmount", map[string]string{"approvalAmt": maxAmt}, "")
		add("approvalNo missing", map[string]string{"approvalNo": "-"}, "approvalNo")
		add("approvalNo number", map[string]string{"approvalNo": "30012345"}, "approvalNo")
		add("approvalNo 21 chars", map[string]string{"approvalNo": `"` + strings.Repeat("3", 21) + `"`}, "approvalNo")
		add("transactionDate missing", map[string]string{"transactionDate": "-"}, "transactionDate")
		add("transactionDate placeholder", map[string]string{"transactionDate": `"string"`}, "transactionDate")
		add("transactionDate 7 digits", map[string]string{"transactionDate": `"2024031"`}, "transactionDate")
		add("transactionDate 12 digits", map[string]string{"transactionDate": `"202403151430"`}, "transactionDate")
		add("transactionDate 30 February", map[string]string{"transactionDate": `"20240230"`}, "transactionDate")
		add("transactionDate month 13", map[string]string{"transactionDate": `"20241315143000"`}, "transactionDate")
		add("transactionDate hour 25", map[string]string{"transactionDate": `"20240315250000"`}, "transactionDate")
		add("transactionDate number", map[string]string{"transactionDate": "20240315"}, "transactionDate")
		add("ptxid missing", map[string]string{"ptxid": "-"}, "ptxid")
		add("ptxId synonym", map[string]string{"ptxid": "-", "ptxId": `"pos-x"`}, "")
	}
	cases = append(cases,
		decodeCase{name: "credit cancel ignores traderType", code: CodeCreditCancel, body: cancel(map[string]string{"traderType": `"9"`}), field: ""},
		decodeCase{name: "traderType missing", code: CodeCashReceiptCancel, body: cancel(nil), field: "traderType"},
		decodeCase{name: "traderType 3", code: CodeCashReceiptCancel, body: cancel(map[string]string{"traderType": `"3"`}), field: "traderType"},
		decodeCase{name: "traderType number", code: CodeCashReceiptCancel, body: cancel(map[string]string{"traderType": "1"}), field: "traderType"},
		decodeCase{name: "traderType 2", code: CodeCashReceiptCancel, body: cancel(map[string]string{"traderType": `"2"`}), field: ""},
		decodeCase{name: "approvalNumber empty", code: CodeCashReceiptCancel, body: cancel(map[string]string{"traderType": `"1"`, "approvalNumber": `""`}), field: ""},
		decodeCase{name: "approvalNumber 31 chars", code: CodeCashReceiptCancel, body: cancel(map[string]string{"traderType": `"1"`, "approvalNumber": `"` + strings.Repeat("0", 31) + `"`}), field: "approvalNumber"},
	)
	runDecodeCases(t, cases)
}

func TestValidateCashReceipt(t *testing.T) {
	c := CodeCashReceipt
	runDecodeCases(t, []decodeCase{
		{name: "valid", code: c, body: cashReceipt(nil), check: func(t *testing.T, v any) {
			r := v.(*CashReceiptRequest)
			if r.TraderType != "1" || r.ApprovalNumber != "01012345678" || r.PtxID() != "pos-3" || r.ApprovalAmt() != 22000 {
				t.Fatalf("%+v", r)
			}
		}},
		{name: "expense proof", code: c, body: cashReceipt(map[string]string{"traderType": `"2"`})},
		{name: "approvalNumber empty: keyed on the terminal", code: c, body: cashReceipt(map[string]string{"approvalNumber": `""`})},
		{name: "approvalNumber absent", code: c, body: cashReceipt(map[string]string{"approvalNumber": "-"})},
		{name: "approvalNumber 31 chars", code: c, body: cashReceipt(map[string]string{"approvalNumber": `"` + strings.Repeat("0", 31) + `"`}), field: "approvalNumber"},
		{name: "approvalNumber number", code: c, body: cashReceipt(map[string]string{"approvalNumber": "1012345678"}), field: "approvalNumber"},
		{name: "traderType missing", code: c, body: cashReceipt(map[string]string{"traderType": "-"}), field: "traderType"},
		{name: "traderType 0", code: c, body: cashReceipt(map[string]string{"traderType": `"0"`}), field: "traderType"},
		{name: "traderType number", code: c, body: cashReceipt(map[string]string{"traderType": "2"}), field: "traderType"},
		{name: "priceAmt zero", code: c, body: cashReceipt(map[string]string{"priceAmt": "0", "taxAmt": "0"}), field: "priceAmt"},
		{name: "priceAmt string", code: c, body: cashReceipt(map[string]string{"priceAmt": `"22000"`}), field: "priceAmt"},
		{name: "priceAmt over MaxAmount", code: c, body: cashReceipt(map[string]string{"priceAmt": overMaxAmt}), field: "priceAmt"},
		{name: "tipAmt negative", code: c, body: cashReceipt(map[string]string{"tipAmt": "-1"}), field: "tipAmt"},
		{name: "taxAmt above priceAmt", code: c, body: cashReceipt(map[string]string{"taxAmt": "22001"}), field: "taxAmt"},
		{name: "VAT computed", code: c, body: cashReceipt(map[string]string{"taxAmt": "-", "priceAmt": "33000", "taxFreeAmt": "11000"}), check: wantTax(2000)},
		{name: "approvalAmt includes tip", code: c, body: cashReceipt(map[string]string{"tipAmt": "3000"}), check: func(t *testing.T, v any) {
			if got := v.(*CashReceiptRequest).ApprovalAmt(); got != 25000 {
				t.Fatalf("ApprovalAmt() = %d, want 25000", got)
			}
		}},
		{name: "ptxid missing", code: c, body: cashReceipt(map[string]string{"ptxid": "-"}), field: "ptxid"},
		{name: "ptxId synonym", code: c, body: cashReceipt(map[string]string{"ptxid": "-", "ptxId": `"c-1"`})},
	})
}

func TestValidateSalesSummary(t *testing.T) {
	c := CodeSalesSummary
	runDecodeCases(t, []decodeCase{
		{name: "leap year, 366 days", code: c, body: `{"from":"20240101","to":"20241231"}`},
		{name: "one day", code: c, body: `{"from":"20240315","to":"20240315"}`},
		{name: "366 days across years", code: c, body: `{"from":"20230101","to":"20240101"}`},
		{name: "367 days", code: c, body: `{"from":"20230101","to":"20240102"}`, field: "to"},
		{name: "from after to", code: c, body: `{"from":"20240102","to":"20240101"}`, field: "from"},
		{name: "from missing", code: c, body: `{"to":"20240101"}`, field: "from"},
		{name: "to missing", code: c, body: `{"from":"20240101"}`, field: "to"},
		{name: "from 7 digits", code: c, body: `{"from":"2024011","to":"20240131"}`, field: "from"},
		{name: "from with dashes", code: c, body: `{"from":"2024-01-01","to":"20240131"}`, field: "from"},
		{name: "from month 13", code: c, body: `{"from":"20241301","to":"20241231"}`, field: "from"},
		{name: "to 30 February", code: c, body: `{"from":"20240201","to":"20240230"}`, field: "to"},
		{name: "from number", code: c, body: `{"from":20240101,"to":"20240131"}`, field: "from"},
		{name: "empty body", code: c, body: ``, field: "body"},
	})
}

func TestValidatePrint(t *testing.T) {
	c := CodePrint
	cmds := func(list string) string { return `{"alert":false,"commands":[` + list + `]}` }
	many := strings.TrimSuffix(strings.Repeat(`{"command":"br"},`, maxPrintCmds+1), ",")
	enough := strings.TrimSuffix(strings.Repeat(`{"command":"br"},`, maxPrintCmds), ",")
	runDecodeCases(t, []decodeCase{
		{name: "every command", code: c, body: cmds(`{"command":"logo"},{"command":"line"},{"command":"cuttingLine"},{"command":"br"},{"command":"left","fontSize":20,"message":["a","b"]},{"command":"right","message":["c"]},{"command":"text2","message":["1","2"]},{"command":"text3","fontSize":10,"message":["1","2","3"]}`),
			check: func(t *testing.T, v any) {
				r := v.(*PrintRequest)
				if len(r.Commands) != 8 || r.Commands[4].Command != PrintLeft || r.Commands[4].FontSize != 20 || len(r.Commands[4].Message) != 2 {
					t.Fatalf("%+v", r)
				}
			}},
		{name: "alert true", code: c, body: `{"alert":true,"commands":[{"command":"br"}]}`, check: func(t *testing.T, v any) {
			if !v.(*PrintRequest).Alert {
				t.Fatal("alert lost")
			}
		}},
		{name: "alert string", code: c, body: `{"alert":"yes","commands":[{"command":"br"}]}`, field: "alert"},
		{name: "commands missing", code: c, body: `{"alert":true}`, field: "commands"},
		{name: "commands empty", code: c, body: cmds(``), field: "commands"},
		{name: "commands object", code: c, body: `{"commands":{"command":"br"}}`, field: "commands"},
		{name: fmt.Sprint(maxPrintCmds, " commands"), code: c, body: cmds(enough)},
		{name: "too many commands", code: c, body: cmds(many), field: "commands"},
		{name: "unknown command", code: c, body: cmds(`{"command":"br"},{"command":"bold","message":["x"]}`), field: "commands[1].command"},
		{name: "command missing", code: c, body: cmds(`{"message":["x"]}`), field: "commands[0].command"},
		{name: "left without message", code: c, body: cmds(`{"command":"left","fontSize":20}`), field: "commands[0].message"},
		{name: "right with empty message", code: c, body: cmds(`{"command":"right","message":[]}`), field: "commands[0].message"},
		{name: "text2 with one column", code: c, body: cmds(`{"command":"br"},{"command":"br"},{"command":"text2","message":["one"]}`), field: "commands[2].message"},
		{name: "text3 with two columns", code: c, body: cmds(`{"command":"text3","message":["one","two"]}`), field: "commands[0].message"},
		{name: "text3 with four columns", code: c, body: cmds(`{"command":"text3","message":["1","2","3","4"]}`), field: "commands[0].message"},
		{name: "fontSize negative", code: c, body: cmds(`{"command":"left","fontSize":-1,"message":["x"]}`), field: "commands[0].fontSize"},
		{name: "fontSize 101", code: c, body: cmds(`{"command":"left","fontSize":101,"message":["x"]}`), field: "commands[0].fontSize"},
		{name: "fontSize 100", code: c, body: cmds(`{"command":"left","fontSize":100,"message":["x"]}`)},
		{name: "message not an array", code: c, body: cmds(`{"command":"left","message":"x"}`), field: "commands.message"},
	})
}

func TestValidateTaxRefund(t *testing.T) {
	c := CodeTaxRefund
	t650 := func(over map[string]string) string {
		return object([][2]string{
			{"taxRefundMode", `"post"`}, {"paymentType", `"card"`}, {"approvalAmt", "50000"},
			{"salesSerial", "1234"}, {"qrServiceCode", `"QR1"`}, {"ptxId", `"tr-1"`},
		}, over)
	}
	runDecodeCases(t, []decodeCase{
		{name: "T650P valid", code: c, model: ModelT650P, body: t650(nil), check: func(t *testing.T, v any) {
			r := v.(*TaxRefundRequest)
			if r.SalesSerial != "1234" || r.ApprovalAmt != 50000 || r.PtxID() != "tr-1" {
				t.Fatalf("%+v", r)
			}
		}},
		{name: "T650P pre mode, cash", code: c, model: ModelT650P, body: t650(map[string]string{"taxRefundMode": `"pre"`, "paymentType": `"cash"`})},
		{name: "T650P ptxid lower case", code: c, model: ModelT650P, body: t650(map[string]string{"ptxId": "-", "ptxid": `"tr-2"`}), check: func(t *testing.T, v any) {
			if got := v.(Transaction).PtxID(); got != "tr-2" {
				t.Fatalf("PtxID() = %q", got)
			}
		}},
		{name: "T650P ptxId missing", code: c, model: ModelT650P, body: t650(map[string]string{"ptxId": "-"}), field: "ptxid"},
		{name: "T650P taxRefundMode", code: c, model: ModelT650P, body: t650(map[string]string{"taxRefundMode": `"later"`}), field: "taxRefundMode"},
		{name: "T650P paymentType", code: c, model: ModelT650P, body: t650(map[string]string{"paymentType": `"cheque"`}), field: "paymentType"},
		{name: "T650P salesSerial text", code: c, model: ModelT650P, body: t650(map[string]string{"salesSerial": `"abc"`}), field: "salesSerial"},
		{name: "T650P salesSerial bool", code: c, model: ModelT650P, body: t650(map[string]string{"salesSerial": "true"}), field: "salesSerial"},
		{name: "T650P approvalAmt negative", code: c, model: ModelT650P, body: t650(map[string]string{"approvalAmt": "-1"}), field: "approvalAmt"},
		{name: "T650P approvalAmt over MaxAmount", code: c, model: ModelT650P, body: t650(map[string]string{"approvalAmt": overMaxAmt}), field: "approvalAmt"},
		{name: "T650P qrServiceCode 21 chars", code: c, model: ModelT650P, body: t650(map[string]string{"qrServiceCode": `"` + strings.Repeat("Q", 21) + `"`}), field: "qrServiceCode"},
		{name: "P3MIX medical", code: c, model: ModelP3MIX, body: `{"cardAmount":50000,"cashAmount":0,"etcAmount":0,"salesSerial":"S-1","facilitatorNumber":"0000000000","ptxId":"m"}`},
		{name: "P3MIX salesSerial number", code: c, model: ModelP3MIX, body: `{"salesSerial":77,"ptxId":"m"}`, check: func(t *testing.T, v any) {
			if got := v.(*TaxRefundRequest).SalesSerial; got != "77" {
				t.Fatalf("SalesSerial = %q", got)
			}
		}},
		{name: "P3MIX salesSerial 31 chars", code: c, model: ModelP3MIX, body: `{"salesSerial":"` + strings.Repeat("s", 31) + `","ptxId":"m"}`, field: "salesSerial"},
		{name: "P3MIX cardAmount negative", code: c, model: ModelP3MIX, body: `{"cardAmount":-1,"ptxId":"m"}`, field: "cardAmount"},
		{name: "P3MIX cashAmount over MaxAmount", code: c, model: ModelP3MIX, body: `{"cashAmount":` + overMaxAmt + `,"ptxId":"m"}`, field: "cashAmount"},
		{name: "P3MIX etcAmount negative", code: c, model: ModelP3MIX, body: `{"etcAmount":-1,"ptxId":"m"}`, field: "etcAmount"},
		{name: "P3MIX facilitatorNumber 21 chars", code: c, model: ModelP3MIX, body: `{"facilitatorNumber":"` + strings.Repeat("0", 21) + `","ptxId":"m"}`, field: "facilitatorNumber"},
		{name: "P3MIX hotel", code: c, model: ModelP3MIX, body: `{"checkIn":"240101","checkOut":"241231","ptxId":"h"}`},
		{name: "P3MIX checkIn bad date", code: c, model: ModelP3MIX, body: `{"checkIn":"240230","ptxId":"h"}`, field: "checkIn"},
		{name: "P3MIX checkIn 8 digits", code: c, model: ModelP3MIX, body: `{"checkIn":"20240101","ptxId":"h"}`, field: "checkIn"},
		{name: "P3MIX checkOut bad date", code: c, model: ModelP3MIX, body: `{"checkOut":"241301","ptxId":"h"}`, field: "checkOut"},
		{name: "P3MIX checkOut before checkIn", code: c, model: ModelP3MIX, body: `{"checkIn":"240105","checkOut":"240104","ptxId":"h"}`, field: "checkOut"},
		{name: "P3MIX same-day stay", code: c, model: ModelP3MIX, body: `{"checkIn":"240105","checkOut":"240105","ptxId":"h"}`},
		{name: "P3MIX no ptxId: termd names it", code: c, model: ModelP3MIX, body: `{"salesSerial":"S-1"}`},
		{name: "P3MIX empty ptxId: termd names it", code: c, model: ModelP3MIX, body: `{"salesSerial":"S-1","ptxId":""}`},
		{name: "P3MIX ptxId not ASCII", code: c, model: ModelP3MIX, body: `{"salesSerial":"S-1","ptxId":"환급"}`, field: "ptxid"},
		{name: "T650P no ptxId", code: c, model: ModelT650P, body: `{"approvalAmt":1000,"salesSerial":1}`, field: "ptxid"},
		{name: "model without tax refund", code: c, model: Model("X100"), body: t650(nil), field: "body"},
		{name: "no model", code: c, model: Model("none"), body: t650(nil), field: "body"},
	})
}

// TestTaxRefundTypeErrorNamesJSONField: a wrong JSON type in a 050010 body
// must name the member the POS sent. TaxRefundRequest.UnmarshalJSON decodes
// through an embedded helper type, and encoding/json puts that helper's Go
// name in the error path, so the POS is told "plain.approvalAmt".
func TestTaxRefundTypeErrorNamesJSONField(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"approvalAmt":"50000","ptxId":"t"}`, "approvalAmt"},
		{`{"cardAmount":"1","ptxId":"t"}`, "cardAmount"},
		{`{"taxRefundMode":1,"ptxId":"t"}`, "taxRefundMode"},
		{`{"ptxId":5}`, "ptxId"},
	} {
		_, err := DecodeRequest(CodeTaxRefund, []byte(tc.body), ModelT650P)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("DecodeRequest(050010, %s): %v; want a *FieldError naming %q", tc.body, err, tc.field)
		}
	}
}

func TestValidateTaxRefundReference(t *testing.T) {
	var cases []decodeCase
	for _, c := range []Code{CodeTaxRefundCancel, CodeTaxRefundQuery} {
		cases = append(cases,
			decodeCase{name: "valid", code: c, body: `{"taxRefundSerial":"80103750224020100017","isPrint":"true","ptxId":"abc"}`, check: func(t *testing.T, v any) {
				r := v.(*TaxRefundRefRequest)
				if r.TaxRefundSerial != "80103750224020100017" || r.IsPrint != "true" || r.PtxID() != "abc" {
					t.Fatalf("%+v", r)
				}
			}},
			decodeCase{name: "isPrint false", code: c, body: `{"taxRefundSerial":"1","isPrint":"false","ptxId":"abc"}`},
			decodeCase{name: "isPrint absent", code: c, body: `{"taxRefundSerial":"1","ptxId":"abc"}`},
			decodeCase{name: "isPrint yes", code: c, body: `{"taxRefundSerial":"1","isPrint":"yes","ptxId":"abc"}`, field: "isPrint"},
			decodeCase{name: "isPrint bool", code: c, body: `{"taxRefundSerial":"1","isPrint":true,"ptxId":"abc"}`, field: "isPrint"},
			decodeCase{name: "taxRefundSerial missing", code: c, body: `{"isPrint":"true","ptxId":"abc"}`, field: "taxRefundSerial"},
			decodeCase{name: "taxRefundSerial number", code: c, body: `{"taxRefundSerial":80103750224020100017,"ptxId":"abc"}`, field: "taxRefundSerial"},
			decodeCase{name: "taxRefundSerial 31 chars", code: c, body: `{"taxRefundSerial":"` + strings.Repeat("8", 31) + `","ptxId":"abc"}`, field: "taxRefundSerial"},
			decodeCase{name: "ptxId missing", code: c, body: `{"taxRefundSerial":"1"}`, field: "ptxid"},
			decodeCase{name: "ptxid lower case", code: c, body: `{"taxRefundSerial":"1","ptxid":"abc"}`},
		)
	}
	runDecodeCases(t, cases)
}

func TestValidateHeaderOnly(t *testing.T) {
	var cases []decodeCase
	for _, c := range []Code{CodeCardReadCancel, CodeSimplePayReadCancel, CodeCashReceiptReadCancel, CodeAbort, CodeConfirm, CodeLastTransaction, CodeCodeDownload} {
		isNil := func(t *testing.T, v any) {
			if v != nil {
				t.Fatalf("got %#v, want nil", v)
			}
		}
		cases = append(cases,
			decodeCase{name: "no body", code: c, body: "", check: isNil},
			decodeCase{name: "blank", code: c, body: "  ", check: isNil},
			decodeCase{name: "empty object", code: c, body: "{}", check: isNil},
			decodeCase{name: "object ignored", code: c, body: `{"ptxid":"x","n":1}`, check: isNil},
			decodeCase{name: "array", code: c, body: "[1]", field: "body"},
			decodeCase{name: "garbage", code: c, body: "hello", field: "body"},
			decodeCase{name: "number", code: c, body: "42", field: "body"},
		)
	}
	cases = append(cases,
		decodeCase{name: "auth token", code: CodeAuth, body: `{"token":"s3cret"}`, check: func(t *testing.T, v any) {
			if v.(*AuthRequest).Token != "s3cret" {
				t.Fatalf("%+v", v)
			}
		}},
		decodeCase{name: "auth token missing", code: CodeAuth, body: `{}`, field: "token"},
		decodeCase{name: "auth token too long", code: CodeAuth, body: `{"token":"` + strings.Repeat("t", 257) + `"}`, field: "token"},
	)
	runDecodeCases(t, cases)
}

func TestDecodeUnknownCode(t *testing.T) {
	for _, c := range []Code{"123456", CodeFrameError, DevPhase, DevStatus, "999999", "", "01001"} {
		v, err := DecodeRequest(c, []byte(`{"priceAmt":1000,"ptxid":"a"}`), ModelT650P)
		var ue *UnknownCodeError
		if !errors.As(err, &ue) || ue.Code != c {
			t.Errorf("DecodeRequest(%q) = %v, %v; want *UnknownCodeError for it", c, v, err)
			continue
		}
		if !errors.Is(err, ErrUnknownCode) || errors.Is(err, ErrInvalid) {
			t.Errorf("%v: want ErrUnknownCode only", err)
		}
		if !strings.Contains(err.Error(), string(c)) {
			t.Errorf("message %q does not name the code", err)
		}
	}
}

func TestVAT(t *testing.T) {
	for _, tc := range []struct{ price, free, want int64 }{
		{11000, 0, 1000},
		{1000, 0, 91}, // 90.9
		{10, 0, 1},    // 0.909
		{5, 0, 0},     // 0.4545
		{6, 0, 1},     // 0.5454
		{11000, 11000, 0},
		{11000, 12000, 0},
		{0, 0, 0},
		{MaxAmount, 0, 90909091}, // 90909090.8
	} {
		if got := VAT(tc.price, tc.free); got != tc.want {
			t.Errorf("VAT(%d, %d) = %d, want %d", tc.price, tc.free, got, tc.want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	codes := Codes()
	if len(codes) != 18 {
		t.Errorf("%d codes, want the 18 POS codes of §3", len(codes))
	}
	for _, c := range codes {
		info, ok := Lookup(c)
		if !ok || info.Code != c || !c.Valid() {
			t.Errorf("Lookup(%s) = %+v, %v", c, info, ok)
		}
		if IsDeviceCode(c) {
			t.Errorf("POS code %s is in the device range", c)
		}
		if info.Kind == KindTransaction && info.Family == FamilyNone {
			t.Errorf("transaction %s has no family", c)
		}
		if info.Kind == KindTransaction && info.Family != FamilyTaxRefund {
			if rc := ReadCancelCode(info.Family); rc == "" {
				t.Errorf("%s: no read-cancel code", c)
			} else if ri, _ := Lookup(rc); ri.Family != info.Family || ri.Kind != KindControl {
				t.Errorf("%s: read-cancel %s is %+v", c, rc, ri)
			}
		}
	}
	if _, ok := Lookup("123456"); ok {
		t.Error("Lookup accepted an unknown code")
	}
	for _, c := range []Code{"01001", "0100100", "01001a", " 10010"} {
		if c.Valid() {
			t.Errorf("Code(%q).Valid() = true", c)
		}
	}
}

// TestP3MIXStayDatesAreDigits: checkIn/checkOut are yyMMdd, six digits.
// time.Parse reads the two-digit year with a sign allowed, so "+10101"
// passes as 1 January 2001 unless validation checks the digits itself.
func TestP3MIXStayDatesAreDigits(t *testing.T) {
	for _, body := range []string{
		`{"checkIn":"+10101","ptxId":"h"}`,
		`{"checkIn":"-10101","ptxId":"h"}`,
		`{"checkOut":"+11231","ptxId":"h"}`,
	} {
		v, err := DecodeRequest(CodeTaxRefund, []byte(body), ModelP3MIX)
		var fe *FieldError
		if !errors.As(err, &fe) || (fe.Field != "checkIn" && fe.Field != "checkOut") {
			t.Errorf("DecodeRequest(050010, %s) = %+v, %v; want a *FieldError for the date", body, v, err)
		}
	}
}
