package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/device"
	"github.com/termd/termd/emulator"
	"github.com/termd/termd/emulator/clock"
	"github.com/termd/termd/printer/driver"
	"github.com/termd/termd/protocol"
	"github.com/termd/termd/protocol/link"
	"github.com/termd/termd/service/access"
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
	// panelPolicy guards the panel: loopback, or the token on every request.
	panelPolicy *access.Policy
	// The receipt printer's driver (nil: none) and, in emulator mode, the
	// emulated printer it writes to through pipes served on printerWG.
	prn        *driver.Driver
	emuPrinter *emulator.Printer
	printerWG  sync.WaitGroup
	// clock runs the engine's windows and the emulator's delays; virtual
	// is the same clock when it moves only on the panel's command.
	clock   clock.Clock
	virtual *clock.Virtual
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
	// The terminal first: an emulated one reads its books in the
	// background, so it boots while the journal opens.
	open, prn, err := d.terminal()
	if err != nil {
		return nil, err
	}
	d.store, err = store.Open(cfg.DataDir, store.Options{Retention: cfg.Journal.Retention()}, log.Named("store"))
	if errors.Is(err, store.ErrNoDir) || errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("dataDir %s: %w; set dataDir to a folder termd may write to", cfg.DataDir, err)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.store.Close()
		}
	}()
	// The in-process emulator's pipe never makes a write wait, so the
	// engine writes to it directly; a serial link waits for its ACK.
	d.driver = device.NewDriver(open, log.Named("device"), device.Options{DirectWrite: d.emu != nil})
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
		DrainTimeout:   cfg.Timeouts.Drain,
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
	}, handler{d.engine}, log)
	if err != nil {
		return nil, err
	}
	// The panel is bound after the POS ports, so a second termd is told
	// first about listen.tcp, the port a user knows.
	if err := d.listenPanel(); err != nil {
		d.pos.Close()
		return nil, err
	}
	return d, nil
}

// giveBackStartMemory returns to the system what start-up used and let go:
// the journal's index is built through temporary maps and the emulated
// terminal reads its whole books file, tens of megabytes for a year, and an
// idle daemon allocates nothing that would make the collector run: without
// this the memory stays with termd until the runtime's forced collection,
// minutes later.
func (d *Daemon) giveBackStartMemory(ctx context.Context) {
	if d.emu != nil && !d.emu.WaitLoaded(ctx) {
		return
	}
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	d.log.Info("start-up finished; what it used is given back", zap.String("heap", fmt.Sprintf("%.1f MB", float64(m.HeapAlloc)/(1<<20))))
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
			BooksFile: d.cfg.EmulatorBooks(),
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

// printer builds the receipt printer's driver; a nil Printer when there
// is none, so the engine answers print jobs with 9008.
func (d *Daemon) printer() (engine.Printer, error) {
	prn, err := d.newPrinter()
	if err != nil || prn == nil {
		return nil, err
	}
	d.prn = prn
	return prn, nil
}

// TCPAddr and WSAddr are the bound POS addresses (useful with port 0).
func (d *Daemon) TCPAddr() net.Addr { return d.pos.TCPAddr() }
func (d *Daemon) WSAddr() net.Addr  { return d.pos.WSAddr() }

// Run serves until ctx ends, then shuts down (see shutdown). A value on
// now during the shutdown stops it at once.
func (d *Daemon) Run(ctx context.Context, now <-chan struct{}) error {
	bg := context.WithoutCancel(ctx)
	engCtx, stopEngine := context.WithCancel(bg)
	devCtx, stopDevice := context.WithCancel(bg)
	var wg sync.WaitGroup
	if d.emu != nil {
		wg.Go(func() { d.emu.Run(devCtx) })
	}
	wg.Go(func() { d.driver.Run(devCtx) })
	wg.Go(func() { d.runPrinter(devCtx) })
	wg.Go(func() { d.servePanel(devCtx) })
	wg.Go(func() { d.compactDaily(devCtx) })
	wg.Go(func() { d.engine.Run(engCtx) })
	wg.Go(func() { d.giveBackStartMemory(devCtx) })

	err := d.pos.Accept(ctx)
	d.shutdown(now, stopEngine)
	stopDevice()
	wg.Wait()
	d.store.Close()
	d.log.Info("termd stopped")
	return err
}

// shutdown is the order of a stop (SPEC §4), top to bottom. The POS
// listeners have stopped accepting. The engine stops a transaction still
// reading or signing, waits for one the card company is deciding and for
// the 980001 of a result just delivered to a connection still open, at
// most timeouts.drain; a value on now cuts that short, and what was left
// is settled from the journal at next start. Only then do the POS
// connections close, each after its last answers are written. The caller
// then stops the terminal link and closes the journal.
func (d *Daemon) shutdown(now <-chan struct{}, stopEngine context.CancelFunc) {
	d.engine.Drain()
	select {
	case <-d.engine.Done():
	case <-now:
		d.log.Warn("stopping at once; the journal settles what was left at next start")
		stopEngine()
		<-d.engine.Done()
	}
	stopEngine()
	closed := make(chan struct{})
	go func() { d.pos.Close(); close(closed) }()
	select {
	case <-closed:
	case <-now: // a slow client's last write is not worth waiting for
	}
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

var (
	_ pos.Handler   = handler{}
	_ pos.Holder    = handler{}
	_ engine.Client = (*pos.Client)(nil)
)

func (h handler) Frame(c *pos.Client, f protocol.Frame) { h.e.Frame(c, f) }
func (h handler) Closed(c *pos.Client)                  { h.e.Closed(c) }

// Busy tells the POS listeners which connection must not be closed to make
// room for another: the owner of a running transaction or of a result
// awaiting confirmation. It reads an atomic snapshot: no lock, no wait.
func (h handler) Busy(c *pos.Client) bool { return h.e.Holds(c) }
