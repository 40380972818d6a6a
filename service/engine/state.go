package engine

import (
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// Phase is where the terminal's lifecycle stands: what the terminal is
// doing, or which result holds it. Only next sets it (see machine.go).
type Phase int

const (
	// Idle: nothing runs and no result waits; a transaction may start.
	Idle Phase = iota
	// Admitting: the new transaction's record is being journaled; it
	// reaches the terminal only once that record is on disk.
	Admitting
	// Reading: waiting for card, QR or keyed number (timeouts.read).
	Reading
	// Signing: waiting for the customer's signature (timeouts.signature).
	Signing
	// Stopping: a cancel is on its way to the terminal (read-cancel,
	// abort, a timeout, the owner gone, shutdown).
	Stopping
	// Authorizing: the card company decides; nothing can stop it.
	Authorizing
	// Saving: the final answer is being journaled; it is sent after.
	Saving
	// Delivered: a 0000 was sent and waits for 980001 (timeouts.confirm).
	Delivered
	// Confirming: the 980001 is being journaled; 0000 is sent after.
	Confirming
	// Reversing: an unconfirmed approval is being reversed (망취소).
	Reversing
	// Resolving: the terminal is asked what became of a transaction whose
	// answer was lost (link down, crash, a reversal's answer not 0000).
	Resolving
)

func (p Phase) String() string {
	return name(int(p), "IDLE", "ADMITTING", "READING", "SIGNING", "STOPPING", "AUTHORIZING",
		"SAVING", "DELIVERED", "CONFIRMING", "REVERSING", "RESOLVING")
}

// ADMITTING, SAVING and CONFIRMING last only while their journal write
// runs: the write's outcome is the next input, before any other.

// running reports whether a transaction is on the terminal.
func (p Phase) running() bool { return p >= Admitting && p <= Saving }

// stoppable reports whether a read-cancel or abort can still end it.
func (p Phase) stoppable() bool { return p == Reading || p == Signing }

// Link is the terminal link's state.
type Link int

const (
	LinkDown Link = iota // no terminal: transactions get 9004
	LinkUp
)

func (l Link) String() string { return name(int(l), "DOWN", "UP") }

// name is names[i], or "?" out of range.
func name(i int, names ...string) string {
	if i < 0 || i >= len(names) {
		return "?"
	}
	return names[i]
}

// JournalState is the journal's state.
type JournalState int

const (
	JournalOK JournalState = iota
	// JournalFailed: a write failed; new transactions get 9004 and the
	// failed records are written again until the disk takes them.
	JournalFailed
)

func (j JournalState) String() string { return name(int(j), "OK", "FAILED") }

// Mode is whether termd serves or is shutting down.
type Mode int

const (
	Serving Mode = iota
	// Draining: no new work; what runs is finished or stopped within
	// timeouts.drain, then Run returns.
	Draining
	// Expired: the drain time is up; Run returns once the journal holds
	// what is left.
	Expired
)

func (m Mode) String() string { return name(int(m), "SERVING", "DRAINING", "EXPIRED") }

// State is everything the engine's decisions depend on. next takes one and
// returns the one after; nothing else writes it.
type State struct {
	Phase   Phase
	Link    Link
	Journal JournalState
	Mode    Mode

	// Txn is the transaction on the terminal (Admitting to Saving).
	Txn Txn
	// Result is the result that holds the terminal after its transaction:
	// awaiting 980001 (Delivered, Confirming), or being settled
	// (Reversing, Resolving).
	Result Result
	// Chores are reversals and outcome questions waiting for an idle
	// terminal.
	Chores []Chore
	// Unwritten are records a failed journal write still owes the disk.
	Unwritten []*store.Record
	// LastDelivered is the latest result that was delivered for
	// confirmation: 980001 names it, and answers 9009 once it is reversed.
	LastDelivered LastResult
}

// Txn is one transaction request on the terminal.
type Txn struct {
	Rec   *store.Record // as journaled when it started
	Info  protocol.Info
	Owner Client // nil once the owner disconnected
	Orig  *store.Record
	// Started: the terminal reported a phase of it, so it is running it.
	Started bool
	// Reason is why a Stopping transaction is being stopped.
	Reason string
	// Waiters are the read-cancel and abort senders waiting for the
	// terminal's answer to the cancel.
	Waiters []Waiter
	// Final is the answer held while Saving, and its result code.
	Final     []byte
	FinalCode string
	// Sent: the request went to the terminal (false while Admitting).
	Sent bool
	// Body is the request as the terminal gets it.
	Body []byte
	// Settled is the final record being saved.
	Settled *store.Record
}

// Waiter is a read-cancel or abort sender waiting for its answer.
type Waiter struct {
	Client Client
	Code   protocol.Code // 555555 or a read-cancel code
}

// Result is a journaled 0000 that holds the terminal.
type Result struct {
	Rec   *store.Record
	Owner Client // the connection it was delivered to; nil if gone
	// Asker is the 980001 sender while Confirming.
	Asker Client
	// Why: the reason of a Resolving question (after a reversal, or a lost answer).
	Why choreKind
}

// LastResult is what 980001 reports about the latest delivered result.
type LastResult struct {
	Ptxid  string
	Status string // statusApproved, statusReversing or statusReversed
}

// Chore is work for an idle terminal: reverse an approval, or ask what
// became of a transaction.
type Chore struct {
	Kind choreKind
	Rec  *store.Record
}

type choreKind int

const (
	choreReverse         choreKind = iota + 1 // reverse (망취소) an unconfirmed approval
	choreAsk                                  // ask the outcome of a lost answer
	choreAskAfterReverse                      // ask whether a reversal took effect
)
