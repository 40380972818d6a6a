package pos

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/access"
)

func (s *Server) initWS() {
	if s.wsLn == nil {
		return
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: s.cfg.FrameTimeout,
		// The Origin allow-list is applied before Upgrade (see admitWS),
		// where a refusal can be logged and answered 403.
		CheckOrigin: func(*http.Request) bool { return true },
		// A POS connection is idle nearly all day and writes a few answers
		// a minute: a write buffer taken from a pool for each message, not
		// one held by every connection (4 KB each).
		WriteBufferPool: &sync.Pool{},
	}
	// Plain HTTP requests and handshakes in progress have the frame
	// deadline and a share of connections beyond the client slots; an
	// upgraded connection is a client and holds a slot.
	s.http = access.NewServer(http.HandlerFunc(s.serveHTTP), access.Limits{
		MaxConns:   s.cfg.MaxClients + httpSpare,
		ReadHeader: s.cfg.FrameTimeout,
		Read:       s.cfg.FrameTimeout,
		Idle:       httpIdle,
	}, s.log.Named("http"))
}

func (s *Server) serveWS() error {
	if err := s.http.Serve(s.wsLn); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pos: serve ws %s: %w", s.wsLn.Addr(), err)
	}
	return nil
}

// serveHTTP admits a WebSocket client: path, Origin, token, client limit,
// then the upgrade. Nothing here logs the URL, whose query may hold the
// token.
//
// The client's reader is a goroutine of its own (counted in conns by
// reserve, like a TCP client's) and the request's goroutine returns: net/http
// then lets go of what it keeps while a handler runs — a 4 KB write buffer
// and a deep stack — which an idle connection would otherwise hold all day.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	c, conn := s.admitWS(w, r)
	if c == nil {
		return
	}
	go s.readerWS(c, conn)
}

// readerWS is the reader goroutine of a WebSocket client (see
// Server.ended about its frames).
func (s *Server) readerWS(c *Client, conn *websocket.Conn) {
	c.logState("client connected")
	s.readWS(c, conn)
	s.ended(c)
}

// admitWS does serveHTTP's checks and the upgrade, and returns the
// registered client, or nil when the request was answered otherwise.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (s *Server) admitWS(w http.ResponseWriter, r *http.Request) (*Client, *websocket.Conn) {
	if r.URL.Path != WSPath {
		http.NotFound(w, r)
		return nil, nil
	}
	if status, why := s.policy.Admit(access.PeerAddr(r.RemoteAddr), r); status != 0 {
		if websocket.IsWebSocketUpgrade(r) {
			s.refuseWS(w, r, status, why)
		} else {
			s.policy.Refused(w, r, status, why, s.log)
		}
		return nil, nil
	}
	if err := s.reserve(); err != nil {
		s.log.Warn("refusing websocket client", zap.String("remote", r.RemoteAddr), zap.Error(err))
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return nil, nil
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil { // Upgrade has answered the client
		s.log.Debug("websocket upgrade failed", zap.String("remote", r.RemoteAddr), zap.Error(err))
		s.release(nil)
		return nil, nil
	}
	c := newClient(s, "ws", r.RemoteAddr, protocol.UTF8)
	c.link = &wsLink{conn: conn}
	c.authed = true // admitWS has checked the token
	if !s.register(c) {
		conn.Close()
		s.release(nil)
		return nil, nil
	}
	return c, conn
}

// readWS is the reader goroutine of a WebSocket client: one frame per
// message. A broken frame is answered and the connection stays open; a
// message over MaxFrame or one that stalls is answered and the connection
// closed.
//
// The size limit is enforced here, not with SetReadLimit: gorilla sends its
// close frame the moment it sees the length, before we could answer 9002.
func (s *Server) readWS(c *Client, conn *websocket.Conn) {
	for {
		conn.SetReadDeadline(time.Time{}) // idle clients are kept
		_, r, err := conn.NextReader()
		if err != nil || !s.readMessageWS(c, conn, r) {
			c.readEnded(err)
			return
		}
	}
}

// readMessageWS reads the message r into a pooled buffer and handles it;
// false means the connection ends.
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (s *Server) readMessageWS(c *Client, conn *websocket.Conn, r io.Reader) bool {
	conn.SetReadDeadline(time.Now().Add(s.cfg.FrameTimeout))
	buf := getBuffer()
	defer putBuffer(buf)
	msg, err := readMessage(r, *buf)
	*buf = msg
	return s.handleWS(c, conn, msg, err)
}

// readEnded logs why a reader stopped (err nil: it said already).
//
//go:noinline // keeps its frame off the reader's stack, see Server.ended
func (c *Client) readEnded(err error) {
	if err != nil {
		c.log.Debug("read ended", c.field(), zap.Error(err))
	}
}

// handleWS handles one message read by readWS (err: how reading it ended)
// and reports whether the connection goes on. The body handed to the
// Handler is a copy: msg is a pooled buffer.
func (s *Server) handleWS(c *Client, conn *websocket.Conn, msg []byte, err error) bool {
	switch {
	case err != nil && isTimeout(err):
		c.frameError(protocol.ResultInvalid, msgFrameLate)
		c.stop(websocket.ClosePolicyViolation, "frame timeout")
		return false // the connection is unusable after a read timeout
	case err != nil:
		c.readEnded(err)
		return false
	case len(msg) > protocol.MaxFrame:
		c.frameError(protocol.ResultInvalid, msgTooLong)
		c.stop(websocket.CloseMessageTooBig, "message too big")
		lingerWS(conn)
		return false
	}
	f, err := protocol.Parse(msg)
	if err != nil {
		c.frameError(protocol.ResultInvalid, msgHeader)
		return true
	}
	if len(f.Body) > 0 {
		f.Body = append([]byte(nil), f.Body...)
	}
	if c.deliver(f) != nil {
		c.stop(websocket.ClosePolicyViolation, "authentication failed")
		lingerWS(conn)
		return false
	}
	return true
}

// readMessage reads one message into buf, at most MaxFrame+1 bytes (one
// more than allowed, so an oversized message is told from a full one).
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), protocol.MaxFrame+1)])
		buf = buf[:len(buf)+n]
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) > protocol.MaxFrame:
			return buf, nil
		}
	}
}

// lingerWS reads until the peer answers our close message (or lingerWait
// passes), so the close handshake completes before the socket is closed.
func lingerWS(conn *websocket.Conn) {
	conn.SetReadDeadline(time.Now().Add(lingerWait))
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// wsLink is the writer's side of a WebSocket client. gorilla allows one
// writer plus concurrent Close, which is exactly our use.
//
// Its write deadline is set for every message: gorilla applies the deadline
// to the socket at each write anyway, and a rarely renewed one (as tcpLink
// keeps) measured slower here.
type wsLink struct{ conn *websocket.Conn }

func (l *wsLink) write(frame []byte) error {
	if err := l.conn.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	return l.conn.WriteMessage(websocket.TextMessage, frame)
}

func (l *wsLink) finish(code int, text string) {
	if code != 0 {
		msg := websocket.FormatCloseMessage(code, text)
		l.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
}

func (l *wsLink) close() { l.conn.Close() }
