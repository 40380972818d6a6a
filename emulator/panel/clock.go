package panel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// The virtual clock's part of the API, present when the daemon runs with
// emulator.clock: virtual:
//
//	GET  /api/clock          ClockState
//	POST /api/clock/advance  {"by":"30s"} or {"to":"next"} (or ?by=30s, ?to=next)
//
// An advance answers the ClockState after it, with how far it moved in
// "advanced"; advancing "to next" with nothing pending is a 409. GET
// /api/state carries the same ClockState under "clock".

// VirtualClock is what the panel needs of a clock that moves when told.
type VirtualClock interface {
	Now() time.Time
	Pending() []time.Time
	Advance(d time.Duration)
	AdvanceToNext() (time.Duration, bool)
}

// ClockState is the virtual clock as the API shows it.
type ClockState struct {
	Now time.Time `json:"now"`
	// Pending is the time left to each pending timer, earliest first
	// ("29.9s"): the daemon's windows and the emulated customer's delays.
	Pending []string `json:"pending"`
	// Advanced is how far the request moved the clock (advance only).
	Advanced string `json:"advanced,omitempty"`
}

// maxAdvance bounds one advance: a day covers every window termd has.
const maxAdvance = 24 * time.Hour

// AttachClock puts a virtual clock under the panel's control. Call it
// before the panel serves its first request.
func (p *Panel) AttachClock(c VirtualClock) {
	p.clock = c
	p.routes["/api/clock"] = route{http.MethodGet, p.serveClock}
	p.routes["/api/clock/advance"] = route{http.MethodPost, p.advanceClock}
}

func (p *Panel) clockState() *ClockState {
	if p.clock == nil {
		return nil
	}
	now := p.clock.Now()
	st := &ClockState{Now: now, Pending: []string{}}
	for _, at := range p.clock.Pending() {
		st.Pending = append(st.Pending, at.Sub(now).String())
	}
	return st
}

func (p *Panel) serveClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.clockState())
}

// advanceRequest is the body of POST /api/clock/advance.
type advanceRequest struct {
	By string `json:"by"` // a Go duration: "30s", "1m", "500ms"
	To string `json:"to"` // "next": the earliest pending deadline
}

func (p *Panel) advanceClock(w http.ResponseWriter, r *http.Request) {
	req, err := readAdvance(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var moved time.Duration
	if req.To == "next" {
		d, ok := p.clock.AdvanceToNext()
		if !ok {
			writeError(w, http.StatusConflict, "no timer is pending")
			return
		}
		moved = d
	} else {
		d, _ := time.ParseDuration(req.By) // checked by readAdvance
		p.clock.Advance(d)
		moved = d
	}
	p.log.Debug("clock advanced", zap.Duration("by", moved))
	st := p.clockState()
	st.Advanced = moved.String()
	writeJSON(w, http.StatusOK, st)
}

// readAdvance reads ?by= / ?to= or a JSON body, and checks it.
func readAdvance(r *http.Request) (advanceRequest, error) {
	req := advanceRequest{By: r.URL.Query().Get("by"), To: r.URL.Query().Get("to")}
	if req.By == "" && req.To == "" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1024))
		if err != nil {
			return req, errors.New("the request body could not be read")
		}
		if len(body) > 0 && json.Unmarshal(body, &req) != nil {
			return req, errors.New(`the body must be {"by":"30s"} or {"to":"next"}`)
		}
	}
	switch {
	case req.To != "" && req.By != "":
		return req, errors.New(`give "by" or "to", not both`)
	case req.To != "":
		if req.To != "next" {
			return req, fmt.Errorf(`"to" must be "next", not %q`, req.To)
		}
		return req, nil
	case req.By == "":
		return req, errors.New(`say how far: {"by":"30s"} or {"to":"next"}`)
	}
	d, err := time.ParseDuration(req.By)
	if err != nil || d <= 0 || d > maxAdvance {
		return req, fmt.Errorf(`"by" must be a duration above 0 and at most %v, like "30s" or "500ms"`, maxAdvance)
	}
	return req, nil
}
