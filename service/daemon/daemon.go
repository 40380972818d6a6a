package daemon

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/emulator"
	"github.com/termd/termd/emulator/clock"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
	"github.com/termd/termd/service/config"
	"github.com/termd/termd/service/engine"
	"github.com/termd/termd/service/pos"
	"github.com/termd/termd/service/store"
)

// Daemon is one running termd.
type Daemon struct {
	cfg     config.Config
	log     *zap.Logger
	store   *store.Store
	emu     *emulator.Terminal // nil with a real terminal
	driver  *device.Driver
	engine  *engine.Engine
	pos     *pos.Server
	panelLn net.Listener // the emulator's control panel, if served
	// clock runs the engine's windows and the emulator's delays; virtual
	// is the same clock when it moves only on the panel's command.
	clock   clock.Clock
	virtual *clock.Virtual
	// drainEngine stops the engine and waits for it; set by Run.
	drainEngine func()
}

// The engine and the emulator take the same clock value.
var _ engine.Clock = (*clock.Virtual)(nil)

// New opens the journal, prepares the terminal and binds the POS sockets.
// Nothing runs until Run. An error here names what is wrong (a locked or
// damaged journal, a port in use) and leaves nothing open.
func New(cfg config.Config, log *zap.Logger) (_ *Daemon, err error) {
	d := &Daemon{cfg: cfg, log: log, clock: clock.Wall{}}
	if cfg.Emulator.Clock == "virtual" {
		d.virtual = clock.NewVirtual(time.Now())
		d.clock = d.virtual
	}
	d.store, err = store.Open(cfg.DataDir, store.Options{Retention: cfg.Journal.Retention()}, log.Named("store"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.store.Close()
		}
	}()
	open, prn, err := d.terminal()
	if err != nil {
		return nil, err
	}
	if err := d.listenPanel(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && d.panelLn != nil {
			d.panelLn.Close()
		}
	}()
	d.driver = device.NewDriver(open, log.Named("device"), device.Options{})
	policy, err := engine.ParsePolicy(cfg.Confirm.Policy)
	if err != nil {
		return nil, err
	}
	d.engine = engine.New(engine.Config{
		ReadTimeout:    cfg.Timeouts.Read,
		SignTimeout:    cfg.Timeouts.Signature,
		ConfirmTimeout: cfg.Timeouts.Confirm,
		Policy:         policy,
		Model:          protocol.Model(cfg.Device.Model),
		Clock:          d.clock,
	}, d.driver, d.store, prn, log.Named("engine"))
	charset, err := protocol.ParseCharset(cfg.Listen.Charset)
	if err != nil {
		return nil, err
	}
	d.pos, err = pos.Listen(pos.Config{
		TCP:        cfg.Listen.TCP,
		WS:         cfg.Listen.WS,
		WSOrigins:  cfg.Listen.WSOrigins,
		MaxClients: cfg.Listen.MaxClients,
		Token:      cfg.Auth.Token,
		Charset:    charset,
		// The engine finishes while the POS connections are still open,
		// so the owner of a running transaction gets its final answer.
		BeforeClose: func() { d.drainEngine() },
	}, handler{d.engine}, log)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// terminal chooses the link to the terminal and the printer.
func (d *Daemon) terminal() (device.Opener, engine.Printer, error) {
	switch kind := d.cfg.DeviceKind(); kind {
	case "emulator":
		d.emu = emulator.New(emulator.Config{
			Model:     protocol.Model(d.cfg.Device.Model),
			CardDelay: d.cfg.Emulator.CardDelay,
			SignDelay: d.cfg.Emulator.SignDelay,
			AuthDelay: d.cfg.Emulator.AuthDelay,
			Manual:    d.cfg.Emulator.Manual,
			Columns:   d.cfg.Printer.Columns,
			BooksFile: filepath.Join(d.cfg.DataDir, "emulator-books.json"),
			Clock:     d.clock,
		}, d.log.Named("emulator"))
		prn, err := d.printer()
		return device.StreamOpener(d.emu.Dial), prn, err
	case "serial":
		prn, err := d.printer()
		if err != nil {
			return nil, nil, err
		}
		line := device.SerialConfig{Port: d.cfg.Device.Port, Baud: d.cfg.Device.Baud}
		return device.SerialOpener(line, func(rw io.ReadWriteCloser) device.FrameConn {
			return link.NewConn(rw, link.Options{})
		}), prn, nil
	default:
		return nil, nil, fmt.Errorf("daemon: device.kind %q is not supported", kind)
	}
}

// printer chooses the receipt printer: the emulator's own beside an
// emulated terminal, a stand-alone emulated one beside a real terminal.
func (d *Daemon) printer() (engine.Printer, error) {
	switch kind := d.cfg.PrinterKind(); kind {
	case "none":
		return nil, nil
	case "emulator":
		if d.emu != nil {
			return emulatedPrinter{d.emu.Printer()}, nil
		}
		return emulatedPrinter{emulator.NewPrinter(d.cfg.Printer.Columns)}, nil
	default:
		return nil, fmt.Errorf("daemon: printer.kind %q: no ESC/POS driver yet; use emulator or none", kind)
	}
}

// TCPAddr and WSAddr are the bound POS addresses (useful with port 0).
func (d *Daemon) TCPAddr() net.Addr { return d.pos.TCPAddr() }
func (d *Daemon) WSAddr() net.Addr  { return d.pos.WSAddr() }

// Run serves until ctx ends, then shuts down in order: stop taking POS
// connections, let the engine finish or cancel the running transaction,
// then close the terminal link and the journal.
func (d *Daemon) Run(ctx context.Context) error {
	defer d.store.Close()
	bg := context.WithoutCancel(ctx)
	engCtx, stopEngine := context.WithCancel(bg)
	devCtx, stopDevice := context.WithCancel(bg)
	var wg sync.WaitGroup
	if d.emu != nil {
		wg.Go(func() { d.emu.Run(devCtx) })
	}
	wg.Go(func() { d.driver.Run(devCtx) })
	wg.Go(func() { d.servePanel(devCtx) })
	wg.Go(func() { d.compactDaily(devCtx) })
	engDone := make(chan error, 1)
	go func() { engDone <- d.engine.Run(engCtx) }()
	var engErr error
	var drained sync.Once
	d.drainEngine = func() {
		drained.Do(func() {
			stopEngine()
			engErr = <-engDone
		})
	}

	err := d.pos.Serve(ctx)
	d.drainEngine() // already done by Serve, unless Serve failed at once
	if err == nil {
		err = engErr
	}
	stopDevice()
	wg.Wait()
	d.log.Info("termd stopped")
	return err
}

// compactDaily drops settled transactions past the retention, at start and
// then once a day.
func (d *Daemon) compactDaily(ctx context.Context) {
	tick := time.NewTicker(24 * time.Hour)
	defer tick.Stop()
	for {
		if n, err := d.store.Compact(); err != nil {
			d.log.Warn("journal compaction failed", zap.Error(err))
		} else if n > 0 {
			d.log.Info("journal compacted", zap.Int("removed", n), zap.Int("kept", d.store.Len()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// handler adapts the engine to the POS listeners.
type handler struct{ e *engine.Engine }

func (h handler) Frame(c *pos.Client, f protocol.Frame) { h.e.Frame(c, f) }
func (h handler) Closed(c *pos.Client)                  { h.e.Closed(c) }

// emulatedPrinter prints on the emulator's simulated printer.
type emulatedPrinter struct{ p *emulator.Printer }

func (p emulatedPrinter) Print(_ context.Context, job *protocol.PrintRequest) error {
	return p.p.Print(job)
}
