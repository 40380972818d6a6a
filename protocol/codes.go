package protocol

// Code is a six-digit message code (전문구분).
type Code string

// Valid reports whether c is six ASCII digits.
func (c Code) Valid() bool {
	if len(c) != CodeDigits {
		return false
	}
	for i := range len(c) {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return true
}

// The POS message codes of the terminal document.
const (
	CodeCreditApproval        Code = "010010" // 신용결제승인
	CodeCreditCancel          Code = "010020" // 신용결제취소
	CodeSimplePayApproval     Code = "030010" // 간편결제승인
	CodeSimplePayCancel       Code = "030020" // 간편결제취소
	CodeCashReceipt           Code = "070010" // 현금영수증발급
	CodeCashReceiptCancel     Code = "070020" // 현금영수증취소
	CodeCardReadCancel        Code = "910021" // 카드리딩취소
	CodeSimplePayReadCancel   Code = "930021" // 간편결제리딩취소
	CodeCashReceiptReadCancel Code = "970021" // 현금영수증리딩취소
	CodeAbort                 Code = "555555" // 실행취소
	CodeConfirm               Code = "980001" // 결제결과확인
	CodeLastTransaction       Code = "990001" // 직전거래조회
	CodeSalesSummary          Code = "050099" // 매출집계조회
	CodeCodeDownload          Code = "081008" // 코드다운로드
	CodePrint                 Code = "900091" // 프린트출력
	CodeTaxRefund             Code = "050010" // 환급전표발행
	CodeTaxRefundCancel       Code = "050020" // 환급전표취소
	CodeTaxRefundQuery        Code = "900050" // 환급전표조회
)

// Codes termd adds to the POS protocol.
const (
	// CodeFrameError answers a frame whose header could not be read, so its
	// code is unknown.
	CodeFrameError Code = "000000"
	// CodeAuth is the first frame of a TCP client on a non-loopback address:
	// {"token":"…"}.
	CodeAuth Code = "000001"
)

// Kind sorts codes by how the daemon serves them.
type Kind int

const (
	// KindTransaction runs on the terminal, one at a time, journaled, with a
	// single final answer.
	KindTransaction Kind = iota + 1
	// KindQuery is answered by the daemon at once, even while the terminal is busy.
	KindQuery
	// KindControl acts on the running transaction (read-cancel, abort, confirm).
	KindControl
	// KindPrint goes to the receipt printer.
	KindPrint
)

func (k Kind) String() string {
	switch k {
	case KindTransaction:
		return "transaction"
	case KindQuery:
		return "query"
	case KindControl:
		return "control"
	case KindPrint:
		return "print"
	}
	return "unknown"
}

// Family groups the transactions a read-cancel code can end.
type Family int

const (
	FamilyNone        Family = iota
	FamilyCard               // 010010, 010020; read-cancel 910021
	FamilySimplePay          // 030010, 030020; read-cancel 930021
	FamilyCashReceipt        // 070010, 070020; read-cancel 970021
	FamilyTaxRefund          // 050010, 050020, 900050; abort only
)

func (f Family) String() string {
	switch f {
	case FamilyCard:
		return "card"
	case FamilySimplePay:
		return "simplePay"
	case FamilyCashReceipt:
		return "cashReceipt"
	case FamilyTaxRefund:
		return "taxRefund"
	}
	return "none"
}

// Info describes one message code.
type Info struct {
	Code    Code
	Korean  string // the seed's name
	English string
	Kind    Kind
	// Family is the transaction family a transaction belongs to, or, for a
	// read-cancel code, the family it ends.
	Family Family
	// Confirm: a 0000 final answer must be confirmed with 980001.
	Confirm bool
	// MaySign: the terminal may ask for a signature (answer 0010 first).
	MaySign bool
	// Cancel: the transaction cancels an earlier approval.
	Cancel bool
}

var catalogue = map[Code]Info{
	CodeCreditApproval:        {Korean: "신용결제승인", English: "credit approval", Kind: KindTransaction, Family: FamilyCard, Confirm: true, MaySign: true},
	CodeCreditCancel:          {Korean: "신용결제취소", English: "credit cancel", Kind: KindTransaction, Family: FamilyCard, Confirm: true, MaySign: true, Cancel: true},
	CodeSimplePayApproval:     {Korean: "간편결제승인", English: "simple-pay approval", Kind: KindTransaction, Family: FamilySimplePay, Confirm: true},
	CodeSimplePayCancel:       {Korean: "간편결제취소", English: "simple-pay cancel", Kind: KindTransaction, Family: FamilySimplePay, Confirm: true, Cancel: true},
	CodeCashReceipt:           {Korean: "현금영수증발급", English: "cash receipt", Kind: KindTransaction, Family: FamilyCashReceipt, Confirm: true},
	CodeCashReceiptCancel:     {Korean: "현금영수증취소", English: "cash receipt cancel", Kind: KindTransaction, Family: FamilyCashReceipt, Confirm: true, Cancel: true},
	CodeCardReadCancel:        {Korean: "카드리딩취소", English: "card read-cancel", Kind: KindControl, Family: FamilyCard},
	CodeSimplePayReadCancel:   {Korean: "간편결제리딩취소", English: "simple-pay read-cancel", Kind: KindControl, Family: FamilySimplePay},
	CodeCashReceiptReadCancel: {Korean: "현금영수증리딩취소", English: "cash-receipt read-cancel", Kind: KindControl, Family: FamilyCashReceipt},
	CodeAbort:                 {Korean: "실행취소", English: "abort", Kind: KindControl},
	CodeConfirm:               {Korean: "결제결과확인", English: "result confirmation", Kind: KindControl},
	CodeLastTransaction:       {Korean: "직전거래조회", English: "last transaction", Kind: KindQuery},
	CodeSalesSummary:          {Korean: "매출집계조회", English: "sales summary", Kind: KindQuery},
	CodeCodeDownload:          {Korean: "코드다운로드", English: "code download", Kind: KindQuery},
	CodePrint:                 {Korean: "프린트출력", English: "print", Kind: KindPrint},
	CodeTaxRefund:             {Korean: "환급전표발행", English: "tax-refund slip", Kind: KindTransaction, Family: FamilyTaxRefund, Confirm: true},
	CodeTaxRefundCancel:       {Korean: "환급전표취소", English: "tax-refund cancel", Kind: KindTransaction, Family: FamilyTaxRefund, Confirm: true, Cancel: true},
	CodeTaxRefundQuery:        {Korean: "환급전표조회", English: "tax-refund query", Kind: KindTransaction, Family: FamilyTaxRefund},
}

func init() {
	for c, info := range catalogue {
		info.Code = c
		catalogue[c] = info
	}
}

// Lookup returns what termd knows of code; ok is false for a code it does not serve.
func Lookup(code Code) (info Info, ok bool) {
	info, ok = catalogue[code]
	return info, ok
}

// Codes lists every POS code termd serves, in no particular order.
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	return out
}

// ReadCancelCode returns the read-cancel code that ends transactions of f, or
// "" when f has none (tax refund: abort only).
func ReadCancelCode(f Family) Code {
	switch f {
	case FamilyCard:
		return CodeCardReadCancel
	case FamilySimplePay:
		return CodeSimplePayReadCancel
	case FamilyCashReceipt:
		return CodeCashReceiptReadCancel
	}
	return ""
}
