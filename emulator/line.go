package emulator

import (
	"context"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/protocol/link"
)

// ServeLine plays the terminal on the device side of a serial line, in the
// link protocol, until ctx ends. open opens the line; when it fails or the
// line breaks (the cable was pulled), ServeLine opens it again with
// backoff, as a terminal that is plugged back in would answer again.
func (t *Terminal) ServeLine(ctx context.Context, open func() (io.ReadWriteCloser, error)) {
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	wait := minWait
	quiet := false
	for ctx.Err() == nil {
		rw, err := open()
		if err != nil {
			if !quiet {
				t.log.Warn("serial line cannot be opened; retrying", zap.Error(err))
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
		t.log.Info("serving the serial line")
		err = t.Serve(ctx, link.NewConn(rw, link.Options{}))
		if ctx.Err() == nil {
			t.log.Warn("serial line lost", zap.Error(err))
		}
	}
}
