package access

import (
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Limits bound an HTTP server's connections, so that no kind of connection
// can use up the daemon's file descriptors (SPEC §5).
type Limits struct {
	// MaxConns bounds open connections, upgraded (WebSocket) ones included.
	// When all are open, a newcomer closes the one idle longest between
	// requests (or that never sent one); when none is idle it is refused.
	MaxConns int
	// ReadHeader bounds a request's header, Read the whole request, Idle
	// the wait for the next request on a kept-alive connection.
	ReadHeader, Read, Idle time.Duration
}

// Server is an http.Server held to Limits.
type Server struct {
	*http.Server
	conns *connTable
}

// NewServer returns a server for h held to lim, logging to log.
func NewServer(h http.Handler, lim Limits, log *zap.Logger) *Server {
	t := &connTable{max: lim.MaxConns, idle: map[*trackedConn]uint64{}}
	return &Server{
		Server: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: lim.ReadHeader,
			ReadTimeout:       lim.Read,
			IdleTimeout:       lim.Idle,
			MaxHeaderBytes:    16 << 10,
			ConnState:         t.state,
			ErrorLog:          zap.NewStdLog(log),
		},
		conns: t,
	}
}

// Serve serves ln under the connection limit.
func (s *Server) Serve(ln net.Listener) error {
	return s.Server.Serve(&limitListener{Listener: ln, t: s.conns})
}

// Open is the number of open connections, for tests and the log.
func (s *Server) Open() int {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	return s.conns.open
}

// connTable counts open connections and knows which are idle, and since
// when (a sequence number, so "idle longest" needs no clock).
type connTable struct {
	max  int
	mu   sync.Mutex
	open int
	idle map[*trackedConn]uint64
	seq  uint64
}

// admit counts c in, choosing an idle victim to close when the table is
// full; ok is false when every connection is busy.
func (t *connTable) admit(c *trackedConn) (victim *trackedConn, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.max > 0 && t.open >= t.max {
		var oldest uint64
		for ic, since := range t.idle {
			if victim == nil || since < oldest {
				victim, oldest = ic, since
			}
		}
		if victim == nil {
			return nil, false
		}
		delete(t.idle, victim)
	}
	t.open++
	t.seq++
	t.idle[c] = t.seq // idle until its first request
	return victim, true
}

// state follows the server's view of each connection.
func (t *connTable) state(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*trackedConn)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case c.closed:
	case st == http.StateIdle:
		t.seq++
		t.idle[c] = t.seq
	default: // active, hijacked (now a WebSocket), closed
		delete(t.idle, c)
	}
}

func (t *connTable) closed(c *trackedConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !c.closed {
		c.closed = true
		t.open--
		delete(t.idle, c)
	}
}

var (
	_ net.Conn     = (*trackedConn)(nil)
	_ net.Listener = (*limitListener)(nil)
)

// trackedConn leaves the table when it is closed, by the server, by a
// WebSocket that took it over, or as a victim.
type trackedConn struct {
	net.Conn
	t      *connTable
	closed bool // guarded by t.mu
}

func (c *trackedConn) Close() error {
	c.t.closed(c)
	return c.Conn.Close()
}

type limitListener struct {
	net.Listener
	t *connTable
}

// Accept returns the next connection the table admits; a connection
// refused because every other one is busy is closed at once.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &trackedConn{Conn: nc, t: l.t}
		victim, ok := l.t.admit(c)
		if victim != nil {
			victim.Close()
		}
		if ok {
			return c, nil
		}
		nc.Close()
	}
}
