package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/termd/termd/protocol"
)

// control is the emulator's control panel: the customer, the cable and the
// virtual clock.
type control struct {
	base string
	http *http.Client
}

func newControl(base string) *control {
	return &control{base: base, http: &http.Client{Timeout: 10 * time.Second}}
}

var actionPath = map[string]string{
	"card": "/api/card", "sign": "/api/sign", "remove": "/api/card/remove",
	"unplug": "/api/unplug", "plug": "/api/plug",
}

var errNoControl = errors.New("no control panel to ask (start termd with emulator.control, or pass --control)")

func (c *control) act(action string) error {
	_, err := c.post(actionPath[action], nil)
	return err
}

// clockState is the panel's view of the virtual clock.
type clockState struct {
	Now      time.Time `json:"now"`
	Pending  []string  `json:"pending"`
	Advanced string    `json:"advanced"`
}

func (s clockState) next() (time.Duration, bool) {
	if len(s.Pending) == 0 {
		return 0, false
	}
	d, err := time.ParseDuration(s.Pending[0])
	return d, err == nil
}

func (c *control) post(path string, body any) ([]byte, error) {
	if c.base == "" {
		return nil, errNoControl
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	resp, err := c.http.Post(c.base+path, "application/json", rd)
	return c.answer(path, resp, err)
}

func (c *control) get(path string) ([]byte, error) {
	if c.base == "" {
		return nil, errNoControl
	}
	resp, err := c.http.Get(c.base + path)
	return c.answer(path, resp, err)
}

func (c *control) answer(path string, resp *http.Response, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("control panel %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/api/clock") {
			return nil, fmt.Errorf("control panel %s: HTTP 404: termd is not on a virtual clock (emulator.clock: virtual)", path)
		}
		return nil, fmt.Errorf("control panel %s: HTTP %d: %s", path, resp.StatusCode, e.Error)
	}
	return b, nil
}

func (c *control) clock() (clockState, error) {
	var st clockState
	b, err := c.get("/api/clock")
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return st, err
}

// settle waits until the clock's pending timers stop changing: what the
// last step set in motion (a request on its way to the terminal, a final
// answer and the window it opens) has then had its chance to set its
// timers, so an advance that follows counts them. With nothing pending it
// waits a little longer (emptyWait) for a first timer to appear. It polls
// with a deadline; it never waits blind.
func (c *control) settle() (clockState, error) {
	const (
		every     = 5 * time.Millisecond
		stable    = 8 // polls in a row that look the same
		emptyWait = 200 * time.Millisecond
		limit     = 2 * time.Second
	)
	start := time.Now()
	prev, err := c.clock()
	same := 0
	for err == nil && time.Since(start) < limit {
		if same >= stable && (len(prev.Pending) > 0 || time.Since(start) >= emptyWait) {
			break
		}
		t := time.NewTimer(every)
		<-t.C
		var cur clockState
		if cur, err = c.clock(); err != nil {
			break
		}
		if cur.Now.Equal(prev.Now) && fmt.Sprint(cur.Pending) == fmt.Sprint(prev.Pending) {
			same++
		} else {
			same = 0
		}
		prev = cur
	}
	return prev, err
}

// advanceBy moves the clock by d one deadline at a time, settling between,
// so a chain of timers (card, then signature, then the host) plays out in
// order within one step.
func (c *control) advanceBy(d time.Duration) error {
	for d > 0 {
		st, err := c.settle()
		if err != nil {
			return err
		}
		step := d
		if next, ok := st.next(); ok && next < d {
			step = next
		}
		if step > 0 {
			if _, err := c.post("/api/clock/advance", map[string]string{"by": step.String()}); err != nil {
				return err
			}
		}
		d -= step
		if step == 0 { // a timer due now: fire it
			if _, err := c.post("/api/clock/advance", map[string]string{"to": "next"}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *control) advanceToNext() error {
	if _, err := c.settle(); err != nil {
		return err
	}
	_, err := c.post("/api/clock/advance", map[string]string{"to": "next"})
	return err
}

func (x *play) advance(st *Step) (expected, got string) {
	var err error
	if st.ToNext {
		err = x.ctl.advanceToNext()
	} else {
		err = x.ctl.advanceBy(st.By)
	}
	if err != nil {
		return "advance the virtual clock", err.Error()
	}
	return "", ""
}

// waitVirtual waits for a frame on k while letting at most within pass on
// the virtual clock: whenever nothing is coming, the clock is advanced to
// its next deadline, if that is inside the window.
func (x *play) waitVirtual(k *conn, within time.Duration) (f protocol.Frame, ok, closed bool, waited string) {
	waited = within.String() + " of virtual time"
	st, err := x.ctl.clock()
	if err != nil {
		return f, false, false, waited + " (" + err.Error() + ")"
	}
	end := st.Now.Add(within)
	wallEnd := time.Now().Add(DefaultWithin)
	for time.Now().Before(wallEnd) {
		t := time.NewTimer(20 * time.Millisecond)
		f, ok, closed = k.next(t.C)
		t.Stop()
		if ok || closed {
			return f, ok, closed, waited
		}
		cur, err := x.ctl.settle()
		if err != nil {
			return f, false, false, waited + " (" + err.Error() + ")"
		}
		if next, has := cur.next(); has && !cur.Now.Add(next).After(end) {
			if err := x.ctl.advanceToNext(); err != nil {
				return f, false, false, waited + " (" + err.Error() + ")"
			}
		}
	}
	return f, false, false, waited
}
