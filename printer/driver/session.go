package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/printer"
	"github.com/termd/termd/printer/escpos"
)

// errPort: the port failed (unplugged, closed); the session ends and the
// port is reopened.
var errPort = errors.New("printer: port failed")

// session prints on one open port until it fails or ctx ends.
func (d *Driver) session(ctx context.Context, rw io.ReadWriteCloser, first *job) {
	in := startReader(rw)
	defer func() {
		rw.Close()
		in.wait()
	}()
	stop := context.AfterFunc(ctx, func() { rw.Close() })
	defer stop()

	st, err := d.query(ctx, rw, in, 0)
	if errors.Is(err, errPort) {
		d.portLost(ctx, first, err)
		return
	}
	// Said once here, with the port: the start-up log tells which printer
	// was found and how it is.
	if d.swapStatus(st); st.err() == nil {
		d.log.Info("printer found", zap.String("status", st.String()))
	} else {
		d.log.Warn("printer found", zap.String("status", st.String()))
	}
	if first != nil && d.print(ctx, rw, in, *first) != nil {
		return
	}
	tick := time.NewTicker(d.opt.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.dead:
			d.portLost(ctx, nil, in.err)
			return
		case j := <-d.jobs:
			if d.print(ctx, rw, in, j) != nil {
				return
			}
		case <-tick.C:
			st, err := d.query(ctx, rw, in, 0)
			if errors.Is(err, errPort) {
				d.portLost(ctx, nil, err)
				return
			}
			d.setStatus(st)
		}
	}
}

func (d *Driver) portLost(ctx context.Context, j *job, err error) {
	if j != nil {
		j.done <- fmt.Errorf("%w: %w", printer.ErrNoReply, err)
	}
	if ctx.Err() == nil {
		d.log.Warn("printer link down", zap.Error(err))
		d.setStatus(Status{})
	}
}

// print runs one job: status first (nothing is sent unless the printer
// can print), the bytes, then status again, allowing for the time the
// bytes take on the wire. It returns an error only when the port failed.
func (d *Driver) print(ctx context.Context, rw io.Writer, in *reader, j job) error {
	st, err := d.query(ctx, rw, in, 0)
	if err == nil {
		d.setStatus(st)
		err = st.err()
	}
	if err != nil {
		j.done <- err
		if errors.Is(err, errPort) {
			d.portLost(ctx, nil, err)
			return err
		}
		return nil
	}
	if st.NearEnd {
		d.log.Warn("printer paper near its end: printing")
	}
	out := d.enc.Append(nil, printer.Layout(j.req, d.opt.Columns))
	if _, err := rw.Write(out); err != nil {
		err = fmt.Errorf("%w: write: %w", errPort, err)
		j.done <- fmt.Errorf("%w: %w", printer.ErrNoReply, err)
		d.portLost(ctx, nil, err)
		return err
	}
	st, err = d.query(ctx, rw, in, d.wireTime(len(out)))
	if err == nil {
		d.setStatus(st)
		err = st.err()
	}
	j.done <- err
	if err == nil {
		d.log.Debug("printed", zap.Int("bytes", len(out)), zap.Int("commands", len(j.req.Commands)))
	}
	if errors.Is(err, errPort) {
		d.portLost(ctx, nil, err)
		return err
	}
	return nil
}

// wireTime is how long n bytes take at the line's speed (10 bits a byte
// with 8N1).
func (d *Driver) wireTime(n int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(d.opt.Baud)
}

// query asks DLE EOT 1, 2 and 4, each answered within StatusTimeout
// (plus extra for the first, when bytes are still on the wire ahead of
// it). A missing answer is printer.ErrNoReply; a failed port errPort.
func (d *Driver) query(ctx context.Context, w io.Writer, in *reader, extra time.Duration) (Status, error) {
	st := Status{Connected: true}
	var ans [3]byte
	for i, n := range []byte{escpos.StatusPrinter, escpos.StatusOffline, escpos.StatusPaper} {
		in.drain()
		if _, err := w.Write(escpos.AppendStatusQuery(nil, n)); err != nil {
			return st, fmt.Errorf("%w: write: %w", errPort, err)
		}
		b, err := in.status(ctx, d.opt.StatusTimeout+extra)
		if err != nil {
			return st, err
		}
		ans[i], extra = b, 0
	}
	st.Replied = true
	st.Offline = ans[0]&escpos.BitOffline != 0
	st.CoverOpen = ans[1]&escpos.BitCoverOpen != 0
	st.PaperOut = ans[2]&escpos.BitPaperEnd != 0
	st.NearEnd = ans[2]&escpos.BitNearEnd != 0
	return st, nil
}

// reader reads the port on its own goroutine, so the owner can wait for
// a status byte with a deadline whatever the stream (a serial port, a
// pipe). It ends when the port is closed.
type reader struct {
	bytes chan byte
	dead  chan struct{}
	err   error
	wg    sync.WaitGroup
}

func startReader(r io.Reader) *reader {
	in := &reader{bytes: make(chan byte, 256), dead: make(chan struct{})}
	in.wg.Go(func() {
		defer close(in.dead)
		buf := make([]byte, 64)
		for {
			n, err := r.Read(buf)
			for _, b := range buf[:n] {
				select {
				case in.bytes <- b:
				default: // nobody asked: a printer does not talk unasked, drop it
				}
			}
			if err != nil {
				in.err = err
				return
			}
		}
	})
	return in
}

func (in *reader) wait() { in.wg.Wait() }

// drain drops bytes nobody waited for (a late answer, noise).
func (in *reader) drain() {
	for {
		select {
		case <-in.bytes:
		default:
			return
		}
	}
}

// status waits for one byte shaped like a status answer.
func (in *reader) status(ctx context.Context, timeout time.Duration) (byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case b := <-in.bytes:
			if escpos.IsStatus(b) {
				return b, nil
			}
		case <-in.dead:
			return 0, fmt.Errorf("%w: read: %w", errPort, in.err)
		case <-t.C:
			return 0, fmt.Errorf("%w within %v", printer.ErrNoReply, timeout)
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: %w", errPort, ctx.Err())
		}
	}
}
