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
	serveLine(ctx, open, t.log, "", func(rw io.ReadWriteCloser) error {
		return t.Serve(ctx, link.NewConn(rw, link.Options{}))
	})
}

// serveLine serves a serial line until ctx ends: it opens the line, hands
// it to serve, and when the line breaks or cannot be opened tries again
// with backoff (100 ms doubling to 2 s), saying so once per outage. who
// names the device in the log lines.
func serveLine(ctx context.Context, open func() (io.ReadWriteCloser, error), log *zap.Logger, who string, serve func(io.ReadWriteCloser) error) {
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	wait := minWait
	quiet := false
	for ctx.Err() == nil {
		rw, err := open()
		if err != nil {
			if !quiet {
				log.Warn(who+"serial line cannot be opened; retrying", zap.Error(err))
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
		log.Info(who + "serving the serial line")
		err = serve(rw)
		rw.Close()
		if ctx.Err() == nil {
			log.Warn(who+"serial line lost", zap.Error(err))
		}
	}
}
