package protocol

import "encoding/json"

// Request bodies. Field names are the terminal document's. encoding/json
// matches keys case-insensitively, so "ptxId" fills Ptxid as the document
// spells it both ways.

// PaymentRequest is the body of 010010 (credit) and 030010 (simple pay).
type PaymentRequest struct {
	ServiceCode string `json:"serviceCode,omitempty"` // simple pay only, e.g. "QRD"
	PriceAmt    int64  `json:"priceAmt"`
	// TaxAmt is nil when the POS left it out; Validate then fills it.
	TaxAmt      *int64 `json:"taxAmt,omitempty"`
	TipAmt      int64  `json:"tipAmt"`
	TaxFreeAmt  int64  `json:"taxFreeAmt"`
	Installment int    `json:"installment"`
	Ptxid       string `json:"ptxid"`
}

// ApprovalAmt is what the customer pays: goods plus tip.
func (r *PaymentRequest) ApprovalAmt() int64 { return r.PriceAmt + r.TipAmt }

// CancelRequest is the body of 010020, 030020 and 070020 (the last with the
// cash-receipt fields).
type CancelRequest struct {
	ApprovalAmt     int64  `json:"approvalAmt"`
	ApprovalNo      string `json:"approvalNo"`
	TransactionDate string `json:"transactionDate"` // yyyyMMdd or yyyyMMddHHmmss
	TransactionNo   string `json:"transactionNo,omitempty"`
	TraderType      string `json:"traderType,omitempty"`     // 070020 only
	ApprovalNumber  string `json:"approvalNumber,omitempty"` // 070020 only
	Ptxid           string `json:"ptxid"`
}

// OriginalDate is the yyyyMMdd day of the approval being cancelled.
func (r *CancelRequest) OriginalDate() string {
	if len(r.TransactionDate) < 8 {
		return r.TransactionDate
	}
	return r.TransactionDate[:8]
}

// CashReceiptRequest is the body of 070010.
type CashReceiptRequest struct {
	PriceAmt   int64  `json:"priceAmt"`
	TaxAmt     *int64 `json:"taxAmt,omitempty"`
	TipAmt     int64  `json:"tipAmt"`
	TaxFreeAmt int64  `json:"taxFreeAmt"`
	// TraderType "1" income deduction (소득공제), "2" expense proof (지출증빙).
	TraderType string `json:"traderType"`
	// ApprovalNumber identifies the customer (phone, card or business
	// number); empty means the customer keys it on the terminal.
	ApprovalNumber string `json:"approvalNumber"`
	Ptxid          string `json:"ptxid"`
}

// ApprovalAmt is what the receipt is issued for: goods plus tip.
func (r *CashReceiptRequest) ApprovalAmt() int64 { return r.PriceAmt + r.TipAmt }

// SummaryRequest is the body of 050099.
type SummaryRequest struct {
	From string `json:"from"` // yyyyMMdd
	To   string `json:"to"`   // yyyyMMdd
}

// PrintRequest is the body of 900091.
type PrintRequest struct {
	FontFamily string         `json:"fontFamily,omitempty"`
	Alert      bool           `json:"alert"`
	Commands   []PrintCommand `json:"commands"`
}

// PrintCommand is one step of a print job; see the Print* constants.
type PrintCommand struct {
	Command  string   `json:"command"`
	FontSize int      `json:"fontSize,omitempty"`
	Message  []string `json:"message,omitempty"`
}

// Print commands.
const (
	PrintLogo        = "logo"
	PrintLine        = "line"
	PrintCuttingLine = "cuttingLine"
	PrintBr          = "br"
	PrintLeft        = "left"
	PrintRight       = "right"
	PrintText2       = "text2"
	PrintText3       = "text3"
)

// TaxRefundRequest is the body of 050010. Which fields apply depends on the
// terminal model: T650P uses the first group, P3MIX the second (medical,
// goods or hotel slips; every field optional).
type TaxRefundRequest struct {
	// T650P
	TaxRefundMode string `json:"taxRefundMode,omitempty"`
	PaymentType   string `json:"paymentType,omitempty"`
	ApprovalAmt   int64  `json:"approvalAmt,omitempty"`
	QRServiceCode string `json:"qrServiceCode,omitempty"`
	// P3MIX
	CardAmount        int64  `json:"cardAmount,omitempty"`
	CashAmount        int64  `json:"cashAmount,omitempty"`
	EtcAmount         int64  `json:"etcAmount,omitempty"`
	FacilitatorNumber string `json:"facilitatorNumber,omitempty"`
	CheckIn           string `json:"checkIn,omitempty"`  // yyMMdd
	CheckOut          string `json:"checkOut,omitempty"` // yyMMdd
	// SalesSerial is a number for T650P and a string for P3MIX; it is kept
	// as the text the POS sent.
	SalesSerial         string `json:"-"`
	salesSerialIsNumber bool
	Ptxid               string `json:"ptxId,omitempty"` // P3MIX: optional, named by termd
}

// TaxRefundRefRequest is the body of 050020 and 900050.
type TaxRefundRefRequest struct {
	TaxRefundSerial string `json:"taxRefundSerial"`
	IsPrint         string `json:"isPrint,omitempty"` // "true" or "false", as the document sends it
	Ptxid           string `json:"ptxId"`
}

// AuthRequest is the body of 000001.
type AuthRequest struct {
	Token string `json:"token"`
}

// Response is every answer's envelope.
type Response struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Period        string `json:"period,omitempty"` // 050099 only
	Data          any    `json:"data,omitempty"`
}

// PtxidData is the data of answers that carry nothing but the ptxid
// (0010, read-cancel, abort, 9999 finals).
type PtxidData struct {
	Ptxid string `json:"ptxid"`
}

// CardResult is the data of a 010010 / 010020 answer.
type CardResult struct {
	ApprovalNo      string `json:"approvalNo"`
	TransactionNo   string `json:"transactionNo"`
	MerchantCode    string `json:"merchantCode"`
	Installment     int    `json:"installment"`
	ApprovalAmt     int64  `json:"approvalAmt"`
	TipAmt          int64  `json:"tipAmt"`
	TaxAmt          int64  `json:"taxAmt"`
	TaxFreeAmt      int64  `json:"taxFreeAmt"`
	MaskedTrackData string `json:"maskedTrackData"`
	IssuerCode      string `json:"issuerCode"`
	IssuerName      string `json:"issuerName"`
	AcquirerCode    string `json:"acquirerCode"`
	AcquirerName    string `json:"acquirerName"`
	TransactionDate string `json:"transactionDate"` // yyyyMMddHHmmss
	Ptxid           string `json:"ptxid"`
}

// SimplePayResult is the data of a 030010 / 030020 answer.
type SimplePayResult struct {
	CardResult
	PointAmt1   int64  `json:"pointAmt1"`
	PointAmt2   int64  `json:"pointAmt2"`
	PointAmt3   int64  `json:"pointAmt3"`
	ServiceCode string `json:"serviceCode"`
}

// CashReceiptResult is the data of a 070010 / 070020 answer.
type CashReceiptResult struct {
	ApprovalNo      string `json:"approvalNo"`
	TransactionNo   string `json:"transactionNo"`
	ApprovalAmt     int64  `json:"approvalAmt"`
	TipAmt          int64  `json:"tipAmt"`
	TaxAmt          int64  `json:"taxAmt"`
	TaxFreeAmt      int64  `json:"taxFreeAmt"`
	MaskedTrackData string `json:"maskedTrackData"`
	TransactionDate string `json:"transactionDate"`
	ReceiptTitle    string `json:"receiptTitle"`
	TraderType      string `json:"traderType"`
	Ptxid           string `json:"ptxid"`
}

// Totals is one side of a sales summary.
type Totals struct {
	Count  int   `json:"count"`
	Price  int64 `json:"price"`
	Issuer int   `json:"issuer"`
}

// SummaryData is the data of a 050099 answer.
type SummaryData struct {
	Approved Totals `json:"approved"`
	Canceled Totals `json:"canceled"`
}

// CodeEntry is one entry of the 081008 code list.
type CodeEntry struct {
	Code          string `json:"code"`
	CodeName      string `json:"codeName"`
	GroupCode     string `json:"groupCode"`
	GroupCodeName string `json:"groupCodeName"`
}

// CodeListData is the data of a 081008 answer.
type CodeListData struct {
	TotalCount int         `json:"totalCount"`
	CodeList   []CodeEntry `json:"codeList"`
}

// RefundGoodsResult is the data of a tax-refund answer for goods and hotel slips.
type RefundGoodsResult struct {
	BuyerCountry        string `json:"buyerCountry"`
	BuyerName           string `json:"buyerName"`
	DutyFreeStoreNumber string `json:"dutyFreeStoreNumber"`
	Message0            string `json:"message0"`
	Message1            string `json:"message1"`
	Message2            string `json:"message2"`
	Message3            string `json:"message3"`
	PassportSerial      string `json:"passportSerial"`
	RefundBalance       int64  `json:"refundBalance"`
	RefundDate          string `json:"refundDate"`
	RefundTime          string `json:"refundTime"`
	RefundSerial        string `json:"refundSerial"`
	TaxrefundSerial     string `json:"taxrefundSerial"`
	Ptxid               string `json:"ptxid"`
}

// RefundMedicalResult is the data of a tax-refund answer for medical slips.
type RefundMedicalResult struct {
	BuyerCountry              string `json:"buyerCountry"`
	BuyerName                 string `json:"buyerName"`
	CardAmount                int64  `json:"cardAmount"`
	CashAmount                int64  `json:"cashAmount"`
	EtcAmount                 int64  `json:"etcAmount"`
	FacilitatorBusinessSerial string `json:"facilitatorBusinessSerial"`
	FacilitatorMedicalSerial  string `json:"facilitatorMedicalSerial"`
	FacilitatorName           string `json:"facilitatorName"`
	FacilitatorSerial         string `json:"facilitatorSerial"`
	PassportSerial            string `json:"passportSerial"`
	Price                     int64  `json:"price"`
	RefundBalance             int64  `json:"refundBalance"`
	RefundDate                string `json:"refundDate"`
	RefundTime                string `json:"refundTime"`
	RefundSerial              string `json:"refundSerial"`
	ResCode                   string `json:"resCode"`
	ResMessage                string `json:"resMessage"`
	ResMessageTaxrefund       string `json:"resMessageTaxrefund"`
	Ptxid                     string `json:"ptxid"`
}

// ResultHeader is what every answer body starts with; decoding an answer
// into it reads the outcome without knowing the data's shape.
type ResultHeader struct {
	ResultCode    string          `json:"resultCode"`
	ResultMessage string          `json:"resultMessage"`
	Data          json.RawMessage `json:"data,omitempty"`
}
