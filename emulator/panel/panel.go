// Package panel is the emulated terminal's control surface: a small HTTP
// and WebSocket API, and a browser page on top of it, that show what the
// terminal's screen says, the receipts its printer has printed and the
// daemon's recent transactions, and let a person play the customer (insert
// the card, sign, pull the card) or pull the terminal's cable.
//
// The API, all JSON:
//
//	GET  /                 the browser page (text/html)
//	GET  /pos              an example POS page that pays over termd's WebSocket
//	GET  /api/pos          {"ws": URL}: the WebSocket the example POS page uses
//	GET  /api/state        State
//	GET  /api/events       WebSocket: State on connect and on every change
//	GET  /api/journal      the daemon's recent transactions (404 without one)
//	POST /api/card         insert the card
//	POST /api/sign         sign
//	POST /api/card/remove  pull the card
//	POST /api/unplug       pull the cable
//	POST /api/plug         put the cable back
//	POST /api/printer/status  set the printer's status: {"paperOut","coverOpen","nearEnd","offline"}
//
// With a virtual clock attached (AttachClock), also GET /api/clock and
// POST /api/clock/advance (see clock.go).
//
// A POST answers 200 {"ok":true}, or 409 {"error":"…"} when the terminal
// has nothing waiting for that action. Other errors are {"error":"…"} too:
// 404 unknown path, 405 wrong method.
//
// The panel can pull the cable of a terminal a shop is using, yet it
// checks no Origin, Host or token itself: who may reach it is the daemon's
// access policy, the same one as for the POS listeners, and the daemon
// serves the panel behind that policy's guard. (The emulator must not
// import the daemon's packages, so the guard is put around the panel, not
// into it.) Serve a Panel only behind such a guard.
package panel

import (
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/emulator"
)

// State is what /api/state answers and /api/events pushes.
type State struct {
	Screen  Screen `json:"screen"`
	Plugged bool   `json:"plugged"`
	Manual  bool   `json:"manual"` // card and signature wait for the buttons
	// Printed counts every receipt printed; Receipts holds the latest
	// (at most MaxReceipts), oldest first.
	Printed  int          `json:"printed"`
	Receipts []Receipt    `json:"receipts"`
	Printer  PrinterState `json:"printer"`
	// Clock is the virtual clock (see clock.go); absent on real time.
	Clock *ClockState `json:"clock,omitempty"`
}

// Screen is what the terminal shows. Phase is "" when idle, else reading,
// signing or authorizing.
type Screen struct {
	Phase   string `json:"phase"`
	Code    string `json:"code"`
	Ptxid   string `json:"ptxid"`
	Amount  int64  `json:"amount"`
	Message string `json:"message"`
}

// Receipt is one printed receipt (the paper from one cut to the next), as
// text and as HTML (sizes, alignment, logo, cut; the text escaped).
type Receipt struct {
	At    time.Time `json:"at"`
	Alert bool      `json:"alert"`
	Text  string    `json:"text"`
	HTML  string    `json:"html"`
}

// MaxReceipts bounds the receipts a State carries.
const MaxReceipts = 20

const (
	pollEvery = 100 * time.Millisecond // how often an event stream looks for a change
	pingEvery = 30 * time.Second       // keep-alive on an idle event stream
	pongWait  = 2 * pingEvery          // a browser that answers no ping for this long is gone
	writeWait = 5 * time.Second        // one WebSocket write may take this long
)

//go:embed page.html pos.html
var pageFS embed.FS

// Panel serves the control surface of one emulated terminal.
type Panel struct {
	term    *emulator.Terminal
	journal func() any
	log     *zap.Logger
	routes  map[string]route
	clock   VirtualClock // nil on real time

	posMu sync.Mutex
	posWS string // the WebSocket URL of the daemon's POS port, "" when off

	upgrader websocket.Upgrader
	streams  sync.WaitGroup // running /api/events handlers
	mu       sync.Mutex
	closing  bool // Wait has begun: no new streams
}

type route struct {
	method string
	serve  http.HandlerFunc
}

var _ http.Handler = (*Panel)(nil)

// New returns the control surface of t. journal, when not nil, gives the
// daemon's recent transactions (card numbers already masked) for
// /api/journal; its result must marshal to JSON.
func New(t *emulator.Terminal, journal func() any, log *zap.Logger) *Panel {
	page, err := pageFS.ReadFile("page.html")
	if err != nil {
		panic("panel: page.html is not embedded: " + err.Error()) // a build mistake
	}
	posPage, err := pageFS.ReadFile("pos.html")
	if err != nil {
		panic("panel: pos.html is not embedded: " + err.Error())
	}
	p := &Panel{term: t, journal: journal, log: log}
	p.upgrader = websocket.Upgrader{
		HandshakeTimeout: writeWait,
		// The guard in front of the panel has checked the Origin.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	p.routes = map[string]route{
		"/":                {http.MethodGet, p.serveHTML(page)},
		"/pos":             {http.MethodGet, p.serveHTML(posPage)},
		"/api/pos":         {http.MethodGet, p.servePOS},
		"/favicon.ico":     {http.MethodGet, noContent}, // browsers ask; a 404 is a console error
		"/api/state":       {http.MethodGet, p.serveState},
		"/api/journal":     {http.MethodGet, p.serveJournal},
		"/api/events":      {http.MethodGet, p.serveEvents},
		"/api/card":        {http.MethodPost, p.action("insert card", "the terminal is not waiting for a card", t.InsertCard)},
		"/api/sign":        {http.MethodPost, p.action("sign", "the terminal is not waiting for a signature", t.Sign)},
		"/api/card/remove": {http.MethodPost, p.action("remove card", "there is no card to remove", t.RemoveCard)},
		"/api/unplug":      {http.MethodPost, p.cable(false)},
		"/api/plug":        {http.MethodPost, p.cable(true)},

		"/api/printer/status": {http.MethodPost, p.setPrinterStatus},
	}
	return p
}

// Wait waits until every event stream has ended; they end when their
// client leaves or the server's base context is cancelled.
// New streams are refused from then on.
func (p *Panel) Wait() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	p.streams.Wait()
}

// ServeHTTP routes a request: unknown path 404, wrong method 405.
func (p *Panel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := p.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "no such page: "+r.URL.Path)
		return
	}
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed here; use "+rt.method)
		return
	}
	rt.serve(w, r)
}

func (p *Panel) serveHTML(page []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY") // no clickjacking the buttons
		h.Set("Content-Length", strconv.Itoa(len(page)))
		w.Write(page)
	}
}

func noContent(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

// SetPOSWebSocket tells the example POS page (/pos) where the daemon's
// WebSocket listens, e.g. "ws://127.0.0.1:9932/ws"; "" when it is off.
func (p *Panel) SetPOSWebSocket(url string) {
	p.posMu.Lock()
	defer p.posMu.Unlock()
	p.posWS = url
}

func (p *Panel) servePOS(w http.ResponseWriter, r *http.Request) {
	p.posMu.Lock()
	url := p.posWS
	p.posMu.Unlock()
	if url == "" {
		writeError(w, http.StatusNotFound, "termd's WebSocket is off: set listen.ws")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		WS string `json:"ws"`
	}{url})
}

func (p *Panel) serveState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.state())
}

func (p *Panel) serveJournal(w http.ResponseWriter, r *http.Request) {
	if p.journal == nil {
		writeError(w, http.StatusNotFound, "no journal is attached to this panel")
		return
	}
	b, err := json.Marshal(p.journal())
	if err != nil {
		p.log.Error("journal does not marshal", zap.Error(err))
		writeError(w, http.StatusInternalServerError, "the journal could not be read")
		return
	}
	writeRaw(w, http.StatusOK, b)
}

// action serves a customer action; notNow is the 409 text when the
// terminal has nothing waiting for it.
func (p *Panel) action(name, notNow string, do func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := do()
		switch {
		case err == nil:
			p.log.Info(name)
			writeJSON(w, http.StatusOK, ok{true})
		case errors.Is(err, emulator.ErrNotNow):
			writeError(w, http.StatusConflict, notNow)
		default:
			writeError(w, http.StatusConflict, err.Error())
		}
	}
}

// cable plugs or unplugs the terminal. Both are idempotent.
func (p *Panel) cable(in bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if in {
			p.term.Plug()
			p.log.Info("cable plugged in")
		} else {
			p.term.Unplug()
			p.log.Info("cable pulled")
		}
		writeJSON(w, http.StatusOK, ok{true})
	}
}

// state reads the terminal now.
func (p *Panel) state() State {
	s := p.term.Screen()
	jobs := p.term.Printer().Jobs()
	st := State{
		Screen:   Screen{Phase: s.Phase, Code: string(s.Code), Ptxid: s.Ptxid, Amount: s.Amount, Message: s.Message},
		Plugged:  p.term.Plugged(),
		Manual:   p.term.Manual(),
		Printed:  p.term.Printer().Counters().Receipts,
		Receipts: []Receipt{},
		Printer:  printerState(p.term.Printer()),
		Clock:    p.clockState(),
	}
	for _, j := range jobs[max(0, len(jobs)-MaxReceipts):] {
		st.Receipts = append(st.Receipts, Receipt{At: j.At, Alert: j.Alert, Text: j.Text, HTML: j.HTML()})
	}
	return st
}

type ok struct {
	OK bool `json:"ok"`
}

type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types come here
		http.Error(w, "panel: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
