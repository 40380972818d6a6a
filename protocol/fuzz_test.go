package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzSplit feeds arbitrary bytes to Split and to a Reader and checks what
// they say against the bytes themselves.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"", "0", "0006980001", "0008990001{}", "0006910021" + "0006930021",
		"0005980001", "00a6980001", "000698000x", "9999010010",
	} {
		f.Add([]byte(s))
	}
	for _, tc := range seedRequests {
		if tc.body != "" {
			if b, err := AppendFrame(nil, tc.code, []byte(tc.body)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, n, err := Split(data)
		checkSplit(t, data, fr, n, err)

		// Cut the whole input into frames with Split, then read it through
		// a Reader in chunks: both must see the same frames and stop at the
		// same place.
		var want []Frame
		var wantErr error
		rest := data
		for {
			fr, n, err := Split(rest)
			checkSplit(t, rest, fr, n, err)
			if err != nil {
				wantErr = err
				break
			}
			if n == 0 {
				break
			}
			want = append(want, fr)
			rest = rest[n:]
		}
		chunk := 1
		if len(data) > 0 {
			chunk = 1 + int(data[len(data)-1])%37
		}
		r := NewReader(&fixedChunks{data: data, n: chunk})
		for i := 0; ; i++ {
			got, err := r.ReadFrame()
			if len(r.buf) > MaxFrame {
				t.Fatalf("Reader buffer grew to %d bytes, past the largest frame %d", len(r.buf), MaxFrame)
			}
			if err != nil {
				switch {
				case i != len(want):
					t.Fatalf("Reader stopped after %d frames with %v; Split found %d", i, err, len(want))
				case wantErr != nil:
					// Both must call the header broken; the reason may
					// differ, since a Reader may see a short header
					// ("0000": length below six) where Split on the whole
					// input sees a bad byte further on ("0000%").
					var a *HeaderError
					if !errors.As(err, &a) || !bytes.HasPrefix(rest, []byte(a.Header)) {
						t.Fatalf("Reader error %v, Split error %v", err, wantErr)
					}
				case len(rest) == 0 && err != io.EOF:
					t.Fatalf("Reader at a frame boundary: %v, want io.EOF", err)
				case len(rest) > 0 && err != io.ErrUnexpectedEOF:
					t.Fatalf("Reader inside a frame: %v, want io.ErrUnexpectedEOF", err)
				}
				break
			}
			if i >= len(want) || got.Code != want[i].Code || !bytes.Equal(got.Body, want[i].Body) {
				t.Fatalf("Reader frame %d = %v, Split disagrees", i, got)
			}
		}
	})
}

// checkSplit checks one Split result against data.
func checkSplit(t *testing.T, data []byte, f Frame, n int, err error) {
	t.Helper()
	if n < 0 || n > len(data) {
		t.Fatalf("Split used %d of %d bytes", n, len(data))
	}
	head := data[:min(len(data), HeaderSize)]
	firstBad := slices.IndexFunc(head, func(c byte) bool { return c < '0' || c > '9' })
	declared := -1
	if len(data) >= LenDigits && (firstBad < 0 || firstBad >= LenDigits) {
		declared, _ = strconv.Atoi(string(data[:LenDigits]))
	}
	if err != nil {
		var he *HeaderError
		if !errors.As(err, &he) || !errors.Is(err, ErrFraming) {
			t.Fatalf("Split error %T %v is not a *HeaderError", err, err)
		}
		if n != 0 {
			t.Fatalf("Split used %d bytes and failed", n)
		}
		if firstBad < 0 && !(declared >= 0 && declared < MinLength) {
			t.Fatalf("Split called header %q broken (%v), but it is digits with length %d", head, err, declared)
		}
		if !bytes.HasPrefix(data, []byte(he.Header)) || len(he.Header) > HeaderSize {
			t.Fatalf("HeaderError.Header %q is not the start of the data", he.Header)
		}
		return
	}
	if firstBad >= 0 {
		t.Fatalf("Split accepted header %q, byte %d is not a digit", head, firstBad)
	}
	if declared >= 0 && declared < MinLength {
		t.Fatalf("Split accepted length %d", declared)
	}
	if n == 0 {
		if declared >= 0 && len(data) >= LenDigits+declared {
			t.Fatalf("Split waits for more, but the %d-byte frame is all there in %d bytes", LenDigits+declared, len(data))
		}
		return
	}
	if n != LenDigits+declared {
		t.Fatalf("Split used %d bytes, the header declares %d", n, LenDigits+declared)
	}
	if len(f.Body) != declared-CodeDigits {
		t.Fatalf("body has %d bytes, the header declares %d", len(f.Body), declared-CodeDigits)
	}
	if string(f.Code) != string(data[LenDigits:HeaderSize]) || !bytes.Equal(f.Body, data[HeaderSize:n]) {
		t.Fatalf("frame %s %q is not the bytes it came from", f.Code, f.Body)
	}
	again, err := f.Append(nil)
	if err != nil || !bytes.Equal(again, data[:n]) {
		t.Fatalf("re-encoding gives %q, %v; want %q", again, err, data[:n])
	}
	if p, err := Parse(data[:n]); err != nil || p.Code != f.Code || !bytes.Equal(p.Body, f.Body) {
		t.Fatalf("Parse of the frame alone: %v, %v", p, err)
	}
}

// fixedChunks reads data n bytes at a time.
type fixedChunks struct {
	data []byte
	n    int
}

func (c *fixedChunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p, c.data[:min(c.n, len(c.data))])
	c.data = c.data[k:]
	return k, nil
}

// fuzzCodes is the code list FuzzDecodeRequest indexes: the catalogue in
// order, the auth frame, and one unknown code. The corpus files depend on
// this order.
func fuzzCodes() []Code {
	codes := Codes()
	slices.Sort(codes)
	return append(codes, CodeAuth, "123456")
}

func FuzzDecodeRequest(f *testing.F) {
	codes := fuzzCodes()
	index := func(c Code) uint8 { return uint8(slices.Index(codes, c)) }
	for _, tc := range seedRequests {
		p3mix := tc.model == ModelP3MIX
		f.Add(index(tc.code), []byte(tc.body), p3mix)
		if tc.filled != "" {
			f.Add(index(tc.code), []byte(tc.filled), p3mix)
		}
	}
	f.Add(index("123456"), []byte(`{"priceAmt":1}`), false)
	f.Fuzz(func(t *testing.T, which uint8, body []byte, p3mix bool) {
		code := codes[int(which)%len(codes)]
		model := ModelT650P
		if p3mix {
			model = ModelP3MIX
		}
		v, err := DecodeRequest(code, body, model)
		_, known := Lookup(code)
		known = known || code == CodeAuth
		if err != nil {
			var fe *FieldError
			var ue *UnknownCodeError
			switch {
			case errors.As(err, &fe):
				if !known {
					t.Fatalf("unknown code %s gave a field error %v", code, err)
				}
				if fe.Field == "" || fe.Reason == "" {
					t.Fatalf("FieldError %+v does not say which field and why", fe)
				}
				if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrFraming) || errors.Is(err, ErrUnknownCode) {
					t.Fatalf("FieldError %v wraps the wrong sentinel", err)
				}
			case errors.As(err, &ue):
				if known || ue.Code != code {
					t.Fatalf("code %s: %v", code, err)
				}
			default:
				t.Fatalf("error of undocumented kind %T: %v", err, err)
			}
			if v != nil && !isNilPointer(v) {
				t.Fatalf("error %v came with a value %#v", err, v)
			}
			return
		}
		if !known {
			t.Fatalf("unknown code %s decoded to %#v", code, v)
		}
		if v == nil {
			return // header-only code
		}
		checkDecoded(t, v, model)

		// What termd would forward must decode again to the same thing.
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %T: %v", v, err)
		}
		v2, err := DecodeRequest(code, b, model)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", b, err)
		}
		b2, err := json.Marshal(v2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the request:\n%s\n%s", b, b2)
		}
	})
}

// checkDecoded checks the promises of §3.1 on an accepted request.
func checkDecoded(t *testing.T, v any, model Model) {
	t.Helper()
	amount := func(name string, a, least int64) {
		if a < least || a > MaxAmount {
			t.Fatalf("%s = %d accepted in %#v", name, a, v)
		}
	}
	ptxid := func(id string) {
		if len(id) < 1 || len(id) > MaxPtxid {
			t.Fatalf("ptxid of %d bytes accepted", len(id))
		}
		for i := range len(id) {
			if id[i] < 0x20 || id[i] > 0x7e {
				t.Fatalf("ptxid %q accepted", id)
			}
		}
	}
	goods := func(price int64, tax *int64, tip, free int64) {
		amount("priceAmt", price, 1)
		amount("tipAmt", tip, 0)
		amount("taxFreeAmt", free, 0)
		if tax == nil {
			t.Fatal("taxAmt left unset")
		}
		amount("taxAmt", *tax, 0)
		if *tax+free > price {
			t.Fatalf("taxAmt %d + taxFreeAmt %d > priceAmt %d accepted", *tax, free, price)
		}
	}
	date := func(name, d string, lengths ...int) {
		if !slices.Contains(lengths, len(d)) || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("%s %q accepted: want %v digits", name, d, lengths)
		}
	}
	switch r := v.(type) {
	case *PaymentRequest:
		goods(r.PriceAmt, r.TaxAmt, r.TipAmt, r.TaxFreeAmt)
		if m := r.Installment; m != 0 && (m < 2 || m > 12 || r.ApprovalAmt() < MinInstallmentAmt) {
			t.Fatalf("installment %d on %d accepted", m, r.ApprovalAmt())
		}
		ptxid(r.Ptxid)
	case *CashReceiptRequest:
		goods(r.PriceAmt, r.TaxAmt, r.TipAmt, r.TaxFreeAmt)
		if r.TraderType != "1" && r.TraderType != "2" {
			t.Fatalf("traderType %q accepted", r.TraderType)
		}
		ptxid(r.Ptxid)
	case *CancelRequest:
		amount("approvalAmt", r.ApprovalAmt, 1)
		if r.ApprovalNo == "" {
			t.Fatalf("cancel %+v accepted", r)
		}
		date("transactionDate", r.TransactionDate, 8, 14)
		ptxid(r.Ptxid)
	case *SummaryRequest:
		date("from", r.From, 8)
		date("to", r.To, 8)
		if r.From > r.To {
			t.Fatalf("period %q~%q accepted", r.From, r.To)
		}
	case *PrintRequest:
		if len(r.Commands) == 0 || len(r.Commands) > maxPrintCmds {
			t.Fatalf("%d print commands accepted", len(r.Commands))
		}
	case *TaxRefundRequest:
		for _, a := range []int64{r.ApprovalAmt, r.CardAmount, r.CashAmount, r.EtcAmount} {
			amount("tax-refund amount", a, 0)
		}
		if r.CheckIn != "" {
			date("checkIn", r.CheckIn, 6)
		}
		if r.CheckOut != "" {
			date("checkOut", r.CheckOut, 6)
		}
		if model != ModelP3MIX || r.Ptxid != "" { // a P3MIX slip without one is named by termd
			ptxid(r.Ptxid)
		}
	case *TaxRefundRefRequest:
		if r.TaxRefundSerial == "" {
			t.Fatal("empty taxRefundSerial accepted")
		}
		ptxid(r.Ptxid)
	case *AuthRequest:
		if r.Token == "" {
			t.Fatal("empty token accepted")
		}
	default:
		t.Fatalf("DecodeRequest returned undocumented %T", v)
	}
}
