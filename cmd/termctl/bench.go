package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/termd/termd/service/posclient/bench"
)

const benchUsage = `Usage: termctl bench [flags]

Measures a termd next to bare baselines taken in the same run and prints a
table (with --json, also a JSON file): 990001 round trips over TCP and
WebSocket against built-in echo servers of the same bytes, interleaved,
in rounds (p50, p99, their spread, the ratio termd/echo); payments per
second (010010 + 980001) beside the raw cost of a disk sync (a 700-byte
append and data sync, as the journal writes, taken in turns with the payments;
the ratio is shown over termd's 3 journal syncs and over the 4 a payment
waits for with the emulator, which syncs its books too); memory per
idle connection against an echo server process; idle memory; start-up
time with a filled journal.

With --start it runs termd itself (--termd, by default the termd next to
termctl) on free ports with an emulated terminal that has no delays and a
temporary dataDir; the memory and start-up figures need that. Without it,
it measures the termd at --addr / --ws, and makes payments there only when
--payments is given: on a real terminal they are real payments.

Filling a journal for the start-up figure makes real payments (a few
hundred a second); keep the dataDir with --data DIR to pay only the
missing ones on the next run.

Flags:
`

type benchFlags struct {
	fs                  *flag.FlagSet
	addr, ws            *string
	start               *bool
	termd, data, json   *string
	rounds, n           *int
	payments, syncs     *int
	conns, journal, ups *int
	echo                *bool
}

func newBenchFlags(out io.Writer) benchFlags {
	fs := flag.NewFlagSet("termctl bench", flag.ContinueOnError)
	fs.SetOutput(out)
	f := benchFlags{
		fs:       fs,
		addr:     fs.String("addr", "127.0.0.1:9931", "termd's TCP address (without --start)"),
		ws:       fs.String("ws", "ws://127.0.0.1:9932/ws", `termd's WebSocket URL (without --start); "" skips WebSocket`),
		start:    fs.Bool("start", false, "start termd itself: emulated terminal without delays, free ports, temporary dataDir"),
		termd:    fs.String("termd", defaultTermd(), "the termd binary --start runs"),
		data:     fs.String("data", "", "with --start: the dataDir to use and keep (default: a temporary one)"),
		json:     fs.String("json", "", "also write every figure to this JSON file"),
		rounds:   fs.Int("rounds", 15, "rounds of interleaved 990001 round trips (the ratio is the median of the rounds' ratios)"),
		n:        fs.Int("n", 600, "round trips per round, termd and echo each"),
		payments: fs.Int("payments", -1, "payments measured (default 200 with --start, none without)"),
		syncs:    fs.Int("syncs", 200, "raw disk syncs measured in the dataDir, beside the payments"),
		conns:    fs.Int("conns", 256, "idle connections held for the memory figure (--start only)"),
		journal:  fs.Int("journal", 1000, "payments in the journal for the start-up figure (--start only; 0 skips)"),
		ups:      fs.Int("start-runs", 3, "start-ups measured"),
		echo:     fs.Bool("echo-server", false, "be the echo server process the memory figure compares with (used by bench itself)"),
	}
	fs.Usage = func() {
		fmt.Fprint(out, benchUsage)
		fs.PrintDefaults()
	}
	return f
}

// defaultTermd is the termd next to this termctl, else termd on PATH.
func defaultTermd() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "termd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "termd"
}

func runBench(args []string, stdout, stderr io.Writer) int {
	f := newBenchFlags(stderr)
	if err := f.fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *f.echo {
		if err := bench.RunEchoServer(ctx, os.Stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "termctl bench: %v\n", err)
			return 1
		}
		return 0
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "termctl bench: %v\n", err)
		return 2
	}
	rep, err := bench.Run(ctx, cfg)
	rep.WriteTable(stdout)
	if *f.json != "" {
		if jerr := rep.WriteJSON(*f.json); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "termctl bench: %v\n", err)
		return 1
	}
	return 0
}

func (f benchFlags) config() (bench.Config, error) {
	if f.fs.NArg() > 0 {
		return bench.Config{}, fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	payments := *f.payments
	if payments < 0 {
		payments = 0
		if *f.start {
			payments = 200
		}
	}
	cfg := bench.Config{
		TCP: *f.addr, WS: *f.ws,
		Start: *f.start, Binary: *f.termd, DataDir: *f.data,
		Rounds: max(*f.rounds, 1), PerRound: max(*f.n, 1),
		Payments: payments, Syncs: *f.syncs,
		Conns: *f.conns, Journal: *f.journal, StartRuns: max(*f.ups, 1),
		Progress: os.Stderr,
	}
	if exe, err := os.Executable(); err == nil {
		cfg.EchoCommand = []string{exe, "bench", "--echo-server"}
	}
	return cfg, nil
}
