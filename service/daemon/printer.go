package daemon

import (
	"context"
	"fmt"
	"io"
	"net"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator"
	"github.com/termd/termd/printer/driver"
	"github.com/termd/termd/service/engine"
)

// The receipt printer: one driver whatever the printer, writing to a
// serial port (printer.kind serial) or through an in-memory pipe to the
// emulated printer (printer.kind emulator), so both paths share every
// byte the driver sends.

// newPrinter builds the printer driver for printer.kind, or nil for none.
func (d *Daemon) newPrinter() (*driver.Driver, error) {
	p := d.cfg.Printer
	buzzer, err := p.BuzzerBytes()
	if err != nil {
		return nil, err
	}
	opt := driver.Options{Columns: p.Columns, Buzzer: buzzer, Baud: p.Baud}
	var open driver.Opener
	switch kind := d.cfg.PrinterKind(); kind {
	case "none":
		d.log.Info("receipt printer: none")
		return nil, nil
	case "emulator":
		d.emuPrinter = emulator.NewPrinter(p.Columns)
		if d.emu != nil {
			d.emuPrinter = d.emu.Printer()
		}
		open = d.pipeToEmulatedPrinter
		opt.Baud = 0 // a pipe has no line speed
		d.log.Info("receipt printer: emulated", zap.Int("columns", p.Columns))
	case "serial":
		open = driver.SerialOpener(p.Port, p.Baud)
		d.log.Info("receipt printer: serial", zap.String("port", p.Port), zap.Int("baud", p.Baud), zap.Int("columns", p.Columns))
	default:
		return nil, fmt.Errorf("daemon: printer.kind %q is not supported", kind)
	}
	return driver.New(open, d.log.Named("printer"), opt), nil
}

// pipeToEmulatedPrinter opens a fresh pipe to the emulated printer; the
// printer serves its end until the driver closes the other.
func (d *Daemon) pipeToEmulatedPrinter(ctx context.Context) (io.ReadWriteCloser, error) {
	ours, theirs := net.Pipe()
	d.printerWG.Go(func() { d.emuPrinter.Serve(ctx, theirs) })
	return ours, nil
}

// runPrinter owns the printer until ctx ends, then waits for the
// emulated printer's side of the pipe.
func (d *Daemon) runPrinter(ctx context.Context) {
	if d.prn == nil {
		return
	}
	d.prn.Run(ctx)
	d.printerWG.Wait()
}

var _ engine.Printer = (*driver.Driver)(nil)
