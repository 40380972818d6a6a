package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
)

// Options tune a Driver. Zero values take the defaults.
type Options struct {
	MinBackoff time.Duration // first wait before reopening a broken link (200 ms)
	MaxBackoff time.Duration // longest wait between reopen attempts (5 s)
	Heartbeat  time.Duration // probe interval for links that can ping (3 s)
	QueueLen   int           // frames waiting to be written (16)
	// DirectWrite says the links never make a write wait for the peer
	// (an in-memory buffered pipe to an in-process terminal): Send then
	// writes the frame itself, in order, instead of handing it to the
	// writer goroutine, one goroutine hand-off less per frame. A terminal
	// that leaves such a write waiting for a Heartbeat is taken down. A
	// serial link waits for its ACK and must not set it.
	DirectWrite bool
}

func (o *Options) fill() {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 3 * time.Second
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 16
	}
}

// Driver is the Terminal over a link that it opens, watches and reopens.
// Run owns the link: it alone opens and closes it, and starts the one reader
// and one writer of each link session.
type Driver struct {
	open   Opener
	log    *zap.Logger
	opt    Options
	events chan Event

	mu     sync.Mutex
	out    chan protocol.Frame // the current session's write queue; nil while down
	direct FrameConn           // the current session's link, with DirectWrite

	// directSince is when the direct write in progress began (UnixNano),
	// 0 when none: the session's writer takes the link down when a
	// terminal has not taken a frame for a heartbeat (see writeLoop).
	directSince atomic.Int64
}

var _ Terminal = (*Driver)(nil)

// NewDriver returns a Driver that reaches the terminal through open.
func NewDriver(open Opener, log *zap.Logger, opt Options) *Driver {
	opt.fill()
	return &Driver{open: open, log: log, opt: opt, events: make(chan Event, 64)}
}

// Events implements Terminal.
func (d *Driver) Events() <-chan Event { return d.events }

// Send implements Terminal.
func (d *Driver) Send(ctx context.Context, f protocol.Frame) error {
	d.mu.Lock()
	out, direct := d.out, d.direct
	d.mu.Unlock()
	if out == nil {
		return fmt.Errorf("device: send %s: %w", f.Code, ErrUnavailable)
	}
	if direct != nil {
		return d.writeDirect(direct, f)
	}
	select {
	case out <- f:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("device: send %s: %w", f.Code, ctx.Err())
	default:
		return fmt.Errorf("device: send %s: write queue full: %w", f.Code, ErrUnavailable)
	}
}

// writeDirect writes f on the caller's goroutine (Options.DirectWrite). A
// failed write is the link's end: closing it makes the session's reader
// fail, which reports the link down as a failed queued write would.
func (d *Driver) writeDirect(conn FrameConn, f protocol.Frame) error {
	d.logFrame("terminal ←", f)
	d.directSince.Store(time.Now().UnixNano())
	err := conn.WriteFrame(f)
	d.directSince.Store(0)
	if err != nil {
		conn.Close()
		return fmt.Errorf("device: send %s: %w: %w", f.Code, ErrUnavailable, err)
	}
	return nil
}

// Run opens the link and keeps it open until ctx ends, reopening it with
// backoff whenever it breaks. It returns nil once ctx is done and every
// goroutine it started has stopped.
func (d *Driver) Run(ctx context.Context) error {
	backoff := d.opt.MinBackoff
	failing := false
	for ctx.Err() == nil {
		conn, err := d.connect(ctx)
		if err != nil {
			if !failing {
				d.log.Warn("terminal link cannot be opened; retrying", zap.Error(err))
				failing = true
			}
			if !sleep(ctx, backoff) {
				break
			}
			backoff = min(2*backoff, d.opt.MaxBackoff)
			continue
		}
		failing, backoff = false, d.opt.MinBackoff
		d.session(ctx, conn)
	}
	return nil
}

// connect opens the link and, where the link can, checks the terminal answers.
func (d *Driver) connect(ctx context.Context) (FrameConn, error) {
	conn, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	if p, ok := conn.(Pinger); ok {
		if err := p.Ping(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("device: terminal does not answer: %w", err)
		}
	}
	return conn, nil
}

// session runs one open link until it breaks or ctx ends.
func (d *Driver) session(ctx context.Context, conn FrameConn) {
	sctx, cancel := context.WithCancel(ctx)
	out := make(chan protocol.Frame, d.opt.QueueLen)
	d.setOut(out, conn)
	d.log.Debug("terminal link open")
	d.emit(ctx, Event{Kind: EventUp})

	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errc <- d.readLoop(sctx, conn) })
	wg.Go(func() { errc <- d.writeLoop(sctx, conn, out) })
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done(): // a loop blocked in the conn sees no context: the Close below ends it
		err = ctx.Err()
	}
	d.setOut(nil, nil)
	cancel()
	conn.Close() // the only way to end a blocked read
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	fields := []zap.Field{zap.Error(err)}
	if s, ok := conn.(fmt.Stringer); ok { // the serial link's counters
		fields = append(fields, zap.Stringer("link", s))
	}
	d.log.Warn("terminal link down", fields...)
	d.emit(ctx, Event{Kind: EventDown, Err: fmt.Errorf("device: %w: %w", ErrUnavailable, err)})
}

func (d *Driver) readLoop(ctx context.Context, conn FrameConn) error {
	for {
		f, err := conn.ReadFrame()
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		d.logFrame("terminal →", f)
		if !d.emit(ctx, Event{Kind: EventFrame, Frame: f}) {
			return ctx.Err()
		}
	}
}

// logFrame logs a frame at debug level with its personal numbers masked:
// a terminal is trusted to mask card numbers, the log is not left to trust.
func (d *Driver) logFrame(msg string, f protocol.Frame) {
	if ce := d.log.Check(zap.DebugLevel, msg); ce != nil {
		ce.Write(zap.String("code", string(f.Code)), zap.Int("len", len(f.Body)), zap.ByteString("body", protocol.MaskBody(f.Body)))
	}
}

func (d *Driver) writeLoop(ctx context.Context, conn FrameConn, out <-chan protocol.Frame) error {
	pinger, canPing := conn.(Pinger)
	tick := time.NewTicker(d.opt.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f := <-out:
			d.logFrame("terminal ←", f)
			if err := conn.WriteFrame(f); err != nil {
				return fmt.Errorf("write %s: %w", f.Code, err)
			}
			tick.Reset(d.opt.Heartbeat)
		case <-tick.C:
			if d.directStuck() {
				return fmt.Errorf("write: %w", errNotReading)
			}
			if !canPing {
				continue
			}
			if err := pinger.Ping(); err != nil {
				return fmt.Errorf("heartbeat: %w", err)
			}
		}
	}
}

// errNotReading: a direct write waited a whole heartbeat for the terminal.
var errNotReading = errors.New("the terminal has not taken a frame for a heartbeat")

// directStuck reports whether a direct Send has waited a heartbeat or more.
// An in-process terminal that leaves a 64 KiB buffer full that long is
// wedged; ending the session closes the link, which ends the write, so the
// caller (the engine's loop) is never held longer than that.
func (d *Driver) directStuck() bool {
	since := d.directSince.Load()
	return since != 0 && time.Since(time.Unix(0, since)) >= d.opt.Heartbeat
}

func (d *Driver) setOut(out chan protocol.Frame, conn FrameConn) {
	d.mu.Lock()
	d.out, d.direct = out, nil
	if out != nil && d.opt.DirectWrite {
		d.direct = conn
	}
	d.mu.Unlock()
}

func (d *Driver) emit(ctx context.Context, ev Event) bool {
	select {
	case d.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// sleep waits for d or ctx, and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// StreamOpener adapts a function returning a byte stream (an in-memory pipe
// to the emulator, a TCP connection) to an Opener with plain frames.
func StreamOpener(dial func(ctx context.Context) (io.ReadWriteCloser, error)) Opener {
	return func(ctx context.Context) (FrameConn, error) {
		rw, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return protocol.NewConn(rw), nil
	}
}
