package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// Config says what to measure and against which termd.
type Config struct {
	TCP string // a running termd's TCP address; ignored with Start
	WS  string // its WebSocket URL ("" skips WebSocket)
	// Start runs the termd at Binary instead, on free ports, with an
	// emulated terminal that has no delays, on DataDir (a temporary one,
	// removed after, when empty).
	Start   bool
	Binary  string
	DataDir string

	Rounds   int // rounds of interleaved round trips
	PerRound int // round trips per round, each side
	Payments int // sequential payments measured; 0 skips
	Syncs    int // raw syncs measured beside them, in DataDir
	Conns    int // idle connections held; needs Start and EchoCommand
	// EchoCommand starts the echo server as a process of its own
	// (termctl bench --echo-server), for the memory comparison.
	EchoCommand []string
	Journal     int // payments in the journal for the start-up figure; 0 skips; needs Start
	StartRuns   int // start-ups measured

	Progress io.Writer // one line per step; nil for none
}

// Report is every figure of a run; termctl bench prints it as a table and
// writes it as JSON. A figure that was not measured is absent.
type Report struct {
	Time     string                 `json:"time"`
	CPUs     int                    `json:"cpus"`
	Query    map[string]QueryResult `json:"query,omitempty"` // by transport: "tcp", "ws"
	Payments *PaymentResult         `json:"payments,omitempty"`
	Sync     *SyncResult            `json:"sync,omitempty"`
	Conns    map[string]ConnResult  `json:"connections,omitempty"` // by transport
	IdleRSS  int64                  `json:"idle_rss_bytes,omitempty"`
	Startup  *StartupResult         `json:"startup,omitempty"`
	// PaymentFloor is what a payment cannot go below, from figures of
	// this run: see Floor.
	PaymentFloor *Floor `json:"payment_floor,omitempty"`
}

// Run measures what cfg asks for and returns the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	r := &runner{cfg: cfg, rep: Report{Time: time.Now().UTC().Format(time.RFC3339), CPUs: runtime.NumCPU()}}
	err := r.run(ctx)
	return r.rep, err
}

type runner struct {
	cfg   Config
	rep   Report
	termd *Termd // when started
}

func (r *runner) say(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "bench: "+format+"\n", args...)
	}
}

func (r *runner) run(ctx context.Context) (err error) {
	echo, stopEcho, err := r.echo(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopEcho()) }()
	if r.cfg.Start {
		cleanup, err := r.start(ctx)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cleanup()) }()
	}
	// Memory before latency: each process's memory is measured while it
	// is still fresh, termd having made only the payments.
	steps := []func(context.Context, *echoProc) error{r.payments, r.conns, r.queries, r.startup}
	for _, step := range steps {
		if err := step(ctx, echo); err != nil {
			return err
		}
	}
	r.rep.PaymentFloor = floorOf(r.rep)
	return nil
}

// echo starts the echo server: a process of its own when EchoCommand is
// set, so the baseline is reached the way termd is (another process, its
// own runtime), else in this process.
func (r *runner) echo(ctx context.Context) (*echoProc, func() error, error) {
	if len(r.cfg.EchoCommand) > 0 {
		p, err := startEcho(r.cfg.EchoCommand)
		if err != nil {
			return nil, nil, err
		}
		return p, func() error { p.stop(); return nil }, nil
	}
	e, err := ListenEcho()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Serve(ctx) }()
	return &echoProc{tcp: e.TCPAddr(), ws: e.WSURL()}, func() error { cancel(); return <-done }, nil
}

// start runs termd on a (temporary) dataDir and notes its idle memory.
func (r *runner) start(ctx context.Context) (cleanup func() error, err error) {
	removeDir := func() error { return nil }
	if r.cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "termd-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		r.cfg.DataDir = dir
		removeDir = func() error { return os.RemoveAll(dir) }
	}
	r.say("starting %s on %s", r.cfg.Binary, r.cfg.DataDir)
	if r.termd, err = StartTermd(ctx, r.cfg.Binary, r.cfg.DataDir); err != nil {
		removeDir()
		return nil, err
	}
	r.cfg.TCP, r.cfg.WS = r.termd.TCP, r.termd.WS
	select {
	case <-r.termd.Settled:
	case <-time.After(startWait): // an older termd never says so
	}
	if n, err := rss(r.termd.Pid()); err == nil {
		r.rep.IdleRSS = n
	}
	return func() error {
		var err error
		if r.termd != nil {
			err = r.termd.Stop()
		}
		return errors.Join(err, removeDir())
	}, nil
}

// payments come first, so the queries after find a full approval as the
// journal's last transaction, as in a shop.
func (r *runner) payments(ctx context.Context, _ *echoProc) error {
	if r.cfg.Payments <= 0 {
		return nil
	}
	dir, syncs := r.cfg.DataDir, r.cfg.Syncs
	if dir == "" || syncs <= 0 {
		dir, syncs = "", 0
	}
	r.say("%d payments (010010 + 980001), in turns with %d raw syncs of %d bytes in %q", r.cfg.Payments, syncs, SyncFrame, dir)
	p, s, err := PaymentsBesideSyncs(ctx, r.cfg.TCP, r.cfg.Payments, newPrefix(), dir, syncs)
	if err != nil {
		return err
	}
	r.rep.Payments, r.rep.Sync = &p, s
	if r.cfg.Start {
		addPayments(r.cfg.DataDir, p.Count)
	}
	return nil
}

func (r *runner) queries(ctx context.Context, echo *echoProc) error {
	r.rep.Query = map[string]QueryResult{}
	for _, tr := range []struct{ name, termd, echo string }{{"tcp", r.cfg.TCP, echo.tcp}, {"ws", r.cfg.WS, echo.ws}} {
		if tr.termd == "" {
			continue
		}
		r.say("990001 round trips over %s: %d rounds of %d, interleaved with the echo", tr.name, r.cfg.Rounds, r.cfg.PerRound)
		q, err := Queries(ctx, tr.termd, tr.echo, r.cfg.Rounds, r.cfg.PerRound)
		if err != nil {
			return err
		}
		r.rep.Query[tr.name] = q
	}
	return nil
}

// conns needs termd's process (Start) and the echo as a process; it starts
// an echo process of its own, as fresh as termd.
func (r *runner) conns(ctx context.Context, _ *echoProc) error {
	if r.cfg.Conns <= 0 || r.termd == nil || len(r.cfg.EchoCommand) == 0 {
		return nil
	}
	echo, err := startEcho(r.cfg.EchoCommand)
	if err != nil {
		return err
	}
	defer echo.stop()
	r.say("%d idle connections per transport", r.cfg.Conns)
	c, err := Conns(ctx, Endpoint{Pid: r.termd.Pid(), TCP: r.cfg.TCP, WS: r.cfg.WS},
		Endpoint{Pid: echo.cmd.Process.Pid, TCP: echo.tcp, WS: echo.ws}, r.cfg.Conns)
	if err != nil {
		return err
	}
	r.rep.Conns = c
	return nil
}

// startup fills the journal through the running termd, stops it, and
// measures starting it again.
func (r *runner) startup(ctx context.Context, _ *echoProc) error {
	if r.cfg.Journal <= 0 || r.termd == nil {
		return nil
	}
	r.say("filling the journal to %d payments", r.cfg.Journal)
	if err := Fill(ctx, r.cfg.TCP, r.cfg.DataDir, r.cfg.Journal); err != nil {
		return err
	}
	err := r.termd.Stop()
	r.termd = nil
	if err != nil {
		return err
	}
	r.say("start-up with %d payments, %d times", r.cfg.Journal, r.cfg.StartRuns)
	s, err := Startup(ctx, r.cfg.Binary, r.cfg.DataDir, r.cfg.StartRuns)
	if err != nil {
		return err
	}
	r.rep.Startup = &s
	return nil
}

// addPayments counts payments made in dataDir outside Fill.
func addPayments(dataDir string, n int) {
	os.WriteFile(filepath.Join(dataDir, countFile), []byte(strconv.Itoa(madePayments(dataDir)+n)+"\n"), 0o644)
}
