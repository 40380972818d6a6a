package driver

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
	"github.com/termd/termd/protocol"
)

// Opener opens the printer's byte stream. The driver calls it again after
// the stream fails, so it must find the printer anew (a USB id, a pipe).
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// Options tune the driver; zero values take the defaults in brackets.
type Options struct {
	Columns       int           // paper width in columns [42]
	Buzzer        []byte        // bytes for a job's alert [escpos.DefaultBuzzer]
	Baud          int           // line speed, to allow for a job's time on the wire [9600]
	StatusTimeout time.Duration // wait for one status byte [500ms]
	Poll          time.Duration // status poll while idle [3s]
	MinBackoff    time.Duration // first wait before reopening [200ms]
	MaxBackoff    time.Duration // longest wait before reopening [5s]
}

func (o *Options) fill() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.StatusTimeout, 500*time.Millisecond)
	def(&o.Poll, 3*time.Second)
	def(&o.MinBackoff, 200*time.Millisecond)
	def(&o.MaxBackoff, 5*time.Second)
	if o.Columns <= 0 {
		o.Columns = printer.DefaultColumns
	}
	if o.Baud <= 0 {
		o.Baud = 9600
	}
}

// Status is the printer as last seen.
type Status struct {
	Connected bool // the port is open
	Replied   bool // the printer answered the last status query
	PaperOut  bool
	NearEnd   bool
	CoverOpen bool
	Offline   bool
}

// String says the status in a few words, for logs and the panel.
func (s Status) String() string {
	switch {
	case !s.Connected:
		return "port closed"
	case !s.Replied:
		return "no reply"
	case s.PaperOut:
		return "paper out"
	case s.CoverOpen:
		return "cover open"
	case s.Offline:
		return "offline"
	case s.NearEnd:
		return "ready, paper near end"
	}
	return "ready"
}

// err is the error a job gets in this status, or nil if it can print.
func (s Status) err() error {
	switch {
	case !s.Replied:
		return printer.ErrNoReply
	case s.PaperOut:
		return printer.ErrPaperOut
	case s.CoverOpen:
		return printer.ErrCoverOpen
	case s.Offline:
		return printer.ErrOffline
	}
	return nil
}

// Driver prints jobs on one printer. Print may be called from any
// goroutine; Run owns the port.
type Driver struct {
	open Opener
	log  *zap.Logger
	opt  Options
	enc  escpos.Encoder
	jobs chan job

	mu     sync.Mutex
	status Status
}

type job struct {
	req  *protocol.PrintRequest
	done chan error
}

// New returns a driver; nothing happens until Run.
func New(open Opener, log *zap.Logger, opt Options) *Driver {
	opt.fill()
	return &Driver{open: open, log: log, opt: opt, enc: escpos.Encoder{Buzzer: opt.Buzzer}, jobs: make(chan job)}
}

// Print prints one validated job and returns once its bytes are written
// and the printer's status after them shows no error. A printer that
// cannot print (printer.ErrNoReply, ErrPaperOut, ErrCoverOpen, ErrOffline)
// gets none of the job.
func (d *Driver) Print(ctx context.Context, req *protocol.PrintRequest) error {
	j := job{req: req, done: make(chan error, 1)}
	select {
	case d.jobs <- j:
	case <-ctx.Done():
		return fmt.Errorf("printer: %w", ctx.Err())
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("printer: %w", ctx.Err())
	}
}

// Status is the printer's status as last seen.
func (d *Driver) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// setStatus records s and logs a change.
func (d *Driver) setStatus(s Status) {
	if d.swapStatus(s) == s {
		return
	}
	if s.err() != nil || !s.Connected {
		d.log.Warn("printer status", zap.String("status", s.String()))
	} else {
		d.log.Info("printer status", zap.String("status", s.String()))
	}
}

// swapStatus records s and returns the status before.
func (d *Driver) swapStatus(s Status) Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.status
	d.status = s
	return old
}

// Run owns the port until ctx ends: it opens it, polls the status, prints
// jobs, and reopens the port with backoff whenever it fails. It returns
// nil once ctx is done.
func (d *Driver) Run(ctx context.Context) error {
	backoff := d.opt.MinBackoff
	quiet := false
	var pending *job
	for ctx.Err() == nil {
		rw, err := d.open(ctx)
		if err != nil {
			d.setStatus(Status{})
			if pending != nil {
				pending.done <- fmt.Errorf("%w: %w", printer.ErrNoReply, err)
			}
			if !quiet {
				d.log.Warn("printer port cannot be opened; retrying", zap.Error(err))
				quiet = true
			}
			pending = d.waitReopen(ctx, backoff)
			backoff = min(2*backoff, d.opt.MaxBackoff)
			continue
		}
		backoff, quiet = d.opt.MinBackoff, false
		d.session(ctx, rw, pending)
		pending = nil
	}
	return nil
}

// waitReopen waits out the backoff. A job that comes meanwhile makes the
// driver try at once; it is returned to be printed, or refused if the
// port still does not open.
func (d *Driver) waitReopen(ctx context.Context, wait time.Duration) *job {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case j := <-d.jobs:
		return &j
	}
	return nil
}

// SerialOpener opens the printer's serial port, 8N1 at baud, resolving a
// VID:PID anew at every open as the terminal's port is.
func SerialOpener(port string, baud int) Opener {
	cfg := device.SerialConfig{Port: port, Baud: baud}
	return func(context.Context) (io.ReadWriteCloser, error) {
		p, err := cfg.Open()
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		return p, nil
	}
}
