// Package panel is the emulated terminal's control surface: a small HTTP
// and WebSocket API, and a browser page on top of it, that show what the
// terminal's screen says, the receipts its printer has printed and the
// daemon's recent transactions, and let a person play the customer (insert
// the card, sign, pull the card) or pull the terminal's cable.
//
// The API, all JSON:
//
//	GET  /                 the browser page (text/html)
//	GET  /api/state        State
//	GET  /api/events       WebSocket: State on connect and on every change
//	GET  /api/journal      the daemon's recent transactions (404 without one)
//	POST /api/card         insert the card
//	POST /api/sign         sign
//	POST /api/card/remove  pull the card
//	POST /api/unplug       pull the cable
//	POST /api/plug         put the cable back
//
// With a virtual clock attached (AttachClock), also GET /api/clock and
// POST /api/clock/advance (see clock.go).
//
// A POST answers 200 {"ok":true}, or 409 {"error":"…"} when the terminal
// has nothing waiting for that action. Other errors are {"error":"…"} too:
// 404 unknown path, 405 wrong method, 403 refused origin.
//
// The panel can pull the cable of a terminal a shop is using, so it refuses
// what another web site's page could send it: a POST, or a WebSocket
// handshake, must carry no Origin (a script, curl) or an Origin on this
// machine (localhost, 127.0.0.1, [::1]).
package panel

import (
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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
	Printed  int       `json:"printed"`
	Receipts []Receipt `json:"receipts"`
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

// Receipt is one printed receipt as text.
type Receipt struct {
	At    time.Time `json:"at"`
	Alert bool      `json:"alert"`
	Text  string    `json:"text"`
}

// MaxReceipts bounds the receipts a State carries.
const MaxReceipts = 20

const (
	pollEvery = 100 * time.Millisecond // how often an event stream looks for a change
	pingEvery = 30 * time.Second       // keep-alive on an idle event stream
	pongWait  = 2 * pingEvery          // a browser that answers no ping for this long is gone
	writeWait = 5 * time.Second        // one WebSocket write may take this long
)

//go:embed page.html
var pageFS embed.FS

// Panel serves the control surface of one emulated terminal.
type Panel struct {
	term    *emulator.Terminal
	journal func() any
	log     *zap.Logger
	page    []byte
	routes  map[string]route
	clock   VirtualClock // nil on real time

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
	p := &Panel{term: t, journal: journal, log: log, page: page}
	p.upgrader = websocket.Upgrader{
		HandshakeTimeout: writeWait,
		CheckOrigin:      func(r *http.Request) bool { return localOrigin(r.Header.Get("Origin")) },
	}
	p.routes = map[string]route{
		"/":                {http.MethodGet, p.servePage},
		"/api/state":       {http.MethodGet, p.serveState},
		"/api/journal":     {http.MethodGet, p.serveJournal},
		"/api/events":      {http.MethodGet, p.serveEvents},
		"/api/card":        {http.MethodPost, p.action("insert card", "the terminal is not waiting for a card", t.InsertCard)},
		"/api/sign":        {http.MethodPost, p.action("sign", "the terminal is not waiting for a signature", t.Sign)},
		"/api/card/remove": {http.MethodPost, p.action("remove card", "there is no card to remove", t.RemoveCard)},
		"/api/unplug":      {http.MethodPost, p.cable(false)},
		"/api/plug":        {http.MethodPost, p.cable(true)},
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

// ServeHTTP routes a request: unknown path 404, wrong method 405, a
// cross-site POST or WebSocket handshake 403.
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
	if (rt.method == http.MethodPost || r.URL.Path == "/api/events") && !localOrigin(r.Header.Get("Origin")) {
		p.log.Warn("panel: refusing a request from another site",
			zap.String("path", r.URL.Path), zap.String("origin", r.Header.Get("Origin")), zap.String("remote", r.RemoteAddr))
		writeError(w, http.StatusForbidden, "requests from other web sites are refused")
		return
	}
	rt.serve(w, r)
}

func (p *Panel) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY") // no clickjacking the buttons
	h.Set("Content-Length", strconv.Itoa(len(p.page)))
	w.Write(p.page)
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
		p.log.Error("panel: journal does not marshal", zap.Error(err))
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
			p.log.Info("panel: " + name)
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
			p.log.Info("panel: cable plugged in")
		} else {
			p.term.Unplug()
			p.log.Info("panel: cable pulled")
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
		Printed:  len(jobs),
		Receipts: []Receipt{},
		Clock:    p.clockState(),
	}
	for _, j := range jobs[max(0, len(jobs)-MaxReceipts):] {
		st.Receipts = append(st.Receipts, Receipt{At: j.At, Alert: j.Alert, Text: j.Text})
	}
	return st
}

// localOrigin: no Origin at all (not a browser page), or a page served from
// this machine. "null", other hosts and look-alikes such as
// localhost.example.com are refused.
func localOrigin(origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if u.User != nil || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
	default:
		return false
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	return true
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
