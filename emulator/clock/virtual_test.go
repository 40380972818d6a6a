package clock

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// recorder notes, for each fired timer, its name and the clock's time
// when it ran.
type recorder struct {
	mu    sync.Mutex
	fired []string
	at    []time.Duration
}

func (r *recorder) fn(v *Virtual, name string) func() {
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.fired = append(r.fired, name)
		r.at = append(r.at, v.Now().Sub(t0))
	}
}

func (r *recorder) got() ([]string, []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fired...), append([]time.Duration(nil), r.at...)
}

func TestAdvanceFiresInDeadlineOrderEachAtItsDeadline(t *testing.T) {
	v := NewVirtual(t0)
	var r recorder
	v.AfterFunc(3*time.Second, r.fn(v, "c"))
	v.AfterFunc(time.Second, r.fn(v, "a"))
	v.AfterFunc(2*time.Second, r.fn(v, "b1"))
	v.AfterFunc(2*time.Second, r.fn(v, "b2")) // a tie keeps the order set
	v.AfterFunc(5*time.Second, r.fn(v, "later"))
	v.Advance(4 * time.Second)
	names, at := r.got()
	want := []string{"a", "b1", "b2", "c"}
	if len(names) != len(want) {
		t.Fatalf("fired %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("fired %v, want %v", names, want)
		}
	}
	wantAt := []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second}
	for i := range wantAt {
		if at[i] != wantAt[i] {
			t.Fatalf("%s saw Now = +%v, want +%v", names[i], at[i], wantAt[i])
		}
	}
	if got := v.Now().Sub(t0); got != 4*time.Second {
		t.Fatalf("Now after Advance = +%v, want +4s", got)
	}
	if p := v.Pending(); len(p) != 1 || !p[0].Equal(t0.Add(5*time.Second)) {
		t.Fatalf("Pending = %v, want the one at +5s", p)
	}
}

func TestATimerFiresAtExactlyItsDeadlineNotBefore(t *testing.T) {
	v := NewVirtual(t0)
	var r recorder
	v.AfterFunc(30*time.Second, r.fn(v, "sign timeout"))
	v.Advance(29900 * time.Millisecond)
	if names, _ := r.got(); len(names) != 0 {
		t.Fatalf("fired %v at +29.9s", names)
	}
	v.Advance(100 * time.Millisecond)
	if names, at := r.got(); len(names) != 1 || at[0] != 30*time.Second {
		t.Fatalf("after +30s: fired %v at %v", names, at)
	}
}

func TestATimerSetByAFiredOneCountsInTheSameAdvance(t *testing.T) {
	v := NewVirtual(t0)
	var r recorder
	// The emulated customer presents the card after 1 s and signs 2 s later.
	v.AfterFunc(time.Second, func() {
		r.fn(v, "card")()
		v.AfterFunc(2*time.Second, r.fn(v, "sign"))
	})
	v.Advance(3 * time.Second)
	names, at := r.got()
	if len(names) != 2 || names[1] != "sign" || at[1] != 3*time.Second {
		t.Fatalf("fired %v at %v, want card at 1s then sign at 3s", names, at)
	}
}

func TestStop(t *testing.T) {
	v := NewVirtual(t0)
	var r recorder
	stop := v.AfterFunc(time.Second, r.fn(v, "stopped"))
	v.AfterFunc(time.Second, r.fn(v, "kept"))
	if !stop() {
		t.Fatal("stop of a pending timer reported false")
	}
	if stop() {
		t.Fatal("a second stop reported true")
	}
	v.Advance(time.Second)
	if names, _ := r.got(); len(names) != 1 || names[0] != "kept" {
		t.Fatalf("fired %v", names)
	}
	fired := v.AfterFunc(time.Second, func() {})
	v.Advance(time.Second)
	if fired() {
		t.Fatal("stop of a fired timer reported true")
	}
}

func TestAdvanceToNext(t *testing.T) {
	v := NewVirtual(t0)
	if d, ok := v.AdvanceToNext(); ok || d != 0 || !v.Now().Equal(t0) {
		t.Fatalf("with nothing pending: %v %v, Now +%v", d, ok, v.Now().Sub(t0))
	}
	var r recorder
	v.AfterFunc(60*time.Second, r.fn(v, "read timeout"))
	v.AfterFunc(1500*time.Millisecond, r.fn(v, "card"))
	if d, ok := v.AdvanceToNext(); !ok || d != 1500*time.Millisecond {
		t.Fatalf("first: %v %v", d, ok)
	}
	if d, ok := v.AdvanceToNext(); !ok || d != 58500*time.Millisecond {
		t.Fatalf("second: %v %v", d, ok)
	}
	if names, _ := r.got(); len(names) != 2 || names[1] != "read timeout" {
		t.Fatalf("fired %v", names)
	}
}

func TestZeroDelayFiresAtOnceAndNegativeAdvanceIsNothing(t *testing.T) {
	v := NewVirtual(t0)
	done := make(chan struct{})
	v.AfterFunc(0, func() { close(done) })
	<-done // fires without an Advance
	v.Advance(-time.Second)
	if !v.Now().Equal(t0) {
		t.Fatalf("Now moved to %v", v.Now())
	}
}

func TestConcurrentUse(t *testing.T) {
	v := NewVirtual(t0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for range 4 {
		wg.Go(func() {
			for i := range 100 {
				stop := v.AfterFunc(time.Duration(i%7+1)*time.Millisecond, func() { mu.Lock(); n++; mu.Unlock() })
				if i%5 == 0 {
					stop()
				}
				v.Pending()
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			v.Advance(time.Millisecond)
		}
	})
	wg.Wait()
	v.Advance(time.Second)
	mu.Lock()
	defer mu.Unlock()
	if n != 4*80 {
		t.Fatalf("%d timers fired, want %d", n, 4*80)
	}
	if len(v.Pending()) != 0 {
		t.Fatalf("left pending: %v", v.Pending())
	}
}

func TestWall(t *testing.T) {
	var c Clock = Or(nil)
	if _, ok := c.(Wall); !ok {
		t.Fatalf("Or(nil) = %T", c)
	}
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("Wall.Now is off by %v", d)
	}
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	if stop := c.AfterFunc(time.Hour, func() {}); !stop() {
		t.Fatal("stop of a pending wall timer reported false")
	}
}

// BenchmarkSetAndFire: one timer set and fired by Advance, the emulator's
// per-step cost on a virtual clock.
func BenchmarkSetAndFire(b *testing.B) {
	v := NewVirtual(t0)
	b.ReportAllocs()
	for b.Loop() {
		v.AfterFunc(time.Second, func() {})
		v.Advance(time.Second)
	}
}
