package pos

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
)

// Handler is the transaction engine as the listeners see it. Its methods
// are called from many clients' reader goroutines at once.
type Handler interface {
	// Frame is called from the client's reader goroutine for each frame
	// whose header is intact, body converted to UTF-8. It should return
	// promptly: the client's next frame is not read until it does, what
	// is Sent to this client meanwhile (from any goroutine) is written
	// when it returns, and Serve waits for it on shutdown.
	Frame(c *Client, f protocol.Frame)
	// Closed is called exactly once when the client's connection has ended
	// (after its last Frame call).
	Closed(c *Client)
}

// Holder is implemented by a Handler that knows which clients hold the
// terminal. When every client slot is taken, a newcomer closes the client
// idle longest that is not Busy; without a Holder no client is Busy.
type Holder interface {
	// Busy reports whether c owns a running transaction or a result
	// awaiting confirmation. It is called with the server's lock held, so
	// it must return promptly and must not call back into the Server.
	Busy(c *Client) bool
}

// Server owns the listeners, every client connection and every goroutine
// serving them.
type Server struct {
	cfg    Config
	h      Handler
	log    *zap.Logger
	policy *access.Policy

	tcpLn, wsLn net.Listener
	http        *access.Server
	upgrader    websocket.Upgrader

	nextID   atomic.Uint64
	serving  atomic.Bool
	activity atomic.Uint64 // ticks at every frame in or out: a client's last tick says how long it has been idle

	mu      sync.Mutex
	closed  bool
	slots   int                // reserved connections, registered or not
	clients map[uint64]*Client // registered connections, for shutdown
	conns   sync.WaitGroup     // one per goroutine serving or rejecting a connection
	loops   sync.WaitGroup     // the accept loops
}

// Listen binds the configured addresses, so their ports are known before
// Serve, and checks the security rules: an address that is not loopback
// needs cfg.Token. Errors name the address. The log is named "pos".
func Listen(cfg Config, h Handler, log *zap.Logger) (*Server, error) {
	if h == nil {
		return nil, errors.New("pos: listen: nil Handler")
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{
		cfg:     cfg.withDefaults(),
		h:       h,
		log:     log.Named("pos"),
		policy:  access.New(cfg.Token, cfg.WSOrigins),
		clients: make(map[uint64]*Client),
	}
	var err error
	if s.tcpLn, err = s.listen("tcp", cfg.TCP); err != nil {
		return nil, err
	}
	if s.wsLn, err = s.listen("ws", cfg.WS); err != nil {
		if s.tcpLn != nil {
			s.tcpLn.Close()
		}
		return nil, err
	}
	s.initWS()
	return s, nil
}

// listen binds addr ("" disables the transport) by the access policy: a
// non-loopback address needs the token.
func (s *Server) listen(transport, addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	// The error names the configuration key, which is all a user needs.
	return access.Listen("listen."+transport, addr, s.policy)
}

// TCPAddr is the bound TCP address, nil when TCP is disabled.
func (s *Server) TCPAddr() net.Addr { return addrOf(s.tcpLn) }

// WSAddr is the bound WebSocket address, nil when WebSocket is disabled.
func (s *Server) WSAddr() net.Addr { return addrOf(s.wsLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// Serve accepts clients until ctx ends, then stops accepting, closes every
// connection and waits for every goroutine: Accept then Close. It returns
// nil on a clean shutdown. Serve with an already cancelled ctx just
// releases the sockets.
func (s *Server) Serve(ctx context.Context) error {
	err := s.Accept(ctx)
	s.Close()
	return err
}

// Accept accepts clients until ctx ends or a listener fails, then stops
// accepting; the connections already open go on until Close. A daemon
// shutting down calls it, lets the engine finish what those connections
// wait for, then calls Close.
func (s *Server) Accept(ctx context.Context) error {
	if !s.serving.CompareAndSwap(false, true) {
		return ErrServing
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	if s.tcpLn != nil {
		s.loops.Go(func() { errc <- s.acceptTCP(ctx) })
	}
	if s.wsLn != nil {
		s.loops.Go(func() { errc <- s.serveWS() })
	}
	s.log.Info("listening", zap.Stringer("tcp", s.TCPAddr()), zap.Stringer("ws", s.WSAddr()))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	s.stopAccepting()
	return err
}

// Close closes every connection, each after its queued frames are written,
// and waits for every goroutine serving them.
func (s *Server) Close() {
	s.shutdown()
	s.loops.Wait()
	s.conns.Wait()
	s.log.Info("stopped")
}

// stopAccepting closes the listeners; connections already open go on.
func (s *Server) stopAccepting() {
	if s.tcpLn != nil {
		s.tcpLn.Close()
	}
	if s.http != nil {
		s.http.Close() // closes the listener; upgraded connections are ours
	}
}

// shutdown follows nats-server's order: stop accepting, then close every
// connection, each after its queued frames are written; Serve then waits.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.closed = true
	clients := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.stop(websocket.CloseGoingAway, "termd shutting down")
	}
	for _, c := range clients {
		c.waitWritten()
		c.link.close()
	}
}

var (
	errFull    = errors.New("too many clients")
	errClosing = errors.New("server shutting down")
)

// reserve takes a client slot and counts the caller's goroutine in conns;
// release gives both back. When every slot is taken, the slot of the
// client idle longest that is not busy is taken over, and that client is
// told why and closed (SPEC §5): a POS that leaks connections never locks
// itself out. Only when every client is busy is the newcomer refused.
func (s *Server) reserve() error {
	s.mu.Lock()
	var victim *Client
	switch {
	case s.closed:
		s.mu.Unlock()
		return errClosing
	case s.slots >= s.cfg.MaxClients:
		if victim = s.idlest(); victim == nil {
			s.mu.Unlock()
			return errFull
		}
		victim.evicted = true // its slot is the newcomer's now
	default:
		s.slots++
	}
	s.conns.Add(1)
	s.mu.Unlock()
	if victim != nil {
		victim.evict()
	}
	return nil
}

// enterFrame marks c's frame as being handled, unless c was closed to make
// room. A client is never chosen for eviction while its frame is handled,
// and none is handled once it was chosen: so a frame that starts a payment
// never arrives on a connection already given away.
func (s *Server) enterFrame(c *Client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.evicted {
		return false
	}
	c.framing = true
	return true
}

func (s *Server) leaveFrame(c *Client) {
	s.mu.Lock()
	c.framing = false
	s.mu.Unlock()
}

// idlest is the registered client idle longest that holds nothing, or nil.
// Called with s.mu held.
func (s *Server) idlest() *Client {
	holder, _ := s.h.(Holder)
	var victim *Client
	for _, c := range s.clients {
		if c.evicted || c.framing || (victim != nil && c.lastUse.Load() >= victim.lastUse.Load()) {
			continue
		}
		if holder == nil || !holder.Busy(c) {
			victim = c
		}
	}
	return victim
}

func (s *Server) release(c *Client) {
	s.mu.Lock()
	if c != nil {
		delete(s.clients, c.ID)
	}
	if c == nil || !c.evicted {
		s.slots--
	}
	s.mu.Unlock()
	s.conns.Done()
}

// track counts a short-lived goroutine in conns; false when shutting down.
// Adding only while not closed keeps every Add before conns.Wait.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns.Add(1)
	return true
}

// register makes c visible to shutdown; false when shutdown has begun.
func (s *Server) register(c *Client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	c.used()
	s.clients[c.ID] = c
	return true
}

// Each client's reader goroutine (readerTCP, readerWS) waits in a read all
// day, and the stack it waits with is memory per connection: the runtime
// halves an idle goroutine's stack at a collection only while less than a
// quarter of it is in use, and a stack grows when a frame no longer fits.
// So the reader's frames are kept small (no defer, no closure; logging and
// error handling, whose zap fields take hundreds of bytes, in helpers
// marked noinline), leaving the Handler room to answer a query without
// doubling the stack to 8 KB.

// ended closes a client whose reader returned, tells the Handler, and
// gives the client's slot back.
//
//go:noinline // keeps its frame off the reader's stack, see above
func (s *Server) ended(c *Client) {
	c.stop(0, "")
	c.waitWritten()
	c.link.close()
	s.h.Closed(c)
	c.logState("client disconnected")
	s.release(c)
}

// logState logs a client's arrival or departure.
//
//go:noinline // keeps its frame off the reader's stack, see above
func (c *Client) logState(msg string) { c.log.Info(msg, c.field()) }
