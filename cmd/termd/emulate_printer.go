package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/emulator"
	"github.com/termd/termd/service/config"
)

// emulatePrinter plays an ESC/POS receipt printer on the far side of a
// serial port, so termd's printer driver (printer.kind serial) can be run
// against it, on a second PC or a pseudo-terminal pair.
func emulatePrinter(args []string, stderr io.Writer) int {
	cfg := config.Default()
	cfg.Log.File = "-"
	var port, out string
	var status emulator.PrinterStatus
	baud := cfg.Printer.Baud
	fs := flag.NewFlagSet("termd emulate-printer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&port, "port", "", "serial port to serve (/dev/ttyUSB1, COM4, or a USB id VID:PID)")
	fs.IntVar(&baud, "baud", baud, "baud rate (8N1)")
	fs.IntVar(&cfg.Printer.Columns, "printer.columns", cfg.Printer.Columns, "paper width in characters (Korean counts two)")
	fs.StringVar(&out, "out", "", `directory for each receipt as .txt, .svg and .html ("" = none)`)
	fs.BoolVar(&status.PaperOut, "paper-out", false, "report paper out")
	fs.BoolVar(&status.CoverOpen, "cover-open", false, "report the cover open")
	fs.BoolVar(&status.Offline, "offline", false, "answer no status query, as a printer switched off")
	fs.StringVar(&cfg.Log.Level, "log.level", cfg.Log.Level, "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: termd emulate-printer --port PORT [flags]\n\n"+
			"Plays an ESC/POS receipt printer on a serial port: connect termd (printer.port)\n"+
			"to the other end. It reads what termd sends, answers its status queries and\n"+
			"keeps each receipt as the paper would show it.\n\n")
		fs.PrintDefaults()
	}
	if status, ok := parseServeFlags(fs, args, &port); !ok {
		return status
	}
	return untilSignal(cfg, stderr, func(ctx context.Context, _ <-chan struct{}, log *zap.Logger) error {
		p := emulator.NewPrinter(cfg.Printer.Columns)
		p.SetStatus(status)
		p.OnReceipt(receiptSaver(p, out, cfg.Printer.Columns, log))
		log.Info("termd emulate-printer started", zap.String("port", port), zap.Int("baud", baud), zap.Any("status", status))
		line := device.SerialConfig{Port: port, Baud: baud}
		p.ServeLine(ctx, func() (io.ReadWriteCloser, error) { return line.Open() }, log)
		c := p.Counters()
		log.Info("termd emulate-printer stopped", zap.Int("receipts", c.Receipts), zap.Int("cuts", c.Cuts), zap.Int("beeps", c.Beeps))
		return nil
	})
}

// receiptSaver logs each receipt (counts only: a receipt may carry a
// masked card number, and logs keep none) and saves it under dir.
func receiptSaver(p *emulator.Printer, dir string, columns int, log *zap.Logger) func(emulator.Job) {
	n := 0
	return func(j emulator.Job) {
		n++
		c := p.Counters()
		if len(c.Unknown) > 0 {
			log.Warn("emulated printer: bytes not understood", zap.Strings("latest", c.Unknown))
		}
		log.Info("receipt printed", zap.Int("n", n), zap.Int("lines", len(j.Lines)), zap.Bool("alert", j.Alert), zap.Int("cuts", c.Cuts), zap.Int("beeps", c.Beeps))
		if dir == "" {
			return
		}
		base := filepath.Join(dir, fmt.Sprintf("receipt-%04d", n))
		for ext, body := range map[string]string{".txt": j.Text, ".svg": j.SVG(columns), ".html": j.HTML()} {
			if err := os.WriteFile(base+ext, []byte(body), 0o644); err != nil {
				log.Warn("receipt not saved", zap.Error(err))
			}
		}
	}
}
