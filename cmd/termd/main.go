// Command termd is the terminal-side payment daemon: it owns the card
// terminal and the receipt printer and lets POS programs pay through them
// over local TCP and WebSocket.
//
//	termd                          run in the foreground (emulated terminal when no port is set)
//	termd run [--config FILE] [--key value ...]
//	termd service install|uninstall|start|stop|status
//	termd ports
//	termd emulate --port PORT
//	termd emulate-printer --port PORT
//	termd version
//
// Run "termd help" or "termd run --help" for every option.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kardianos/service"
	"go.uber.org/zap"

	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/daemon"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `termd — the terminal-side payment daemon

Usage:
  termd                      run in the foreground with the default settings
                             (an emulated terminal when no device.port is set)
  termd run [flags]          run in the foreground; see "termd run --help"
  termd service install [--config FILE]
                             run termd at boot as a system service
                             (also: uninstall, start, stop, status)
  termd ports                list serial ports with their USB ids (VID:PID)
  termd emulate --port PORT  play an emulated terminal on a serial port
  termd emulate-printer --port PORT
                             play an emulated receipt printer on a serial port
  termd version              print the version

Every subcommand takes --help; "termd run --help" lists every
configuration key, each also a flag.

POS programs connect to tcp://127.0.0.1:9931 or ws://127.0.0.1:9932/ws and
exchange framed messages (4-digit length, 6-digit code, JSON body).
Try one with:  go run ./cmd/termctl send 010010 '{"priceAmt":1000,"ptxid":"try-1"}'
`

const portsUsage = `Usage: termd ports

Lists the serial ports of this PC with their USB ids (VID:PID). Set
device.port to the port, or to the USB id, which stays the same when the
terminal moves to another USB socket.
`

// exitHelp is the exit status of a subcommand that only printed its usage:
// 0 when help was asked for, 2 for anything else.
func exitHelp(args []string) int {
	if h := strings.TrimLeft(args[0], "-"); len(args) == 1 && (h == "h" || h == "help") {
		return 0
	}
	return 2
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "run" && len(args) == 1 { // termd --help, termd --version
		switch strings.TrimLeft(args[0], "-") {
		case "h", "help":
			cmd = "help"
		case "version":
			cmd = "version"
		}
	}
	switch cmd {
	case "run":
		return runDaemon(args, stderr)
	case "emulate":
		return emulate(args, stderr)
	case "emulate-printer":
		return emulatePrinter(args, stderr)
	case "service":
		return serviceCmd(args, stdout, stderr)
	case "ports":
		if len(args) > 0 {
			fmt.Fprint(stdout, portsUsage)
			return exitHelp(args)
		}
		return listPorts(stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "termd %s\n", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "termd: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// runDaemon loads the configuration (file, then flags) and runs until
// SIGINT or SIGTERM.
func runDaemon(args []string, stderr io.Writer) int {
	cfg, err := loadConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "termd: %v\n", err)
		return 2
	}
	if !service.Interactive() { // started by the service manager
		return runService(cfg, stderr)
	}
	return untilSignal(cfg, stderr, func(ctx context.Context, now <-chan struct{}, log *zap.Logger) error {
		return serve(ctx, now, cfg, log)
	})
}

// untilSignal runs f with the configured logger until it returns, and
// turns its error into an exit status. The first SIGINT/SIGTERM cancels
// f's context (a graceful stop: f says what it waits for); a second one
// closes now (stop at once).
func untilSignal(cfg config.Config, stderr io.Writer, f func(ctx context.Context, now <-chan struct{}, log *zap.Logger) error) int {
	log, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "termd: %v\n", err)
		return 1
	}
	defer closeLog()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	now := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "termd: stopping; press Ctrl-C again to stop at once")
		stop()
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "termd: stopping at once; the journal settles what was left at next start")
		close(now)
	}()
	if err := f(ctx, now, log); err != nil {
		log.Error("termd failed", zap.Error(err))
		if !cfg.Log.Console { // else the console line above said it
			fmt.Fprintf(stderr, "termd: %v\n", err)
		}
		return 1
	}
	return 0
}

// loadConfig reads --config first, then lets every other flag override it.
func loadConfig(args []string, stderr io.Writer) (config.Config, error) {
	path := configPath(args)
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return cfg, err
		}
	}
	fs := flag.NewFlagSet("termd run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("config", path, "YAML configuration file (flags override it)")
	cfg.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: termd run [--config FILE] [flags]\n\nEvery configuration key is also a flag:\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.Validate()
}

// configPath finds --config among the arguments before the other flags are
// known (they get their defaults from the file).
func configPath(args []string) string {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == "config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "config="); ok {
			return v
		}
	}
	return ""
}

func serve(ctx context.Context, now <-chan struct{}, cfg config.Config, log *zap.Logger) error {
	d, err := daemon.New(cfg, log)
	if err != nil {
		return err
	}
	log.Info("termd started", zap.String("version", version), zap.Stringer("tcp", d.TCPAddr()), zap.Stringer("ws", d.WSAddr()),
		zap.String("terminal", cfg.DeviceKind()), zap.String("dataDir", cfg.DataDir))
	if cfg.DeviceKind() == "emulator" {
		log.Info("no device.port configured: using the emulated terminal (amounts ending 01-09 play declines, timeouts and signatures)")
	}
	return d.Run(ctx, now)
}
