package emulator

import (
	"context"
	"io"

	"go.uber.org/zap"
)

// ServeLine plays the printer on a serial line: it opens the line, serves
// it until it fails, and opens it again (with backoff) until ctx ends, as
// a printer left switched on while its cable comes and goes.
func (p *Printer) ServeLine(ctx context.Context, open func() (io.ReadWriteCloser, error), log *zap.Logger) {
	serveLine(ctx, open, log, "emulated printer: ", func(rw io.ReadWriteCloser) error { return p.Serve(ctx, rw) })
}

// OnReceipt sets a function called with each receipt as it is cut, on
// the goroutine that read the cut. Set it before the printer is used.
func (p *Printer) OnReceipt(f func(Job)) {
	p.mu.Lock()
	p.onReceipt = f
	p.mu.Unlock()
}
