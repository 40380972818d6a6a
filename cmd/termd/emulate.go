package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/emulator"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/config"
)

// emulate plays the terminal on the device side of a serial port, so a
// second PC, or a pseudo-terminal in a test, can stand in for the hardware.
func emulate(args []string, stderr io.Writer) int {
	cfg := config.Default()
	path := configPath(args)
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			fmt.Fprintf(stderr, "termd emulate: %v\n", err)
			return 2
		}
	}
	cfg.Log.File = "-"
	var port, books string
	baud := cfg.Device.Baud
	fs := flag.NewFlagSet("termd emulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("config", path, "YAML configuration file: the emulator.* keys, device.model and printer.columns are read from it (flags override it)")
	fs.StringVar(&port, "port", "", "serial port to serve (/dev/ttyUSB1, COM4, or a USB id VID:PID)")
	fs.IntVar(&baud, "baud", baud, "baud rate (8N1)")
	cfg.RegisterEmulatorFlags(fs)
	fs.StringVar(&books, "books", "", `file that keeps the emulated terminal's books across restarts ("" = memory only)`)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: termd emulate --port PORT [--config FILE] [flags]\n\n"+
			"Plays an emulated card terminal on a serial port: connect termd (device.port)\n"+
			"to the other end of the cable or pseudo-terminal pair. Amounts ending in 01-09\n"+
			"play declines, timeouts and signatures as in the emulator mode of termd run.\n\n")
		fs.PrintDefaults()
	}
	if status, ok := parseServeFlags(fs, args, &port); !ok {
		return status
	}
	return untilSignal(cfg, stderr, func(ctx context.Context, _ <-chan struct{}, log *zap.Logger) error {
		t := emulator.New(emulator.Config{
			Model:     protocol.Model(cfg.Device.Model),
			CardDelay: cfg.Emulator.CardDelay,
			SignDelay: cfg.Emulator.SignDelay,
			AuthDelay: cfg.Emulator.AuthDelay,
			Columns:   cfg.Printer.Columns,
			BooksFile: books,
		}, log.Named("emulator"))
		log.Info("termd emulate started", zap.String("port", port), zap.Int("baud", baud), zap.String("model", cfg.Device.Model))
		var wg sync.WaitGroup
		wg.Go(func() { // the books are read whole: give that memory back once done
			if t.WaitLoaded(ctx) {
				debug.FreeOSMemory()
			}
		})
		line := device.SerialConfig{Port: port, Baud: baud}
		t.ServeLine(ctx, func() (io.ReadWriteCloser, error) { return line.Open() })
		wg.Wait()
		log.Info("termd emulate stopped")
		return nil
	})
}

// parseServeFlags parses the flags of a command that plays a device on a
// serial port. ok is false when the command is over: with exit status 0
// after --help, 2 for a bad flag or a missing --port.
func parseServeFlags(fs *flag.FlagSet, args []string, port *string) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if *port == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2, false
	}
	return 0, true
}
