package emulator

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/termd/termd/emulator/clock"
	"github.com/termd/termd/protocol"
)

// ErrUnplugged: the emulated terminal's cable is pulled.
var ErrUnplugged = errors.New("emulator: terminal unplugged")

// Config is how the emulated terminal behaves. Zero delays are immediate.
type Config struct {
	Model     protocol.Model // T650P (default) or P3MIX: the tax-refund bodies
	CardDelay time.Duration  // the customer presents card, QR or number after this
	SignDelay time.Duration  // the customer signs after this
	AuthDelay time.Duration  // the card company answers after this
	// Manual makes card and signature wait for InsertCard and Sign.
	Manual       bool
	MerchantCode string
	Columns      int // printer width (42)
	// BooksFile keeps the terminal's books across restarts ("" = memory only).
	BooksFile string
	// Clock runs the delays above and dates the answers (the wall clock
	// when nil). The daemon gives the engine the same one.
	Clock clock.Clock
}

// FrameConn is a link carrying frames (protocol.Conn or a serial link.Conn).
type FrameConn interface {
	ReadFrame() (protocol.Frame, error)
	WriteFrame(protocol.Frame) error
	Close() error
}

// Terminal is one emulated payment terminal with its books and printer.
type Terminal struct {
	cfg     Config
	clock   clock.Clock
	log     *zap.Logger
	control chan control
	dials   chan io.ReadWriteCloser
	printer *Printer
	// loaded is closed once the books are read: a terminal with a year of
	// books boots while termd opens its journal, and serves after.
	loaded chan struct{}
	link   chan struct{} // holds a token while a session serves a link

	mu     sync.Mutex // guards the fields below, shared with control calls
	books  *books
	nums   *numbers
	rng    *rand.Rand
	unplug bool
	conn   io.Closer // the link of the running session
	screen Screen
}

// Screen is what the terminal shows.
type Screen struct {
	Phase   string // "", reading, signing, authorizing
	Code    protocol.Code
	Ptxid   string
	Amount  int64
	Message string
}

// New returns an emulated terminal.
func New(cfg Config, log *zap.Logger) *Terminal {
	if cfg.Model == "" {
		cfg.Model = protocol.ModelT650P
	}
	if cfg.MerchantCode == "" {
		cfg.MerchantCode = "00012345"
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x7e41))
	t := &Terminal{
		cfg:     cfg,
		clock:   clock.Or(cfg.Clock),
		log:     log,
		control: make(chan control),
		dials:   make(chan io.ReadWriteCloser),
		printer: newPrinter(cfg.Columns),
		books:   newBooks(),
		nums:    newNumbers(rng),
		rng:     rng,
		screen:  Screen{Message: "대기 중"},
		loaded:  make(chan struct{}),
		link:    make(chan struct{}, 1),
	}
	if cfg.BooksFile == "" {
		close(t.loaded)
		return t
	}
	go func() {
		if err := loadBooks(cfg.BooksFile, t.books, t.nums, log); err != nil {
			// A terminal that cannot read its books does not start: it
			// would answer as if it had forgotten what it did.
			log.Error("books cannot be read; the terminal does not start until the file is mended", zap.Error(err))
			return
		}
		close(t.loaded)
	}()
	return t
}

// WaitLoaded waits until the terminal has read its books and reports true,
// or false if ctx ends first (books that cannot be read never load).
func (t *Terminal) WaitLoaded(ctx context.Context) bool {
	select {
	case <-t.loaded:
		return true
	case <-ctx.Done():
		return false
	}
}

// Printer is the emulated receipt printer.
func (t *Terminal) Printer() *Printer { return t.printer }

// Run serves every in-process Dial until ctx ends, and waits for the
// sessions it started.
func (t *Terminal) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-t.dials:
			wg.Go(func() {
				if err := t.Serve(ctx, protocol.NewConn(c)); err != nil {
					t.log.Debug("emulator link ended", zap.Error(err))
				}
			})
		}
	}
}

// Dial connects in-process: it returns the daemon's end of a fresh pipe
// whose other end Run serves. It fails while the terminal is unplugged.
func (t *Terminal) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	if !t.WaitLoaded(ctx) { // no link until the terminal has booted
		return nil, ctx.Err()
	}
	t.mu.Lock()
	unplugged := t.unplug
	t.mu.Unlock()
	if unplugged {
		return nil, ErrUnplugged
	}
	daemonEnd, termEnd := newPipe()
	select {
	case t.dials <- termEnd:
		return daemonEnd, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Unplug pulls the cable: the running session's link is cut and Dial fails
// until Plug.
func (t *Terminal) Unplug() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unplug = true
	if t.conn != nil {
		t.conn.Close()
	}
}

// Plugged reports whether the cable is in.
func (t *Terminal) Plugged() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.unplug
}

// Manual reports whether the card and the signature wait for a person.
func (t *Terminal) Manual() bool { return t.cfg.Manual }

// Plug puts the cable back.
func (t *Terminal) Plug() {
	t.mu.Lock()
	t.unplug = false
	t.mu.Unlock()
}

// Screen returns what the terminal shows now.
func (t *Terminal) Screen() Screen {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen
}

func (t *Terminal) setScreen(s Screen) {
	t.mu.Lock()
	t.screen = s
	t.mu.Unlock()
}

// Customer actions, delivered to the running session.
type controlKind int

const (
	insertCard controlKind = iota + 1
	sign
	removeCard
)

type control struct {
	kind controlKind
	done chan error
}

// ErrNotNow: the control event does not fit what the terminal is doing.
var ErrNotNow = errors.New("emulator: nothing on the terminal waits for that")

// InsertCard presents the card (or QR, or keyed number) now.
func (t *Terminal) InsertCard() error { return t.act(insertCard) }

// Sign gives the signature now.
func (t *Terminal) Sign() error { return t.act(sign) }

// RemoveCard pulls the card while reading or signing: the terminal ends the
// transaction with 9999 사용자 취소, as real terminals do.
func (t *Terminal) RemoveCard() error { return t.act(removeCard) }

func (t *Terminal) act(k controlKind) error {
	c := control{kind: k, done: make(chan error, 1)}
	select {
	case t.control <- c:
		return <-c.done
	case <-time.After(time.Second):
		return ErrNotNow // no session is running
	}
}
