package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/termd/termd/protocol"
)

// DefaultWithin is how long an expect waits (wall time) when its step
// gives no within:.
const DefaultWithin = 5 * time.Second

// Runner runs scenarios against a Target.
type Runner struct {
	Target Target
	// Transport, when set (tcp or ws), replaces every connection's own,
	// so one library runs over both.
	Transport string
}

// Result is how one scenario went.
type Result struct {
	Scenario *Scenario
	Duration time.Duration
	Failure  *Failure // nil when it passed
}

// Failure says where and how a scenario failed.
type Failure struct {
	Line     int    // of the failed step (the scenario's own line when it never started)
	Step     string // the step's kind, or "start"
	Expected string
	Got      string
	Frames   []ConnFrames
	Log      string // the end of termd's log, when the runner started it
}

// ConnFrames is the last frames of one connection, oldest first ("> "
// sent, "< " received).
type ConnFrames struct {
	Conn   string
	Frames []string
}

var runSeq atomic.Uint64

// Run runs one scenario from start to end.
func (r *Runner) Run(ctx context.Context, s *Scenario) Result {
	start := time.Now()
	res := Result{Scenario: s}
	ep, stop, err := r.Target.Start(ctx, s)
	if err != nil {
		res.Failure = &Failure{Line: s.Line, Step: "start", Expected: "a termd ready for the scenario", Got: err.Error()}
		res.Duration = time.Since(start)
		return res
	}
	x := newPlay(r, s, ep)
	fail := x.steps(ctx)
	if fail != nil {
		fail.Frames = x.frames() // before closing adds "(closed)" to each
	}
	x.closeAll()
	log := stop()
	if fail != nil {
		fail.Log = log
		res.Failure = fail
	}
	res.Duration = time.Since(start)
	return res
}

// play is one run of one scenario.
type play struct {
	r     *Runner
	s     *Scenario
	ep    Endpoints
	vars  vars
	conns map[string]*conn
	order []string
	poke  chan struct{}
	ctl   *control
}

func newPlay(r *Runner, s *Scenario, ep Endpoints) *play {
	x := &play{r: r, s: s, ep: ep, vars: vars{}, conns: map[string]*conn{}, poke: make(chan struct{}, 1), ctl: newControl(ep.Control)}
	for k, v := range s.Vars {
		x.vars[k] = v
	}
	x.vars["run"] = fmt.Sprintf("%x%03d", time.Now().UnixMilli()%0xffffffff, runSeq.Add(1)%1000)
	x.vars["today"] = time.Now().Format("20060102")
	for _, c := range s.Conns {
		x.order = append(x.order, c.Name)
	}
	return x
}

func (x *play) transport(name string) string {
	if x.r.Transport != "" {
		return x.r.Transport
	}
	for _, c := range x.s.Conns {
		if c.Name == name {
			return c.Transport
		}
	}
	return "tcp"
}

func (x *play) steps(ctx context.Context) *Failure {
	for _, name := range x.order {
		if err := x.connect(ctx, name); err != nil {
			return &Failure{Line: x.s.Line, Step: "connect", Expected: "connection " + name, Got: err.Error()}
		}
	}
	for _, st := range x.s.Steps {
		if st.Only != "" && x.transport(x.on(st)) != st.Only {
			continue
		}
		if expected, got := x.step(ctx, st); expected != "" || got != "" {
			return &Failure{Line: st.Line, Step: st.Kind, Expected: expected, Got: got}
		}
		if ctx.Err() != nil {
			return &Failure{Line: st.Line, Step: st.Kind, Expected: "to run on", Got: "interrupted"}
		}
	}
	return nil
}

func (x *play) on(st *Step) string {
	if st.On != "" {
		return st.On
	}
	return x.order[0]
}

func (x *play) connect(ctx context.Context, name string) error {
	if old := x.conns[name]; old != nil {
		old.close()
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	k, err := dial(dctx, name, x.transport(name), x.ep, x.poke)
	if err != nil {
		return err
	}
	x.conns[name] = k
	return nil
}

func (x *play) closeAll() {
	for _, k := range x.conns {
		k.close()
	}
}

func (x *play) frames() []ConnFrames {
	var out []ConnFrames
	for _, name := range x.order {
		if k := x.conns[name]; k != nil {
			out = append(out, ConnFrames{name, k.frames()})
		}
	}
	return out
}

// step runs one step; a failure returns what was expected and what came.
func (x *play) step(ctx context.Context, st *Step) (expected, got string) {
	k := x.conns[x.on(st)]
	switch st.Kind {
	case KindConnect:
		if err := x.connect(ctx, st.On); err != nil {
			return "to connect " + st.On, err.Error()
		}
		return "", ""
	case KindAdvance:
		return x.advance(st)
	case KindCustomer, KindCable:
		if err := x.ctl.act(st.Action); err != nil {
			return st.Kind + " " + st.Action, err.Error()
		}
		return "", ""
	case KindSilence:
		return x.silence(st)
	case KindShutdown:
		if x.ep.Shutdown == nil {
			return "to stop termd", "this termd was not started by the runner (--addr/--ws/--control)"
		}
		if err := x.ep.Shutdown(); err != nil {
			return "to stop termd", err.Error()
		}
		return "", ""
	}
	if k == nil {
		return "connection " + x.on(st), "it is not connected (disconnected earlier?)"
	}
	switch st.Kind {
	case KindDisconnect:
		k.close()
		delete(x.conns, st.On)
	case KindAwait:
		return x.await(k, st)
	case KindSend, KindQuery:
		if e, g := x.send(k, st); e != "" {
			return e, g
		}
		if st.Kind == KindQuery {
			return x.expect(k, st.Expect)
		}
	case KindExpect:
		return x.expect(k, st.Expect)
	case KindCapture:
		k.mu.Lock()
		last := k.last
		k.mu.Unlock()
		return x.capture(last, st.Capture)
	case KindClosed:
		return x.closed(k)
	}
	return "", ""
}

func (x *play) send(k *conn, st *Step) (expected, got string) {
	if st.Raw != "" || (st.Code == "" && st.Text == "") {
		if err := k.sendRaw([]byte(x.vars.text(st.Raw))); err != nil {
			return "to send on " + k.name, err.Error()
		}
		return "", ""
	}
	body := []byte(x.vars.text(st.Text))
	if st.Body != nil {
		b, err := json.Marshal(x.vars.value(st.Body))
		if err != nil {
			return "a body that is JSON", err.Error()
		}
		body = b
	}
	if err := k.send(protocol.Frame{Code: protocol.Code(st.Code), Body: body}); err != nil {
		return "to send on " + k.name, err.Error()
	}
	return "", ""
}

// expect waits for the next frame on k and checks it.
func (x *play) expect(k *conn, e *Expectation) (expected, got string) {
	want := e.describe(x.vars) + " on " + k.name
	var (
		f      = protocol.Frame{}
		ok     bool
		closed bool
		waited string
	)
	if e.Virtual {
		f, ok, closed, waited = x.waitVirtual(k, e.Within)
	} else {
		within := cmp(e.Within, DefaultWithin)
		t := time.NewTimer(within)
		f, ok, closed = k.next(t.C)
		t.Stop()
		waited = within.String()
	}
	switch {
	case closed:
		return want, "the connection closed"
	case !ok:
		return want, "nothing within " + waited
	}
	if why := e.check(f, x.vars); why != "" {
		return want, f.String() + "\n(" + why + ")"
	}
	if e.Capture != nil {
		return x.capture(f, e.Capture)
	}
	return "", ""
}

func (x *play) capture(f protocol.Frame, names map[string]string) (expected, got string) {
	doc, err := decode(f.Body)
	if err != nil {
		return "a JSON frame to capture from", f.String()
	}
	for name, path := range names {
		v, ok := lookup(doc, path)
		if !ok {
			return "capture " + name + " from " + path, f.String() + "\n(" + path + " is absent)"
		}
		x.vars[name] = v
	}
	return "", ""
}

// closed waits for k to end with no further frame.
func (x *play) closed(k *conn) (expected, got string) {
	t := time.NewTimer(DefaultWithin)
	defer t.Stop()
	f, ok, closed := k.next(t.C)
	switch {
	case closed:
		return "", ""
	case ok:
		return k.name + " closed", f.String()
	}
	return k.name + " closed", "still open after " + DefaultWithin.String()
}

// silence fails if a frame arrives on the step's connection (every
// connection, when the step names none) within st.Silence.
func (x *play) silence(st *Step) (expected, got string) {
	watch := x.order
	if st.On != "" {
		watch = []string{st.On}
	}
	want := "nothing for " + st.Silence.String()
	t := time.NewTimer(st.Silence)
	defer t.Stop()
	for {
		for _, name := range watch {
			k := x.conns[name]
			if k == nil {
				continue
			}
			k.mu.Lock()
			held := len(k.held)
			k.mu.Unlock()
			if held > 0 {
				f, _, _ := k.next(nil)
				return want + " on " + name, f.String()
			}
			select {
			case f, open := <-k.in:
				if open {
					return want + " on " + name, f.String()
				}
				return want + " on " + name, "the connection closed"
			default:
			}
		}
		select {
		case <-x.poke:
		case <-t.C:
			return "", ""
		}
	}
}

// describe says what an expectation waits for, in the scenario's terms.
func (e *Expectation) describe(v vars) string {
	parts := []string{"code " + e.Code}
	if e.ResultCode != "" {
		parts = append(parts, "resultCode "+v.text(e.ResultCode))
	}
	if e.ResultMessage != "" {
		parts = append(parts, "resultMessage "+v.text(e.ResultMessage))
	}
	for p, n := range e.Fields {
		parts = append(parts, p+" "+v.text(n.Value))
	}
	for p, re := range e.Match {
		parts = append(parts, p+" ~ /"+v.text(re)+"/")
	}
	for _, p := range e.Absent {
		parts = append(parts, "no "+p)
	}
	return strings.Join(parts, ", ")
}

// await asks again (every pollEvery) until the answer matches or the
// step's within passes. Frames of other codes that come meanwhile are kept
// for the steps after.
func (x *play) await(k *conn, st *Step) (expected, got string) {
	const pollEvery = 20 * time.Millisecond
	e := st.Expect
	want := e.describe(x.vars) + " on " + k.name
	deadline := time.Now().Add(cmp(e.Within, DefaultWithin))
	last := "no answer"
	for time.Now().Before(deadline) {
		if exp, g := x.send(k, st); exp != "" {
			return exp, g
		}
		f, err := k.answer(protocol.Code(st.Code), deadline)
		if err != "" {
			return want, err
		}
		why := e.check(f, x.vars)
		if why == "" {
			if e.Capture != nil {
				return x.capture(f, e.Capture)
			}
			return "", ""
		}
		last = f.String() + "\n(" + why + ")"
		t := time.NewTimer(pollEvery)
		<-t.C
	}
	return want + " (asked until " + cmp(e.Within, DefaultWithin).String() + " passed)", last
}
