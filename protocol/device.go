package protocol

import "encoding/json"

// Device frames: the conversation between the daemon and the terminal needs
// a few messages a POS never sends. They use codes starting with 8, a range
// no POS message uses, and the daemon never forwards them to POS clients.
//
// Every request below is answered by a frame with the same code whose body
// starts with resultCode/resultMessage. The phase report has no answer.
const (
	// DevPhase (terminal → daemon): the running transaction changed phase.
	// Body DevPhaseReport.
	DevPhase Code = "800010"
	// DevCancel (daemon → terminal): stop the running transaction. Body
	// DevCancelRequest. Answer 0000: stopped, no final answer will follow
	// (the daemon writes the 9999 itself); 0001: too late, it is
	// authorizing and its final answer will follow; 9991: nothing runs.
	DevCancel Code = "800020"
	// DevOutcome (daemon → terminal): what became of transaction ptxid?
	// Body DevPtxid; answer DevOutcomeAnswer (9006: the terminal never saw it).
	DevOutcome Code = "800030"
	// DevReverse (daemon → terminal): reverse approval ptxid, which the
	// POS never confirmed (망취소). Body DevPtxid; answer 0000 or 9006.
	DevReverse Code = "800040"
	// DevStatus (daemon → terminal): are you there, and what are you doing?
	// Empty body; answer DevStatusAnswer.
	DevStatus Code = "800050"
)

// IsDeviceCode reports whether c is one of the daemon–terminal codes.
func IsDeviceCode(c Code) bool { return len(c) == CodeDigits && c[0] == '8' }

// Phase names reported by the terminal.
const (
	PhaseReading     = "reading"     // waiting for card / QR / keyed number
	PhaseSigning     = "signing"     // waiting for the customer's signature
	PhaseAuthorizing = "authorizing" // talking to the card company; cannot be stopped
)

// DevPhaseReport is the body of DevPhase.
type DevPhaseReport struct {
	Ptxid string `json:"ptxid"`
	Phase string `json:"phase"`
}

// Reasons the daemon stops a transaction.
const (
	ReasonUser        = "user"        // read-cancel or 555555
	ReasonReadTimeout = "readTimeout" // no card in timeouts.read
	ReasonSignTimeout = "signTimeout" // no signature in timeouts.signature
	ReasonDisconnect  = "disconnect"  // the POS that asked went away
	ReasonShutdown    = "shutdown"    // the daemon is stopping
)

// DevCancelRequest is the body of DevCancel.
type DevCancelRequest struct {
	Ptxid  string `json:"ptxid"`
	Reason string `json:"reason"`
}

// DevPtxid is the body of DevOutcome and DevReverse requests.
type DevPtxid struct {
	Ptxid string `json:"ptxid"`
}

// Outcome states as the terminal's books know them.
const (
	OutcomeApproved  = "approved"  // final 0000
	OutcomeDeclined  = "declined"  // final 9005
	OutcomeFailed    = "failed"    // any other final
	OutcomeCancelled = "cancelled" // an approval cancelled in full
	OutcomeReversed  = "reversed"  // an approval reversed on the daemon's request
	OutcomePending   = "pending"   // still running
)

// DevOutcomeAnswer is the body answering DevOutcome.
type DevOutcomeAnswer struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Ptxid         string `json:"ptxid"`
	Code          Code   `json:"code,omitempty"`   // the transaction's request code
	Status        string `json:"status,omitempty"` // Outcome*
	// Final is the transaction's final answer body as the terminal sent it
	// (or would have).
	Final json.RawMessage `json:"final,omitempty"`
}

// DevStatusAnswer is the body answering DevStatus.
type DevStatusAnswer struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Model         Model  `json:"model,omitempty"`
	Busy          bool   `json:"busy"`
	Ptxid         string `json:"ptxid,omitempty"` // the running transaction
}

// DevResult is the body of the simple answers (DevCancel, DevReverse).
type DevResult struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Ptxid         string `json:"ptxid,omitempty"`
}
