package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits of request fields.
const (
	// MaxAmount is the largest amount termd accepts in any amount field
	// (just under one billion won, nine digits as terminals print them).
	MaxAmount = 999_999_999
	// MinInstallmentAmt is the smallest approvalAmt that may be split into
	// installments (할부), and the amount above which a credit card
	// transaction needs a signature.
	MinInstallmentAmt = 50_000
	// SignatureAbove: credit transactions above this amount need a signature.
	SignatureAbove = 50_000
	MaxPtxid       = 100
	// MaxSummaryDays is the longest span a sales summary may cover.
	MaxSummaryDays = 366
	maxPrintCmds   = 500
)

// VAT returns the value-added tax included in a goods total: one eleventh of
// the taxable part, rounded half up.
func VAT(priceAmt, taxFreeAmt int64) int64 {
	taxable := priceAmt - taxFreeAmt
	if taxable <= 0 {
		return 0
	}
	return (2*taxable + 11) / 22
}

func (r *PaymentRequest) validate(code Code) error {
	if code == CodeSimplePayApproval && len(r.ServiceCode) > 20 {
		return &FieldError{Field: "serviceCode", Reason: "must be at most 20 characters"}
	}
	tax, err := checkGoods(r.PriceAmt, r.TaxAmt, r.TipAmt, r.TaxFreeAmt)
	if err != nil {
		return err
	}
	r.TaxAmt = &tax
	if err := checkInstallment(r.Installment, r.ApprovalAmt()); err != nil {
		return err
	}
	return checkPtxid(r.Ptxid)
}

func (r *CashReceiptRequest) validate() error {
	tax, err := checkGoods(r.PriceAmt, r.TaxAmt, r.TipAmt, r.TaxFreeAmt)
	if err != nil {
		return err
	}
	r.TaxAmt = &tax
	if err := checkTraderType(r.TraderType); err != nil {
		return err
	}
	if err := optionalText("approvalNumber", r.ApprovalNumber, 30); err != nil {
		return err
	}
	return checkPtxid(r.Ptxid)
}

func (r *CancelRequest) validate(code Code) error {
	if err := checkAmount("approvalAmt", r.ApprovalAmt, 1); err != nil {
		return err
	}
	if err := requireText("approvalNo", r.ApprovalNo, 20); err != nil {
		return err
	}
	if err := checkTransactionDate(r.TransactionDate); err != nil {
		return err
	}
	if err := optionalText("transactionNo", r.TransactionNo, 20); err != nil {
		return err
	}
	if code == CodeCashReceiptCancel {
		if err := checkTraderType(r.TraderType); err != nil {
			return err
		}
		if err := optionalText("approvalNumber", r.ApprovalNumber, 30); err != nil {
			return err
		}
	}
	return checkPtxid(r.Ptxid)
}

func (r *SummaryRequest) validate() error {
	from, err := parseDay("from", r.From)
	if err != nil {
		return err
	}
	to, err := parseDay("to", r.To)
	if err != nil {
		return err
	}
	if from.After(to) {
		return &FieldError{Field: "from", Reason: "is after to"}
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > MaxSummaryDays {
		return &FieldError{Field: "to", Reason: fmt.Sprintf("period spans %d days, at most %d allowed", days, MaxSummaryDays)}
	}
	return nil
}

// checkGoods checks the amounts of a sale and returns the tax, computed by
// the VAT rule when the POS left taxAmt out.
func checkGoods(price int64, tax *int64, tip, taxFree int64) (int64, error) {
	if err := checkAmount("priceAmt", price, 1); err != nil {
		return 0, err
	}
	if err := checkAmount("tipAmt", tip, 0); err != nil {
		return 0, err
	}
	if err := checkAmount("taxFreeAmt", taxFree, 0); err != nil {
		return 0, err
	}
	if taxFree > price {
		return 0, &FieldError{Field: "taxFreeAmt", Reason: "exceeds priceAmt"}
	}
	if tax == nil {
		return VAT(price, taxFree), nil
	}
	if err := checkAmount("taxAmt", *tax, 0); err != nil {
		return 0, err
	}
	if *tax+taxFree > price {
		return 0, &FieldError{Field: "taxAmt", Reason: "taxAmt + taxFreeAmt exceeds priceAmt"}
	}
	return *tax, nil
}

func checkAmount(field string, v, least int64) error {
	switch {
	case v < least && least == 1:
		return &FieldError{Field: field, Reason: "required: a whole number of won, at least 1"}
	case v < least:
		return &FieldError{Field: field, Reason: "must not be negative"}
	case v > MaxAmount:
		return &FieldError{Field: field, Reason: "must be at most " + strconv.Itoa(MaxAmount)}
	}
	return nil
}

func checkInstallment(months int, approvalAmt int64) error {
	switch {
	case months == 0:
		return nil
	case months < 2 || months > 12:
		return &FieldError{Field: "installment", Reason: "must be 0 (lump sum) or 2 to 12 months"}
	case approvalAmt < MinInstallmentAmt:
		return &FieldError{Field: "installment", Reason: "installments need an approval amount of at least 50000"}
	}
	return nil
}

func checkTraderType(t string) error {
	if t != "1" && t != "2" {
		return &FieldError{Field: "traderType", Reason: `must be "1" (income deduction) or "2" (expense proof)`}
	}
	return nil
}

func checkPtxid(id string) error {
	if id == "" {
		return &FieldError{Field: "ptxid", Reason: "required: 1 to 100 printable ASCII characters"}
	}
	return asciiText("ptxid", id, MaxPtxid)
}

func requireText(field, v string, max int) error {
	if v == "" {
		return &FieldError{Field: field, Reason: "required"}
	}
	return asciiText(field, v, max)
}

func optionalText(field, v string, max int) error {
	if v == "" {
		return nil
	}
	return asciiText(field, v, max)
}

func asciiText(field, v string, max int) error {
	if len(v) > max {
		return &FieldError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", max)}
	}
	for i := range len(v) {
		if v[i] < 0x20 || v[i] > 0x7e {
			return &FieldError{Field: field, Reason: "must be printable ASCII"}
		}
	}
	return nil
}

func checkTransactionDate(d string) error {
	layout := ""
	switch len(d) {
	case 8:
		layout = "20060102"
	case 14:
		layout = "20060102150405"
	default:
		return &FieldError{Field: "transactionDate", Reason: "must be yyyyMMdd or yyyyMMddHHmmss"}
	}
	if _, err := time.Parse(layout, d); err != nil {
		return &FieldError{Field: "transactionDate", Reason: "is not a real date: " + d}
	}
	return nil
}

func parseDay(field, d string) (time.Time, error) {
	t, err := time.Parse("20060102", d)
	if err != nil || len(d) != 8 {
		return time.Time{}, &FieldError{Field: field, Reason: "must be a date yyyyMMdd"}
	}
	return t, nil
}

func (r *PrintRequest) validate() error {
	if len(r.Commands) == 0 {
		return &FieldError{Field: "commands", Reason: "required: at least one print command"}
	}
	if len(r.Commands) > maxPrintCmds {
		return &FieldError{Field: "commands", Reason: fmt.Sprintf("at most %d commands", maxPrintCmds)}
	}
	for i, c := range r.Commands {
		if err := c.validate(); err != nil {
			err.Field = fmt.Sprintf("commands[%d].%s", i, err.Field)
			return err
		}
	}
	return nil
}

func (c PrintCommand) validate() *FieldError {
	if c.FontSize < 0 || c.FontSize > 100 {
		return &FieldError{Field: "fontSize", Reason: "must be 0 to 100 px (0 or left out: the normal size)"}
	}
	want := 0
	switch c.Command {
	case PrintLogo, PrintLine, PrintCuttingLine, PrintBr:
		return nil
	case PrintLeft, PrintRight:
		if len(c.Message) == 0 {
			return &FieldError{Field: "message", Reason: "required: at least one line"}
		}
		return nil
	case PrintText2:
		want = 2
	case PrintText3:
		want = 3
	case "":
		return &FieldError{Field: "command", Reason: "required"}
	default:
		return &FieldError{Field: "command", Reason: fmt.Sprintf("unknown print command %q", c.Command)}
	}
	if len(c.Message) != want {
		return &FieldError{Field: "message", Reason: fmt.Sprintf("%s needs exactly %d columns, got %d", c.Command, want, len(c.Message))}
	}
	return nil
}

var errNotNumber = errors.New("salesSerial is not a number")

// UnmarshalJSON keeps salesSerial as text whether the POS sent a number
// (T650P) or a string (P3MIX); validate checks which one the model needs.
func (r *TaxRefundRequest) UnmarshalJSON(b []byte) error {
	type plain TaxRefundRequest
	var aux struct {
		*plain
		SalesSerial json.RawMessage `json:"salesSerial"`
	}
	aux.plain = (*plain)(r)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.SalesSerial, r.salesSerialIsNumber = "", false
	if len(aux.SalesSerial) == 0 || string(aux.SalesSerial) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(aux.SalesSerial, &s); err == nil {
		r.SalesSerial = s
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(aux.SalesSerial, &n); err != nil {
		return &FieldError{Field: "salesSerial", Reason: "must be a number or a string"}
	}
	r.SalesSerial, r.salesSerialIsNumber = n.String(), true
	return nil
}

// MarshalJSON writes salesSerial back in the form it came in.
func (r TaxRefundRequest) MarshalJSON() ([]byte, error) {
	type plain TaxRefundRequest
	var serial any
	switch {
	case r.SalesSerial == "":
	case r.salesSerialIsNumber:
		serial = json.Number(r.SalesSerial)
	default:
		serial = r.SalesSerial
	}
	return json.Marshal(struct {
		plain
		SalesSerial any `json:"salesSerial,omitempty"`
	}{plain(r), serial})
}

func (r *TaxRefundRequest) validate(model Model) error {
	for _, a := range []struct {
		field string
		v     int64
	}{{"approvalAmt", r.ApprovalAmt}, {"cardAmount", r.CardAmount}, {"cashAmount", r.CashAmount}, {"etcAmount", r.EtcAmount}} {
		if err := checkAmount(a.field, a.v, 0); err != nil {
			return err
		}
	}
	// The stay dates belong to P3MIX's hotel body; a T650P body that
	// carries them anyway must not pass malformed ones to the terminal.
	if err := r.validateStay(); err != nil {
		return err
	}
	switch model {
	case ModelT650P:
		if err := r.validateT650P(); err != nil {
			return err
		}
	case ModelP3MIX:
		if err := r.validateP3MIX(); err != nil {
			return err
		}
	default:
		return &FieldError{Field: "body", Reason: fmt.Sprintf("tax refund is not supported by terminal model %q", model)}
	}
	if model == ModelP3MIX && r.Ptxid == "" {
		return nil // every P3MIX field is optional: termd names the slip
	}
	return checkPtxid(r.Ptxid)
}

func (r *TaxRefundRequest) validateT650P() error {
	switch r.TaxRefundMode {
	case "", "post", "pre":
	default:
		return &FieldError{Field: "taxRefundMode", Reason: `must be "post" or "pre"`}
	}
	switch r.PaymentType {
	case "", "card", "cash":
	default:
		return &FieldError{Field: "paymentType", Reason: `must be "card" or "cash"`}
	}
	if r.SalesSerial != "" && !r.salesSerialIsNumber {
		return &FieldError{Field: "salesSerial", Reason: "must be a number for terminal model T650P"}
	}
	return optionalText("qrServiceCode", r.QRServiceCode, 20)
}

func (r *TaxRefundRequest) validateP3MIX() error {
	if err := optionalText("salesSerial", r.SalesSerial, 30); err != nil {
		return err
	}
	return optionalText("facilitatorNumber", r.FacilitatorNumber, 20)
}

// validateStay checks the hotel stay's dates: yyMMdd, check-out not before
// check-in.
func (r *TaxRefundRequest) validateStay() error {
	in, err := stayDate("checkIn", r.CheckIn)
	if err != nil {
		return err
	}
	out, err := stayDate("checkOut", r.CheckOut)
	if err != nil {
		return err
	}
	if !in.IsZero() && !out.IsZero() && out.Before(in) {
		return &FieldError{Field: "checkOut", Reason: "is before checkIn"}
	}
	return nil
}

func (r *TaxRefundRefRequest) validate() error {
	if err := requireText("taxRefundSerial", r.TaxRefundSerial, 30); err != nil {
		return err
	}
	if r.IsPrint != "" && r.IsPrint != "true" && r.IsPrint != "false" {
		return &FieldError{Field: "isPrint", Reason: `must be "true" or "false"`}
	}
	return checkPtxid(r.Ptxid)
}

// stayDate reads an optional yyMMdd date. time.Parse alone would take a
// sign before the two-digit year ("+10101"), so the digits are checked too.
func stayDate(field, d string) (time.Time, error) {
	if d == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("060102", d)
	if err != nil || len(d) != 6 || strings.Trim(d, "0123456789") != "" {
		return time.Time{}, &FieldError{Field: field, Reason: "must be a date yyMMdd"}
	}
	return t, nil
}
