package access

import (
	"context"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

// TestFailedDelays: each failure of a peer waits twice as long as the one
// before, up to the cap; another peer starts from the first delay; a peer
// quiet for long enough starts over.
func TestFailedDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New("0123456789abcdef", nil)
		a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
		timed := func(peer netip.Addr) time.Duration {
			start := time.Now()
			d := p.Failed(context.Background(), peer)
			if waited := time.Since(start); waited != d {
				t.Fatalf("waited %v, reported %v", waited, d)
			}
			return d
		}
		want := firstDelay
		for i := range 8 {
			if d := timed(a); d != want {
				t.Fatalf("failure %d of a: %v, want %v", i+1, d, want)
			}
			want = min(2*want, maxDelay)
		}
		if d := timed(b); d != firstDelay {
			t.Errorf("first failure of another peer: %v, want %v", d, firstDelay)
		}
		time.Sleep(forgetAfter + time.Second)
		if d := timed(a); d != firstDelay {
			t.Errorf("after %v quiet: %v, want %v", forgetAfter, d, firstDelay)
		}
	})
}

// TestFailedEndsWithContext: a connection that goes away is not held.
func TestFailedEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New("0123456789abcdef", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		p.Failed(ctx, netip.MustParseAddr("10.0.0.1"))
		if time.Since(start) != 0 {
			t.Error("a cancelled wait still waited")
		}
	})
}

// TestStrikesBounded: a flood of peer addresses does not grow the table
// past maxPeers.
func TestStrikesBounded(t *testing.T) {
	s := newStrikes()
	now := time.Now()
	for i := range 3 * maxPeers {
		s.fail(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), now.Add(time.Duration(i)))
	}
	if len(s.peers) > maxPeers {
		t.Fatalf("%d peers remembered, at most %d", len(s.peers), maxPeers)
	}
}
