package access

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// Failed authentications are slowed down per peer address: the first
// failure waits firstDelay, each next one twice as long, up to maxDelay. A
// peer that has not failed for forgetAfter starts again from the first
// delay, and the table forgets the oldest peers beyond maxPeers, so a
// flood of addresses cannot grow it without bound.
const (
	firstDelay  = 250 * time.Millisecond
	maxDelay    = 8 * time.Second
	forgetAfter = 10 * time.Minute
	maxPeers    = 1024
)

type strike struct {
	n    int
	last time.Time
}

type strikes struct {
	mu    sync.Mutex
	peers map[netip.Addr]strike
}

func newStrikes() *strikes { return &strikes{peers: map[netip.Addr]strike{}} }

// fail counts a failure of peer and returns how long to wait before
// answering it.
func (s *strikes) fail(peer netip.Addr, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.peers[peer]
	if now.Sub(st.last) > forgetAfter {
		st.n = 0
	}
	st.n++
	st.last = now
	if _, known := s.peers[peer]; !known && len(s.peers) >= maxPeers {
		s.forgetOldest()
	}
	s.peers[peer] = st
	return min(firstDelay<<min(st.n-1, 16), maxDelay)
}

func (s *strikes) forgetOldest() {
	var oldest netip.Addr
	var at time.Time
	for a, st := range s.peers {
		if at.IsZero() || st.last.Before(at) {
			oldest, at = a, st.last
		}
	}
	delete(s.peers, oldest)
}

// Failed records a failed authentication from peer and waits the peer's
// growing delay (or until ctx ends) before the caller answers it, so that
// guessing the token is slow. It returns the delay, for the log.
func (p *Policy) Failed(ctx context.Context, peer netip.Addr) time.Duration {
	d := p.strikes.fail(peer, time.Now())
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return d
}
