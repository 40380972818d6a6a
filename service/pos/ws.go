package pos

import (
	"errors"
	"fmt"
	"io"
	"net/http"
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
// then the upgrade; the request's goroutine becomes the client's reader.
// Nothing here logs the URL, whose query may hold the token.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != WSPath {
		http.NotFound(w, r)
		return
	}
	if status, why := s.policy.Admit(access.PeerAddr(r.RemoteAddr), r); status != 0 {
		s.policy.Refused(w, r, status, why, s.log)
		return
	}
	if err := s.reserve(); err != nil {
		s.log.Warn("refusing websocket client", zap.String("remote", r.RemoteAddr), zap.Error(err))
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil { // Upgrade has answered the client
		s.log.Debug("websocket upgrade failed", zap.String("remote", r.RemoteAddr), zap.Error(err))
		s.release(nil)
		return
	}
	c := newClient(s, "ws", r.RemoteAddr, protocol.UTF8)
	c.link = wsLink{conn}
	c.authed = true // admitWS has checked the token
	if !s.register(c) {
		conn.Close()
		s.release(nil)
		return
	}
	defer s.release(c)
	s.run(c, func() { s.readWS(c, conn) })
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
		if err != nil {
			c.log.Debug("read ended", zap.Error(err))
			return
		}
		conn.SetReadDeadline(time.Now().Add(s.cfg.FrameTimeout))
		buf := getBuffer()
		msg, err := readMessage(r, *buf)
		*buf = msg
		if !s.handleWS(c, conn, msg, err) {
			putBuffer(buf)
			return
		}
		putBuffer(buf)
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
		c.log.Debug("read ended", zap.Error(err))
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
type wsLink struct{ conn *websocket.Conn }

func (l wsLink) write(frame []byte) error {
	if err := l.conn.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	return l.conn.WriteMessage(websocket.TextMessage, frame)
}

func (l wsLink) finish(code int, text string) {
	if code != 0 {
		msg := websocket.FormatCloseMessage(code, text)
		l.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
}

func (l wsLink) close() { l.conn.Close() }
