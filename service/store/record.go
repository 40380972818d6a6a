package store

import (
	"encoding/json"
	"time"

	"github.com/termd/termd/protocol"
)

// Status is where a transaction stands. The strings are what 990001 reports.
type Status string

const (
	// StatusRunning: sent to the terminal, no final answer yet. A record
	// found Running after a crash is resolved by asking the terminal.
	StatusRunning Status = "running"
	// StatusUnknown: the terminal stopped answering while authorizing; the
	// outcome is being resolved.
	StatusUnknown   Status = "unknown"
	StatusApproved  Status = "approved"  // final 0000 (an approval or a cancel)
	StatusDeclined  Status = "declined"  // final 9005
	StatusFailed    Status = "failed"    // any other final (9999, 9004, …)
	StatusCancelled Status = "cancelled" // an approval since cancelled in full
	StatusReversed  Status = "reversed"  // an approval reversed for want of 980001
)

// Confirmation tracks 980001 for a record whose final answer was 0000.
type Confirmation string

const (
	ConfirmNone        Confirmation = ""            // nothing to confirm (not 0000, or policy off)
	ConfirmAwaiting    Confirmation = "awaiting"    // delivered, window open
	ConfirmConfirmed   Confirmation = "confirmed"   // 980001 received
	ConfirmUnconfirmed Confirmation = "unconfirmed" // window passed, kept (hold policy, or a cancel)
	// ConfirmReverse: a 0000 the POS was never told (it got 9004), to be
	// reversed whatever the policy; a restart reverses it at once.
	ConfirmReverse Confirmation = "reverse"
)

// Record is one transaction. Records are immutable once stored: to change one,
// copy it (Clone), change the copy and Put it.
type Record struct {
	Ptxid string        `json:"ptxid"`
	Code  protocol.Code `json:"code"` // request code, e.g. 010010
	Seq   uint64        `json:"seq"`  // order of arrival, assigned by the store

	Status  Status       `json:"status"`
	Confirm Confirmation `json:"confirm,omitempty"`

	Request    json.RawMessage `json:"request"`              // validated request body, card data free
	ResultCode string          `json:"resultCode,omitempty"` // final result code
	// Final is the final answer body exactly as sent to the POS.
	Final json.RawMessage `json:"final,omitempty"`

	// Filled from a 0000 final answer.
	ApprovalNo    string `json:"approvalNo,omitempty"`
	TransactionNo string `json:"transactionNo,omitempty"`
	Day           string `json:"day,omitempty"` // yyyyMMdd of transactionDate
	ApprovalAmt   int64  `json:"approvalAmt,omitempty"`
	IssuerCode    string `json:"issuerCode,omitempty"`
	// Balance is what is left to cancel of an approval.
	Balance int64 `json:"balance,omitempty"`

	// For a cancel: the approval it cancels.
	OrigPtxid string `json:"origPtxid,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Clone returns a copy that can be changed and stored again.
func (r *Record) Clone() *Record {
	c := *r
	return &c
}

// Confirmed reports whether the POS confirmed the result with 980001.
func (r *Record) Confirmed() bool { return r.Confirm == ConfirmConfirmed }
