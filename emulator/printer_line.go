package emulator

import (
	"context"
	"io"
	"time"

	"go.uber.org/zap"
)

// ServeLine plays the printer on a serial line: it opens the line, serves
// it until it fails, and opens it again (with backoff) until ctx ends, as
// a printer left switched on while its cable comes and goes.
func (p *Printer) ServeLine(ctx context.Context, open func() (io.ReadWriteCloser, error), log *zap.Logger) {
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	wait := minWait
	quiet := false
	for ctx.Err() == nil {
		rw, err := open()
		if err != nil {
			if !quiet {
				log.Warn("emulated printer: serial line cannot be opened; retrying", zap.Error(err))
				quiet = true
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, maxWait)
			continue
		}
		wait, quiet = minWait, false
		log.Info("emulated printer: serving the serial line")
		err = p.Serve(ctx, rw)
		rw.Close()
		if ctx.Err() == nil {
			log.Warn("emulated printer: serial line lost", zap.Error(err))
		}
	}
}

// OnReceipt sets a function called with each receipt as it is cut, on
// the goroutine that read the cut. Set it before the printer is used.
func (p *Printer) OnReceipt(f func(Job)) {
	p.mu.Lock()
	p.onReceipt = f
	p.mu.Unlock()
}
