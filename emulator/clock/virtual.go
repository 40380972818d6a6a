package clock

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

// CallbackWait bounds how long Advance waits for one fired function to
// return before it moves on to the next deadline. Fired functions normally
// hand their work to a loop and return at once; the bound keeps a stopped
// loop from wedging the clock.
const CallbackWait = 2 * time.Second

// Virtual is a clock that moves only when Advance or AdvanceToNext is
// called. Timers fire in deadline order (ties in the order they were set),
// each seeing Now equal to its own deadline, and Advance waits for each
// fired function to return before firing the next, so a function that sets
// a new timer (the emulated customer signing 2 s after the card) has it
// counted in the same Advance. Safe for concurrent use.
type Virtual struct {
	adv sync.Mutex // one Advance at a time

	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers timerHeap
	seq    uint64
}

var _ Clock = (*Virtual)(nil)

// NewVirtual returns a virtual clock that reads start until advanced.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start}
}

type timer struct {
	at    time.Time
	seq   uint64
	f     func()
	index int // in the heap; -1 once fired or stopped
}

// Now is the clock's current time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc calls f in its own goroutine once the clock has been advanced
// by d. A d of zero or less calls it at once, as time.AfterFunc does.
func (v *Virtual) AfterFunc(d time.Duration, f func()) func() bool {
	if d <= 0 {
		go f()
		return func() bool { return false }
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &timer{at: v.now.Add(d), seq: v.seq, f: f}
	heap.Push(&v.timers, t)
	return func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		if t.index < 0 {
			return false
		}
		heap.Remove(&v.timers, t.index)
		return true
	}
}

// Pending returns the deadlines of the timers not yet fired, earliest first.
func (v *Virtual) Pending() []time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]time.Time, len(v.timers))
	for i, t := range v.timers {
		out[i] = t.at
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// Advance moves the clock forward by d, firing every timer due on the way.
// A negative d is treated as zero.
func (v *Virtual) Advance(d time.Duration) {
	v.adv.Lock()
	defer v.adv.Unlock()
	v.mu.Lock()
	target := v.now.Add(max(d, 0))
	v.mu.Unlock()
	for v.fireNext(target) {
	}
	v.mu.Lock()
	if target.After(v.now) {
		v.now = target
	}
	v.mu.Unlock()
}

// AdvanceToNext moves the clock to the earliest pending deadline and fires
// what is due there. It reports how far the clock moved, and false when no
// timer was pending (the clock then stays where it is).
func (v *Virtual) AdvanceToNext() (time.Duration, bool) {
	v.mu.Lock()
	if len(v.timers) == 0 {
		v.mu.Unlock()
		return 0, false
	}
	d := v.timers[0].at.Sub(v.now)
	v.mu.Unlock()
	v.Advance(d)
	return d, true
}

// fireNext fires the earliest timer due by target and reports whether
// there was one.
func (v *Virtual) fireNext(target time.Time) bool {
	v.mu.Lock()
	if len(v.timers) == 0 || v.timers[0].at.After(target) {
		v.mu.Unlock()
		return false
	}
	t := heap.Pop(&v.timers).(*timer)
	if t.at.After(v.now) {
		v.now = t.at
	}
	v.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.f()
	}()
	wait := time.NewTimer(CallbackWait)
	defer wait.Stop()
	select {
	case <-done:
	case <-wait.C:
	}
	return true
}

// timerHeap orders timers by deadline, then by the order they were set.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
