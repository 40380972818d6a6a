package engine

import (
	"context"
	"sync/atomic"

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
// then feed it with Frame and Closed from the POS listeners; Drain begins
// a graceful shutdown.
type Engine struct {
	cfg   Config
	dev   device.Terminal
	store Journal
	log   *zap.Logger

	in      chan posMsg
	drain   chan struct{}
	stopped chan struct{} // closed when Run returns
	codes   atomic.Pointer[[]byte]
	printer *printQueue
	// view mirrors what off-loop readers need of the state: 990001 (the
	// running phase) and the POS listeners (who holds the terminal).
	view atomic.Pointer[view]
	// last is the latest 990001 answer, reused while nothing changed.
	last atomic.Pointer[lastAnswer]

	// Owned by the Run goroutine.
	state  State
	timers [numTimers]timer
	fired  chan firing
}

// Journal is the store as the engine uses it; *store.Store is the real one.
type Journal interface {
	Put(recs ...*store.Record) error
	Get(ptxid string) (*store.Record, bool)
	Last() (*store.Record, bool)
	LastDelivered() (*store.Record, bool)
	Unsettled() []*store.Record
	FindApproval(code protocol.Code, approvalNo, day string) (*store.Record, bool)
	Summary(from, to string) protocol.SummaryData
	// Version changes whenever what the journal holds changes.
	Version() uint64
	// Space reports an error when the journal's disk is below the
	// margin a transaction needs.
	Space() error
	// Health reports an error once the journal could not be read back:
	// a lookup may then have missed a record it holds.
	Health() error
}

var _ Journal = (*store.Store)(nil)

type view struct {
	phase       Phase
	ptxid       string // of the running transaction
	owner       Client // of the running transaction
	resultOwner Client // of the result awaiting 980001
}

// New returns an Engine. prn may be nil when there is no printer.
func New(cfg Config, dev device.Terminal, st Journal, prn Printer, log *zap.Logger) *Engine {
	cfg.fill()
	e := &Engine{
		cfg:     cfg,
		dev:     dev,
		store:   st,
		log:     log,
		in:      make(chan posMsg),
		drain:   make(chan struct{}),
		stopped: make(chan struct{}),
		printer: newPrintQueue(prn, log.Named("printer")),
		fired:   make(chan firing),
	}
	e.view.Store(&view{})
	return e
}

// Drain begins a graceful shutdown: no new transaction starts, a reading
// or signing one is stopped, an authorizing one and a result awaiting its
// 980001 on an open connection are waited for, at most DrainTimeout. Run
// returns when nothing is left to wait for.
func (e *Engine) Drain() {
	select {
	case e.drain <- struct{}{}:
	case <-e.stopped:
	}
}

// Done is closed when Run has returned.
func (e *Engine) Done() <-chan struct{} { return e.stopped }

// Run owns the state machine until Drain has nothing left to wait for, or
// ctx ends (a stop at once: the journal settles what is left at next start).
func (e *Engine) Run(ctx context.Context) error {
	defer close(e.stopped)
	defer e.disarmAll()

	printDone := make(chan struct{})
	pctx, stopPrint := context.WithCancel(context.WithoutCancel(ctx))
	go func() { defer close(printDone); e.printer.run(pctx) }()
	defer func() { stopPrint(); <-printDone }()

	if e.apply(e.bootInput()) {
		return nil
	}
	for {
		var in Input
		select {
		case <-ctx.Done():
			e.log.Warn("stopped at once; what was left is settled at next start", zap.Stringer("phase", e.state.Phase))
			return nil
		case <-e.drain:
			in = inDrain{}
		case m := <-e.in:
			in = e.posInput(m)
		case ev := <-e.dev.Events():
			if in = e.deviceInput(ev); in == nil {
				continue
			}
		case f := <-e.fired:
			if f.gen != e.timers[f.kind].gen {
				continue // re-armed or disarmed since
			}
			in = inTimer{f.kind}
		}
		if e.apply(in) {
			return nil
		}
	}
}

// apply runs one input through next and carries out the effects; a write
// feeds its outcome back in. It reports whether the machine stopped.
func (e *Engine) apply(in Input) (stop bool) {
	var later []Input // inputs the effects caused, taken after the write's outcome
	for in != nil {
		var fx []Effect
		e.state, fx = next(&e.cfg, e.state, in)
		e.publish() // before any answer goes out: a POS that asks next sees it
		in = nil
		for _, f := range fx {
			switch f := f.(type) {
			case fxReply:
				e.reply(f.To, f.Code, f.Body)
			case fxSend:
				if err := e.dev.Send(context.Background(), f.Frame); err != nil {
					e.log.Warn("frame not sent to the terminal", zap.String("code", string(f.Frame.Code)), zap.Error(err))
					later = append(later, inSendFailed{f.Frame.Code})
				}
			case fxWrite:
				in = inWritten{f.Tag, f.Recs, e.store.Put(f.Recs...)}
			case fxArm:
				e.arm(f.Kind, f.D)
			case fxDisarm:
				e.disarm(f.Kind)
			case fxLog:
				if ce := e.log.Check(f.Level, f.Msg); ce != nil {
					ce.Write(f.Fields...)
				}
			case fxStop:
				stop = true
			}
		}
		if in == nil && len(later) > 0 {
			in, later = later[0], later[1:]
		}
	}
	return stop
}

// publish mirrors the state for readers off the loop.
func (e *Engine) publish() {
	s := &e.state
	v := &view{phase: s.Phase, resultOwner: s.Result.Owner}
	if s.Phase.running() {
		v.ptxid, v.owner = s.Txn.Rec.Ptxid, s.Txn.Owner
	}
	e.view.Store(v)
}

// Holds reports whether c owns the running transaction or the result
// awaiting 980001: such a connection must not be closed to make room.
func (e *Engine) Holds(c Client) bool {
	v := e.view.Load()
	return c != nil && (v.owner == c || v.resultOwner == c)
}
