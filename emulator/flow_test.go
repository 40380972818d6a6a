package emulator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/termd/termd/protocol"
)

// TestMagicAmounts: the last two digits of priceAmt choose the emulated
// customer and card company; each yields its result code, message, phase
// reports in order, and takes exactly the delays of the steps it goes
// through.
func TestMagicAmounts(t *testing.T) {
	const (
		r = protocol.PhaseReading
		s = protocol.PhaseSigning
		a = protocol.PhaseAuthorizing
	)
	cases := []struct {
		price   int64
		phases  []string
		result  string
		msg     string
		elapsed time.Duration
	}{
		{10000, []string{r, a}, protocol.ResultOK, protocol.MsgApproved, cardDelay + authDelay},
		{10099, []string{r, a}, protocol.ResultOK, protocol.MsgApproved, cardDelay + authDelay},
		{10005, []string{r, a}, protocol.ResultOK, protocol.MsgApproved, cardDelay + authDelay},
		{10001, []string{r, a}, protocol.ResultDeclined, "한도초과", cardDelay + authDelay},
		{10002, []string{r, a}, protocol.ResultDeclined, "분실/도난 카드", cardDelay + authDelay},
		{10003, []string{r, a}, protocol.ResultDeclined, "유효기간 경과", cardDelay + authDelay},
		{10004, []string{r, a}, protocol.ResultDevice, "", cardDelay + authDelay},
		// 08: a signature whatever the amount, given after signDelay.
		{10008, []string{r, s, a}, protocol.ResultOK, protocol.MsgApproved, cardDelay + signDelay + authDelay},
		// Magic digits hold above the signature limit too.
		{60001, []string{r, s, a}, protocol.ResultDeclined, "한도초과", cardDelay + signDelay + authDelay},
		{60004, []string{r, s, a}, protocol.ResultDevice, "", cardDelay + signDelay + authDelay},
		{1_000_108, []string{r, s, a}, protocol.ResultOK, protocol.MsgApproved, cardDelay + signDelay + authDelay},
	}
	for _, c := range []struct {
		price, tip int64
		result     string
	}{
		// The digits are priceAmt's: the tip does not make or unmake magic.
		{10000, 1, protocol.ResultOK},
		{10001, 9, protocol.ResultDeclined},
	} {
		t.Run(fmt.Sprintf("%d+tip %d", c.price, c.tip), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rg := newRig(t, Config{})
				o := rg.transact(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: c.price, TipAmt: c.tip, Ptxid: "tip"})
				if o.final.ResultCode != c.result {
					t.Errorf("final %s, want %s", o.final.ResultCode, c.result)
				}
			})
		})
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.price), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rg := newRig(t, delays())
				ptxid := fmt.Sprintf("magic-%d", c.price)
				o := rg.transact(protocol.CodeCreditApproval, credit(c.price, ptxid))
				if !slices.Equal(o.phases, c.phases) {
					t.Errorf("phases %v, want %v", o.phases, c.phases)
				}
				if o.final.ResultCode != c.result || (c.msg != "" && o.final.ResultMessage != c.msg) {
					t.Errorf("final %s %q, want %s %q", o.final.ResultCode, o.final.ResultMessage, c.result, c.msg)
				}
				if o.final.Data.Ptxid != ptxid {
					t.Errorf("final data.ptxid %q, want %q", o.final.Data.Ptxid, ptxid)
				}
				if o.elapsed != c.elapsed {
					t.Errorf("final after %v, want %v", o.elapsed, c.elapsed)
				}
				approved := c.result == protocol.ResultOK
				if got := o.final.Data.ApprovalNo != ""; got != approved {
					t.Errorf("approvalNo %q present=%v, want present=%v", o.final.Data.ApprovalNo, got, approved)
				}
				// The books agree with the answer.
				out := rg.askOutcome(ptxid)
				want := outcomeOf(c.result)
				if out.ResultCode != protocol.ResultOK || out.Status != want || out.Code != protocol.CodeCreditApproval {
					t.Errorf("outcome %+v, want status %s", out, want)
				}
				if string(out.Final) != string(o.final.raw) {
					t.Errorf("books keep final %s, the daemon got %s", out.Final, o.final.raw)
				}
			})
		})
	}
}

// TestMagicPhaseTiming: each phase report comes when its step begins.
func TestMagicPhaseTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		o := rg.transact(protocol.CodeCreditApproval, credit(10008, "timing"))
		want := []time.Duration{0, cardDelay, cardDelay + signDelay}
		for i, at := range o.phaseAt {
			if got := at.Sub(o.started); got != want[i] {
				t.Errorf("phase %s after %v, want %v", o.phases[i], got, want[i])
			}
		}
	})
}

// TestMagicNeverSigns (07) and TestMagicNoCard (09): the terminal waits for
// ever; the daemon's timeout ends it with DevCancel, and no final answer
// follows.
func TestMagicNeverSigns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(10007, "never-signs"))
		rg.phase("never-signs", protocol.PhaseReading)
		rg.phase("never-signs", protocol.PhaseSigning)
		rg.quiet(10 * time.Minute)
		if s := rg.term.Screen(); s.Phase != protocol.PhaseSigning {
			t.Errorf("screen %+v, want signing", s)
		}
		a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "never-signs", Reason: protocol.ReasonSignTimeout})
		if a.ResultCode != protocol.ResultOK || a.Ptxid != "never-signs" {
			t.Errorf("DevCancel while signing: %+v, want 0000", a)
		}
		rg.quiet(time.Hour)
		if out := rg.askOutcome("never-signs"); out.Status != protocol.OutcomeFailed {
			t.Errorf("outcome %+v, want failed", out)
		}
		// The terminal is free again.
		rg.approve(protocol.CodeCreditApproval, credit(10000, "after"))
	})
}

func TestMagicNoCard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(10009, "no-card"))
		rg.phase("no-card", protocol.PhaseReading)
		rg.quiet(10 * time.Minute)
		a := rg.devResult(protocol.DevCancel, protocol.DevCancelRequest{Ptxid: "no-card", Reason: protocol.ReasonReadTimeout})
		if a.ResultCode != protocol.ResultOK {
			t.Errorf("DevCancel while reading: %+v, want 0000", a)
		}
		rg.quiet(time.Hour)
	})
}

// TestMagicNeverSignsNeedsSignatureAnyAmount: 07 asks for a signature even
// far below the limit.
func TestMagicNeverSignsNeedsSignatureAnyAmount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		rg.send(protocol.CodeCreditApproval, credit(107, "small-07"))
		rg.phase("small-07", protocol.PhaseReading)
		rg.phase("small-07", protocol.PhaseSigning)
	})
}

// TestSignatureLimit: a credit approval or cancel needs a signature when
// approvalAmt (goods plus tip) is above 50,000 won, not at or below it;
// simple pay and cash receipts never do.
func TestSignatureLimit(t *testing.T) {
	cases := []struct {
		name string
		code protocol.Code
		body any
		sign bool
	}{
		{"credit 50000", protocol.CodeCreditApproval, credit(50000, "p"), false},
		{"credit 49990", protocol.CodeCreditApproval, credit(49990, "p"), false},
		{"credit 50010", protocol.CodeCreditApproval, credit(50010, "p"), true},
		{"credit 49990+tip 20", protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 49990, TipAmt: 20, Ptxid: "p"}, true},
		{"credit 49990+tip 10", protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 49990, TipAmt: 10, Ptxid: "p"}, false},
		{"simple pay 90000", protocol.CodeSimplePayApproval, credit(90000, "p"), false},
		{"simple pay 08", protocol.CodeSimplePayApproval, credit(10008, "p"), false},
		{"cash receipt 90000", protocol.CodeCashReceipt, protocol.CashReceiptRequest{PriceAmt: 90000, TraderType: "1", Ptxid: "p"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rg := newRig(t, delays())
				o := rg.transact(c.code, c.body)
				if o.final.ResultCode != protocol.ResultOK {
					t.Fatalf("final %s %s", o.final.ResultCode, o.final.ResultMessage)
				}
				if got := slices.Contains(o.phases, protocol.PhaseSigning); got != c.sign {
					t.Errorf("phases %v: signing=%v, want %v", o.phases, got, c.sign)
				}
			})
		})
	}
}

func TestCancelAboveLimitNeedsSignature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		ap := rg.approve(protocol.CodeCreditApproval, credit(120000, "big"))
		o := rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 60000, "big-cancel-1"))
		if want := []string{protocol.PhaseReading, protocol.PhaseSigning, protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("cancel of 60000: phases %v, want %v", o.phases, want)
		}
		o = rg.transact(protocol.CodeCreditCancel, cancelOf(ap, 50000, "big-cancel-2"))
		if want := []string{protocol.PhaseReading, protocol.PhaseAuthorizing}; !slices.Equal(o.phases, want) {
			t.Errorf("cancel of 50000: phases %v, want %v", o.phases, want)
		}
	})
}

// TestApprovalBody: the 0000 answer carries the request's amounts (taxAmt
// by the VAT rule when absent), the merchant, the installment and ptxid.
func TestApprovalBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{MerchantCode: "M7"})
		d := rg.approve(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 110000, TipAmt: 5000, TaxFreeAmt: 11000, Installment: 3, Ptxid: "body"}).Data
		if d.ApprovalAmt != 115000 || d.TipAmt != 5000 || d.TaxFreeAmt != 11000 || d.TaxAmt != 9000 || d.Installment != 3 {
			t.Errorf("amounts %+v, want approvalAmt 115000 tip 5000 taxFree 11000 tax 9000 installment 3", d)
		}
		if d.MerchantCode != "M7" || d.Ptxid != "body" {
			t.Errorf("merchant %q ptxid %q", d.MerchantCode, d.Ptxid)
		}
		if _, err := time.Parse("20060102150405", d.TransactionDate); err != nil || d.TransactionDate != time.Now().Format("20060102150405") {
			t.Errorf("transactionDate %q, want now as yyyyMMddHHmmss", d.TransactionDate)
		}
		tax := int64(0)
		d = rg.approve(protocol.CodeCreditApproval, protocol.PaymentRequest{PriceAmt: 20000, TaxAmt: &tax, Ptxid: "tax0"}).Data
		if d.TaxAmt != 0 {
			t.Errorf("explicit taxAmt 0 became %d", d.TaxAmt)
		}
	})
}

// TestRequestRefused: a bad body, a second transaction while one runs, and
// codes the terminal does not serve are answered at once and start nothing.
func TestRequestRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, delays())
		o := rg.transact(protocol.CodeCreditApproval, `{"priceAmt":0,"ptxid":"bad"}`)
		if o.final.ResultCode != protocol.ResultInvalid || o.final.Data.Ptxid != "bad" || len(o.phases) != 0 || o.elapsed != 0 {
			t.Errorf("invalid body: %s %q ptxid %q phases %v after %v", o.final.ResultCode, o.final.ResultMessage, o.final.Data.Ptxid, o.phases, o.elapsed)
		}
		o = rg.transact(protocol.CodeCreditApproval, `not json`)
		if o.final.ResultCode != protocol.ResultInvalid {
			t.Errorf("not JSON: %s", o.final.ResultCode)
		}
		for _, code := range []protocol.Code{protocol.CodeLastTransaction, protocol.CodeAbort, "123456"} {
			o = rg.transact(code, nil)
			if o.final.ResultCode != protocol.ResultUnsupported {
				t.Errorf("%s: %s, want 9003", code, o.final.ResultCode)
			}
		}

		rg.send(protocol.CodeCreditApproval, credit(10000, "first"))
		rg.phase("first", protocol.PhaseReading)
		o = rg.transact(protocol.CodeCreditApproval, credit(20000, "second"))
		if o.final.ResultCode != protocol.ResultBusy || o.final.Data.Ptxid != "second" {
			t.Errorf("while busy: %s ptxid %q, want 9001 second", o.final.ResultCode, o.final.Data.Ptxid)
		}
		// Code download is answered while the transaction runs.
		if f := rg.ask(protocol.CodeCodeDownload, nil); decodeReply(t, f).ResultCode != protocol.ResultOK {
			t.Errorf("081008 while busy: %s", f.Body)
		}
		o = rg.follow(protocol.CodeCreditApproval, outcome{})
		if o.final.ResultCode != protocol.ResultOK || o.final.Data.Ptxid != "first" {
			t.Errorf("first transaction: %s %q", o.final.ResultCode, o.final.Data.Ptxid)
		}
		if out := rg.askOutcome("second"); out.ResultCode != protocol.ResultNoOriginal {
			t.Errorf("the refused transaction is in the books: %+v", out)
		}
	})
}

// TestCodeListCoversIssuers: every issuer and acquirer named in answers is
// in the 081008 code list, names agree, and masked card numbers start with
// that issuer's BIN, digits 7 to 12 masked.
func TestCodeListCoversIssuers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		f := rg.ask(protocol.CodeCodeDownload, nil)
		var list struct {
			ResultCode string
			Data       protocol.CodeListData
		}
		if err := jsonUnmarshal(f.Body, &list); err != nil || list.ResultCode != protocol.ResultOK {
			t.Fatalf("081008: %s (%v)", f.Body, err)
		}
		if list.Data.TotalCount != len(list.Data.CodeList) {
			t.Errorf("totalCount %d, list has %d", list.Data.TotalCount, len(list.Data.CodeList))
		}
		names := map[string]map[string]string{} // group → code → name
		for _, e := range list.Data.CodeList {
			if names[e.GroupCode] == nil {
				names[e.GroupCode] = map[string]string{}
			}
			names[e.GroupCode][e.Code] = e.CodeName
		}
		bins := map[string]string{}
		for _, is := range issuers {
			bins[is.code] = is.bin
		}
		seen := map[string]bool{}
		for i := range 200 {
			code := protocol.CodeCreditApproval
			if i%2 == 1 {
				code = protocol.CodeSimplePayApproval
			}
			d := rg.approve(code, credit(10000, fmt.Sprint("card-", i))).Data
			seen[d.IssuerCode] = true
			if n, ok := names["IS"][d.IssuerCode]; !ok || n != d.IssuerName {
				t.Fatalf("issuer %s %q not in the code list (%q)", d.IssuerCode, d.IssuerName, n)
			}
			if n, ok := names["AQ"][d.AcquirerCode]; !ok || n != d.AcquirerName {
				t.Fatalf("acquirer %s %q not in the code list (%q)", d.AcquirerCode, d.AcquirerName, n)
			}
			m := d.MaskedTrackData
			if len(m) != 16 || m[:6] != bins[d.IssuerCode] || m[6:12] != "******" || !allDigits(m[12:]) {
				t.Fatalf("maskedTrackData %q: want 16 characters, issuer %s BIN %s, digits 7-12 masked", m, d.IssuerCode, bins[d.IssuerCode])
			}
		}
		if len(seen) != len(issuers) {
			t.Errorf("200 cards came from %d of %d issuers", len(seen), len(issuers))
		}
	})
}

// TestNumbersUnique: approval numbers are 8 digits and transaction numbers
// 12, none repeated over many approvals and cancels.
func TestNumbersUnique(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rg := newRig(t, Config{})
		approvals, txNos := map[string]bool{}, map[string]bool{}
		check := func(d data) {
			t.Helper()
			if len(d.ApprovalNo) != 8 || !allDigits(d.ApprovalNo) || approvals[d.ApprovalNo] {
				t.Fatalf("approvalNo %q: want 8 digits, unique", d.ApprovalNo)
			}
			if len(d.TransactionNo) != 12 || !allDigits(d.TransactionNo) || txNos[d.TransactionNo] {
				t.Fatalf("transactionNo %q: want 12 digits, unique", d.TransactionNo)
			}
			approvals[d.ApprovalNo], txNos[d.TransactionNo] = true, true
		}
		for i := range 300 {
			ap := rg.approve(protocol.CodeCreditApproval, credit(20000, fmt.Sprint("u-", i)))
			check(ap.Data)
			if i%3 == 0 {
				check(rg.approve(protocol.CodeCreditCancel, cancelOf(ap, 20000, fmt.Sprint("uc-", i))).Data)
			}
		}
	})
}

func TestNumbersNextExhaustsWithoutRepeat(t *testing.T) {
	n := newNumbers(rand.New(rand.NewPCG(1, 2)))
	got := map[string]bool{}
	for range 10 {
		v := n.next(1)
		if got[v] || len(v) != 1 {
			t.Fatalf("next(1) gave %q twice or malformed", v)
		}
		got[v] = true
	}
}

// TestLuhn: the check digit makes the number pass the Luhn test, checked
// against known numbers and an independent validator.
func TestLuhn(t *testing.T) {
	for _, c := range []struct {
		digits string
		check  int
	}{{"7992739871", 3}, {"411111111111111", 1}, {"536148123456123", 5}, {"0", 0}} {
		if got := luhn(c.digits); got != c.check {
			t.Errorf("luhn(%s) = %d, want %d", c.digits, got, c.check)
		}
	}
	for i := range 1000 {
		pan := issuers[i%len(issuers)].bin + fmt.Sprintf("%09d", i*7919)
		pan += fmt.Sprint(luhn(pan))
		if !luhnValid(pan) {
			t.Fatalf("%s fails the Luhn test", pan)
		}
		if bad := pan[:15] + fmt.Sprint((int(pan[15]-'0')+1)%10); luhnValid(bad) {
			t.Fatalf("validator accepts %s", bad)
		}
	}
}

// TestNewCardLuhn: the card behind a masked number passes the Luhn test.
// The full number never leaves newCard, so the test replays its draws on a
// twin random source and checks the visible check digit.
func TestNewCardLuhn(t *testing.T) {
	for seed := range uint64(500) {
		c := newCard(rand.New(rand.NewPCG(seed, 9)))
		twin := rand.New(rand.NewPCG(seed, 9))
		is := issuers[twin.IntN(len(issuers))]
		pan := is.bin
		for range 9 {
			pan += fmt.Sprint(twin.IntN(10))
		}
		if c.issuer != is || c.masked[:6] != is.bin || c.masked[12:15] != pan[12:15] {
			t.Fatalf("seed %d: card %+v does not replay as %s", seed, c, pan)
		}
		pan += c.masked[15:]
		if !luhnValid(pan) {
			t.Fatalf("seed %d: %s (shown %s) fails the Luhn test", seed, pan, c.masked)
		}
	}
}

func luhnValid(pan string) bool {
	sum := 0
	for i := range len(pan) {
		d := int(pan[len(pan)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
