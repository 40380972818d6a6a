package engine

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// next is the engine's one transition function: from the state and one
// input it computes the next state and what to do about it. It does no I/O
// and reads no clock; the Run loop applies the effects in order. A journal
// write is always the last effect of a step: what follows depends on
// whether the disk took it, and comes back as an inWritten.
//
// The state passed in is consumed: its slices may be reused.
func next(cfg *Config, s State, in Input) (State, []Effect) {
	st := &step{cfg: cfg, s: s}
	switch in := in.(type) {
	case inRequest:
		st.request(in)
	case inConfirm:
		st.confirm(in.Client)
	case inAbort:
		st.abort(in.Client, in.PrinterBusy)
	case inReadCancel:
		st.readCancel(in)
	case inClientGone:
		st.clientGone(in.Client)
	case inLinkUp:
		st.linkUp(in.Unsettled)
	case inLinkDown:
		st.linkDown(in.Err)
	case inPhase:
		st.phaseReport(in.Ptxid, in.Phase)
	case inFinal:
		st.final(in)
	case inCancelAnswer:
		st.cancelAnswer(in.Ptxid, in.Result)
	case inOutcome:
		st.outcome(in)
	case inReverseAnswer:
		st.reverseAnswer(in)
	case inTimer:
		st.timer(in.Kind)
	case inWritten:
		st.written(in.Tag, in.Recs, in.Err)
	case inSendFailed:
		st.sendFailed(in.Code)
	case inBoot:
		st.boot(in)
	case inDrain:
		st.drain()
	}
	if !st.writing {
		st.idleWork()
		st.checkDrained()
	}
	return st.s, st.fx
}

// step is one run of next: the state being changed and the effects so far.
type step struct {
	cfg     *Config
	s       State
	fx      []Effect
	writing bool // a write effect ends this step
}

func (st *step) reply(c Client, code protocol.Code, body []byte) {
	if c != nil {
		st.fx = append(st.fx, fxReply{c, code, body})
	}
}

func (st *step) send(code protocol.Code, body []byte) {
	st.fx = append(st.fx, fxSend{protocol.Frame{Code: code, Body: body}})
}

func (st *step) arm(k timerKind, d time.Duration) { st.fx = append(st.fx, fxArm{k, d}) }
func (st *step) disarm(k timerKind)               { st.fx = append(st.fx, fxDisarm{k}) }

func (st *step) log(l zapcore.Level, msg string, f ...zap.Field) {
	st.fx = append(st.fx, fxLog{l, msg, f})
}

// write journals recs, with whatever an earlier failed write still owes,
// and ends the step: only log lines may follow it (they are written after
// the journal, so a line never announces what the journal does not hold).
func (st *step) write(tag writeTag, recs ...*store.Record) {
	if st.writing {
		panic("engine: two journal writes in one step") // the second's outcome would be lost
	}
	all := make([]*store.Record, 0, len(st.s.Unwritten)+len(recs))
	for _, o := range st.s.Unwritten {
		if !covers(recs, o.Ptxid) {
			all = append(all, o)
		}
	}
	st.fx = append(st.fx, fxWrite{tag, append(all, recs...)})
	st.writing = true
}

func covers(recs []*store.Record, ptxid string) bool {
	for _, r := range recs {
		if r.Ptxid == ptxid {
			return true
		}
	}
	return false
}

// written takes the outcome of the step's write.
func (st *step) written(tag writeTag, recs []*store.Record, err error) {
	if err == nil && len(st.s.Unwritten) > 0 {
		st.s.Unwritten = nil // the write carried them too
		st.s.Journal = JournalOK
		st.disarm(timerJournal)
		st.log(zapcore.InfoLevel, "journal writable again; new transactions are accepted")
	}
	switch tag {
	case writeStart:
		st.started(err)
	case writeFinal:
		st.saved(err)
	case writeConfirm:
		st.confirmed(err)
	case writeSettled, writeUnknown, writeRetry:
		if err != nil {
			st.owe(err, recs...)
		}
	}
}

// owe keeps records a failed write could not journal, to be written again,
// and refuses new transactions until they are on disk.
func (st *step) owe(err error, recs ...*store.Record) {
	for _, r := range recs {
		kept := st.s.Unwritten[:0]
		for _, o := range st.s.Unwritten {
			if o.Ptxid != r.Ptxid {
				kept = append(kept, o)
			}
		}
		st.s.Unwritten = append(kept, r)
	}
	if st.s.Journal == JournalOK {
		st.log(zapcore.ErrorLevel, "JOURNAL WRITE FAILED: new transactions are refused until the disk takes the journal again; "+
			"free space in dataDir or fix the disk", zap.Error(err))
	}
	st.s.Journal = JournalFailed
	st.arm(timerJournal, st.cfg.JournalRetry)
}

// timer handles a timer that fired.
func (st *step) timer(k timerKind) {
	switch k {
	case timerTxn:
		st.txnTimeout()
	case timerConfirm:
		st.confirmWindowPassed()
	case timerChore:
		st.choreTimeout()
	case timerJournal:
		if len(st.s.Unwritten) > 0 {
			st.write(writeRetry)
		}
	case timerDrain:
		st.drainExpired()
	}
}

// idleWork starts the next chore when the terminal is free.
func (st *step) idleWork() {
	s := &st.s
	if s.Phase != Idle || s.Link != LinkUp || s.Mode != Serving || len(s.Chores) == 0 {
		return
	}
	c := s.Chores[0]
	s.Chores = s.Chores[1:]
	s.Result = Result{Rec: c.Rec, Why: c.Kind}
	ptxid := mustJSON(protocol.DevPtxid{Ptxid: c.Rec.Ptxid})
	if c.Kind == choreReverse {
		s.Phase = Reversing
		st.send(protocol.DevReverse, ptxid)
	} else {
		s.Phase = Resolving
		st.send(protocol.DevOutcome, ptxid)
	}
	st.arm(timerChore, st.cfg.ChoreTimeout)
}

// dropChores forgets the queued chores of ptxid (it was settled otherwise).
func (st *step) dropChores(ptxid string) {
	kept := st.s.Chores[:0]
	for _, c := range st.s.Chores {
		if c.Rec.Ptxid != ptxid {
			kept = append(kept, c)
		}
	}
	st.s.Chores = kept
}

// queue adds a chore unless one for the same ptxid waits already.
func (st *step) queue(c Chore) {
	for _, q := range st.s.Chores {
		if q.Rec.Ptxid == c.Rec.Ptxid {
			return
		}
	}
	if (st.s.Phase == Reversing || st.s.Phase == Resolving) && st.s.Result.Rec.Ptxid == c.Rec.Ptxid {
		return
	}
	st.s.Chores = append(st.s.Chores, c)
}
