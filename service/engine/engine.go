package engine

import (
	"context"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/store"
)

// Client is a POS connection as the engine sees it: somewhere to send frames.
// Send must not block.
type Client interface {
	Send(protocol.Frame) error
}

// Engine runs transactions on the terminal. Create it with New, start Run,
// then feed it with Frame and Closed from the POS listeners.
type Engine struct {
	cfg   Config
	dev   device.Terminal
	store *store.Store
	log   *zap.Logger

	in      chan input
	stopped chan struct{} // closed when Run returns
	codes   atomic.Pointer[[]byte]
	// running mirrors the running transaction's ptxid and phase for 990001,
	// which is answered off the loop.
	running atomic.Pointer[runningTxn]
	printer *printQueue

	// Everything below is owned by the Run goroutine.
	devUp      bool
	cur        *txn
	awaiting   string          // ptxid of the 0000 result waiting for 980001
	reversing  string          // ptxid of the reversal on the terminal
	asking     map[string]bool // outcome questions on the terminal
	toReverse  []string        // reversals waiting for a free terminal
	stopTimer  func() bool     // cancels the armed timer
	timerFor   timerKind
	timerGen   uint64      // tells a fired timer from one since re-armed
	fired      chan uint64 // armed timers fire into the loop here
	draining   bool
	drainUntil time.Time
}

type runningTxn struct {
	ptxid string
	phase Phase
}

type timerKind int

const (
	timerNone timerKind = iota
	timerRead
	timerSign
	timerConfirm
)

// input is one thing a POS connection asks of the loop.
type input struct {
	client Client
	code   protocol.Code
	info   protocol.Info
	req    any    // the decoded request
	body   []byte // the request as the terminal gets it (normalised JSON)
	gone   bool   // the client disconnected
}

// New returns an Engine. prn may be nil when there is no printer.
func New(cfg Config, dev device.Terminal, st *store.Store, prn Printer, log *zap.Logger) *Engine {
	cfg.fill()
	return &Engine{
		cfg:     cfg,
		dev:     dev,
		store:   st,
		log:     log,
		in:      make(chan input),
		fired:   make(chan uint64),
		stopped: make(chan struct{}),
		printer: newPrintQueue(prn, log.Named("printer")),
		asking:  map[string]bool{},
	}
}

// Run owns the state machine until ctx ends. On shutdown it stops a
// transaction that is still reading or signing, waits (at most
// DrainTimeout) for one that is authorizing, and returns nil.
func (e *Engine) Run(ctx context.Context) error {
	defer close(e.stopped)
	defer e.disarmTimer()

	printDone := make(chan struct{})
	pctx, stopPrint := context.WithCancel(context.WithoutCancel(ctx))
	go func() { defer close(printDone); e.printer.run(pctx) }()
	defer func() { stopPrint(); <-printDone }()

	e.restoreAwaiting()
	done := ctx.Done()
	for {
		if e.draining && (e.cur == nil || !e.cfg.Clock.Now().Before(e.drainUntil)) {
			e.abandon()
			return nil
		}
		select {
		case <-done:
			done = nil
			e.startDrain()
		case in := <-e.in:
			e.handle(in)
		case ev := <-e.dev.Events():
			e.deviceEvent(ev)
		case gen := <-e.fired:
			if gen == e.timerGen {
				e.timeout()
			}
		}
	}
}

// startDrain begins shutdown: no new work, and a running transaction is
// stopped if it still can be.
func (e *Engine) startDrain() {
	e.draining = true
	e.drainUntil = e.cfg.Clock.Now().Add(e.cfg.DrainTimeout)
	if e.cur == nil {
		return
	}
	e.log.Info("shutting down with a transaction running", zap.String("ptxid", e.cur.rec.Ptxid), zap.Stringer("phase", e.cur.phase))
	if e.cur.phase.Stoppable() {
		e.requestCancel(protocol.ReasonShutdown, nil, "")
	}
	e.armTimer(timerNone, e.cfg.DrainTimeout) // wake the loop when the drain time is up
}

// abandon leaves a transaction the terminal never finished: it stays in the
// journal as unknown and is resolved by asking the terminal at next start.
func (e *Engine) abandon() {
	if e.cur == nil {
		return
	}
	t := e.cur
	e.log.Warn("transaction unfinished at shutdown; it will be resolved at next start", zap.String("ptxid", t.rec.Ptxid))
	e.markUnknown(t)
	e.clearCur()
	// Its owner still gets one final answer: the outcome is unknown for
	// now, and 990001 tells it after the restart.
	e.reply(t.owner, t.rec.Code, result(protocol.ResultDevice, "termd 종료: 승인 결과 확인 중", withPtxid(t.rec.Ptxid)))
}

// armTimer sets the single timer of the loop. Only one of the read, sign
// and confirm windows can be open at a time.
func (e *Engine) armTimer(k timerKind, d time.Duration) {
	e.disarmTimer()
	e.timerFor = k
	gen := e.timerGen
	e.stopTimer = e.cfg.Clock.AfterFunc(d, func() {
		select {
		case e.fired <- gen:
		case <-e.stopped:
		}
	})
}

func (e *Engine) disarmTimer() {
	if e.stopTimer != nil {
		e.stopTimer()
		e.stopTimer = nil
	}
	e.timerGen++
	e.timerFor = timerNone
}

func (e *Engine) timeout() {
	k := e.timerFor
	e.timerFor = timerNone
	switch k {
	case timerRead:
		e.txnTimeout(protocol.ReasonReadTimeout)
	case timerSign:
		e.txnTimeout(protocol.ReasonSignTimeout)
	case timerConfirm:
		e.confirmWindowPassed()
	}
}

// busy reports why a new transaction cannot start now, as a result message,
// or "" when the terminal is free.
func (e *Engine) busy() (code, msg string) {
	switch {
	case e.draining:
		return protocol.ResultDevice, "termd is shutting down"
	case !e.devUp:
		return protocol.ResultDevice, protocol.MsgDeviceDown
	case e.cur != nil:
		return protocol.ResultBusy, protocol.MsgBusy
	case e.awaiting != "":
		return protocol.ResultBusy, "직전 거래의 결과 확인(980001)을 기다리는 중입니다"
	case e.reversing != "":
		return protocol.ResultBusy, "미확인 거래를 망취소하는 중입니다"
	}
	return "", ""
}

// clearCur forgets the running transaction.
func (e *Engine) clearCur() {
	e.cur = nil
	e.running.Store(nil)
}
