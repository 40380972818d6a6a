package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Model names the terminal model, which decides the tax-refund body (050010).
type Model string

// Terminal models with a tax-refund variant.
const (
	ModelT650P Model = "T650P"
	ModelP3MIX Model = "P3MIX"
)

// Transaction is a decoded transaction request: it names its ptxid.
type Transaction interface {
	PtxID() string
}

var (
	_ Transaction = (*PaymentRequest)(nil)
	_ Transaction = (*CancelRequest)(nil)
	_ Transaction = (*CashReceiptRequest)(nil)
	_ Transaction = (*TaxRefundRequest)(nil)
	_ Transaction = (*TaxRefundRefRequest)(nil)
)

func (r *PaymentRequest) PtxID() string      { return r.Ptxid }
func (r *CancelRequest) PtxID() string       { return r.Ptxid }
func (r *CashReceiptRequest) PtxID() string  { return r.Ptxid }
func (r *TaxRefundRequest) PtxID() string    { return r.Ptxid }
func (r *TaxRefundRefRequest) PtxID() string { return r.Ptxid }

// DecodeRequest decodes and validates the body of a POS request.
//
// It returns one of *PaymentRequest, *CancelRequest, *CashReceiptRequest,
// *SummaryRequest, *PrintRequest, *TaxRefundRequest, *TaxRefundRefRequest,
// or nil for codes that carry no body. Missing optional values are filled
// (taxAmt from the VAT rule). Errors are *FieldError (send 9002 with its
// message) or *UnknownCodeError (9003).
func DecodeRequest(code Code, body []byte, model Model) (any, error) {
	switch code {
	case CodeCreditApproval, CodeSimplePayApproval:
		r := new(PaymentRequest)
		return decodeValid(body, r, func() error { return r.validate(code) })
	case CodeCreditCancel, CodeSimplePayCancel, CodeCashReceiptCancel:
		r := new(CancelRequest)
		return decodeValid(body, r, func() error { return r.validate(code) })
	case CodeCashReceipt:
		r := new(CashReceiptRequest)
		return decodeValid(body, r, r.validate)
	case CodeSalesSummary:
		r := new(SummaryRequest)
		return decodeValid(body, r, r.validate)
	case CodePrint:
		r := new(PrintRequest)
		return decodeValid(body, r, r.validate)
	case CodeTaxRefund:
		r := new(TaxRefundRequest)
		return decodeValid(body, r, func() error { return r.validate(model) })
	case CodeTaxRefundCancel, CodeTaxRefundQuery:
		r := new(TaxRefundRefRequest)
		return decodeValid(body, r, r.validate)
	case CodeCardReadCancel, CodeSimplePayReadCancel, CodeCashReceiptReadCancel,
		CodeAbort, CodeConfirm, CodeLastTransaction, CodeCodeDownload:
		return nil, headerOnly(body)
	case CodeAuth:
		r := new(AuthRequest)
		return decodeValid(body, r, func() error { return requireText("token", r.Token, 256) })
	}
	return nil, &UnknownCodeError{Code: code}
}

func decodeValid[T any](body []byte, v *T, validate func() error) (*T, error) {
	if err := decodeJSON(body, v); err != nil {
		return nil, err
	}
	if err := validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// headerOnly accepts an empty body or any JSON object (unknown fields are
// ignored), and rejects anything else so a garbled frame is not mistaken for
// a command.
func headerOnly(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	return decodeJSON(body, &m)
}

// decodeJSON unmarshals one JSON object and turns encoding/json's errors into
// a *FieldError that names the field.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &FieldError{Field: "body", Reason: "required: this message needs a JSON object"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return typeError(typeErr)
	case errors.As(err, &syntaxErr):
		return &FieldError{Field: "body", Reason: fmt.Sprintf("not valid JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}
	case errors.Is(err, errNotNumber):
		return &FieldError{Field: "salesSerial", Reason: "must be a number for this terminal model"}
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return &FieldError{Field: "body", Reason: "not valid JSON: " + err.Error()}
}

func typeError(e *json.UnmarshalTypeError) *FieldError {
	// encoding/json names the embedded alias TaxRefundRequest decodes
	// through ("plain.approvalAmt"); the POS knows only the JSON name.
	field := strings.TrimPrefix(e.Field, "plain.")
	if field == "" {
		return &FieldError{Field: "body", Reason: "must be a JSON object, not " + article(e.Value)}
	}
	switch e.Type.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		if e.Value == "number" || strings.HasPrefix(e.Value, "number ") {
			return &FieldError{Field: field, Reason: "must be a whole number of won within range"}
		}
		return &FieldError{Field: field, Reason: "must be a number, not " + article(e.Value)}
	case reflect.String:
		return &FieldError{Field: field, Reason: "must be a string, not " + article(e.Value)}
	case reflect.Bool:
		return &FieldError{Field: field, Reason: "must be true or false, not " + article(e.Value)}
	case reflect.Slice:
		return &FieldError{Field: field, Reason: "must be an array, not " + article(e.Value)}
	case reflect.Struct, reflect.Map:
		return &FieldError{Field: field, Reason: "must be an object, not " + article(e.Value)}
	}
	return &FieldError{Field: field, Reason: "has the wrong type (" + e.Value + ")"}
}

func article(jsonKind string) string {
	switch {
	case strings.HasPrefix(jsonKind, "number"):
		return "a number"
	case jsonKind == "array", jsonKind == "object":
		return "an " + jsonKind
	}
	return "a " + jsonKind
}
