package engine

import "time"

// timer is one armed timer of the loop; gen tells its firing from that of
// an earlier arming it replaced.
type timer struct {
	stop func() bool
	gen  uint64
}

type firing struct {
	kind timerKind
	gen  uint64
}

// arm starts (or restarts) the timer of kind k on the engine's clock; it
// fires into the loop.
func (e *Engine) arm(k timerKind, d time.Duration) {
	e.disarm(k)
	f := firing{k, e.timers[k].gen}
	e.timers[k].stop = e.cfg.Clock.AfterFunc(d, func() {
		select {
		case e.fired <- f:
		case <-e.stopped:
		}
	})
}

func (e *Engine) disarm(k timerKind) {
	t := &e.timers[k]
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	t.gen++
}

func (e *Engine) disarmAll() {
	for k := range e.timers {
		e.disarm(timerKind(k))
	}
}
