package engine

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// An Input is one thing that happened: a POS request, a terminal frame or
// link change, a timer, the outcome of a journal write. The Run loop looks
// up in the journal what an input needs (a ptxid's record, free space)
// before it is handed to next, so next itself does no I/O.
type Input interface{ input() }

type (
	// inRequest is a transaction request (010010, 010020, …).
	inRequest struct {
		Client    Client
		Code      protocol.Code
		Info      protocol.Info
		Ptxid     string
		Body      []byte        // the request as the terminal gets it
		Journaled []byte        // the request as the journal keeps it (personal data masked)
		Day       string        // today, yyyyMMdd
		Dup       *store.Record // the journaled record of the same ptxid
		Orig      *store.Record // for a cancel: the approval it cancels
		NoOrig    string        // for a cancel: why it cannot be cancelled
		// OrigPending: an earlier cancel of the same original is still
		// unsettled; a second one must wait for its outcome.
		OrigPending bool
		NoDisk      bool // dataDir is below the free-space margin
		// Unreadable: the journal could not be read back, so Dup and
		// Orig may be missing although the records exist.
		Unreadable bool
	}
	inConfirm struct{ Client Client }
	inAbort   struct {
		Client      Client
		PrinterBusy bool // a print job runs: 555555 cannot stop it
	}
	inReadCancel struct {
		Client Client
		Code   protocol.Code
		Family protocol.Family
	}
	inClientGone struct{ Client Client }
	// inLinkUp: the terminal is on line; Unsettled is what the journal
	// left unresolved.
	inLinkUp   struct{ Unsettled []*store.Record }
	inLinkDown struct{ Err error }
	inPhase    struct{ Ptxid, Phase string }
	// inFinal is a transaction's final answer from the terminal; Rec is
	// the journal's record of its ptxid when it is not the running one.
	inFinal struct {
		Code   protocol.Code
		Result string
		Ptxid  string
		Body   []byte
		Rec    *store.Record
		Orig   *store.Record // the approval Rec cancels, if it is a cancel
	}
	inCancelAnswer struct{ Ptxid, Result string }
	inOutcome      struct {
		A    protocol.DevOutcomeAnswer
		Rec  *store.Record // the journal's record of A.Ptxid, if any
		Orig *store.Record // the approval A's transaction cancels, if any
	}
	inReverseAnswer struct{ Ptxid, Result, Message string }
	inTimer         struct{ Kind timerKind }
	// inWritten is the outcome of the last write effect.
	inWritten struct {
		Tag  writeTag
		Recs []*store.Record
		Err  error
	}
	// inSendFailed: a frame could not be queued to the terminal.
	inSendFailed struct{ Code protocol.Code }
	// inBoot starts the machine: results delivered before a restart and
	// how long their window still runs.
	inBoot struct {
		Awaiting []awaiting
		Reverse  []*store.Record // 0000s nobody was told, to reverse at once
		Last     LastResult
	}
	inDrain struct{}
)

type awaiting struct {
	Rec  *store.Record
	Left time.Duration
}

func (inRequest) input()       {}
func (inConfirm) input()       {}
func (inAbort) input()         {}
func (inReadCancel) input()    {}
func (inClientGone) input()    {}
func (inLinkUp) input()        {}
func (inLinkDown) input()      {}
func (inPhase) input()         {}
func (inFinal) input()         {}
func (inCancelAnswer) input()  {}
func (inOutcome) input()       {}
func (inReverseAnswer) input() {}
func (inTimer) input()         {}
func (inWritten) input()       {}
func (inSendFailed) input()    {}
func (inBoot) input()          {}
func (inDrain) input()         {}

// An Effect is something the Run loop does for next: answer a POS, tell
// the terminal, write the journal, arm a timer, log, stop.
type Effect interface{ effect() }

type (
	fxReply struct {
		To   Client
		Code protocol.Code
		Body []byte
	}
	fxSend  struct{ Frame protocol.Frame }
	fxWrite struct {
		Tag  writeTag
		Recs []*store.Record
	}
	fxArm struct {
		Kind timerKind
		D    time.Duration
	}
	fxDisarm struct{ Kind timerKind }
	fxLog    struct {
		Level  zapcore.Level
		Msg    string
		Fields []zap.Field
	}
	fxStop struct{}
)

func (fxReply) effect()  {}
func (fxSend) effect()   {}
func (fxWrite) effect()  {}
func (fxArm) effect()    {}
func (fxDisarm) effect() {}
func (fxLog) effect()    {}
func (fxStop) effect()   {}

// timerKind names the engine's timers; each kind runs at most once at a time.
type timerKind int

const (
	timerTxn     timerKind = iota // the read or signature window
	timerConfirm                  // the window for 980001
	timerChore                    // the terminal's answer to a reversal or question
	timerJournal                  // retry the writes a failing journal owes
	timerDrain                    // the end of shutdown's grace
	numTimers
)

// writeTag says which write an inWritten reports on.
type writeTag int

const (
	writeStart   writeTag = iota + 1 // a new transaction's record
	writeFinal                       // a transaction's final answer
	writeConfirm                     // a 980001
	writeSettled                     // a reversal, an outcome, an unconfirmed mark
	writeUnknown                     // a transaction left unknown (link lost, shutdown)
	writeRetry                       // records owed by an earlier failed write
)
