package pos

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/termd/termd/service/access"
)

// Close codes of a refused WebSocket. A browser shows a page nothing of an
// HTTP refusal (onerror, then close 1006), so a refused handshake is
// accepted only to be closed at once with one of these and a reason a
// developer can act on. No frame from such a connection is ever handled.
const (
	// CloseUnauthorized: the token (auth.token) is missing or wrong.
	CloseUnauthorized = 4401
	// CloseForbidden: the page's Origin is not allowed (listen.wsOrigins),
	// or the request names this PC by a name that is not a loopback one.
	CloseForbidden = 4403
)

// maxReasonOrigin bounds the origin quoted in a close reason: the whole
// reason must fit in a control frame (123 bytes).
const maxReasonOrigin = 60

// refuseWS answers a refused WebSocket handshake: it is logged (and, for a
// token, delayed) like any refusal, then upgraded and closed with a 44xx
// code. The connection holds no client slot and reaches no Handler.
func (s *Server) refuseWS(w http.ResponseWriter, r *http.Request, status int, why string) {
	code, reason := s.refusal(r, status)
	fields := []zap.Field{zap.String("remote", r.RemoteAddr), zap.String("why", why), zap.Int("close", code)}
	if status == http.StatusUnauthorized {
		fields = append(fields, zap.Duration("delayed", s.policy.Failed(r.Context(), access.PeerAddr(r.RemoteAddr))))
		s.log.Warn("websocket authentication failed", fields...)
	} else {
		s.log.Warn("websocket refused", fields...)
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil { // Upgrade has answered the client
		return
	}
	defer conn.Close()
	msg := websocket.FormatCloseMessage(code, reason)
	if conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)) == nil {
		lingerWS(conn) // discards anything sent; waits for the close reply
	}
}

// refusal chooses the close code and the reason shown to the page. The
// reason names the configuration key that would let the page in; it never
// holds the token.
func (s *Server) refusal(r *http.Request, status int) (int, string) {
	origin := r.Header.Get("Origin")
	switch {
	case !access.OriginAllowed(origin, s.cfg.WSOrigins):
		q := strconv.QuoteToASCII(origin) // ASCII, so it can be cut anywhere
		if len(q) > maxReasonOrigin {
			q = q[:maxReasonOrigin] + `..."`
		}
		return CloseForbidden, "origin " + q + " is not allowed: add it to listen.wsOrigins"
	case status == http.StatusUnauthorized:
		return CloseUnauthorized, "auth.token missing or wrong: add ?token=… to the URL"
	default:
		return CloseForbidden, "host is not a loopback name: use localhost or send auth.token"
	}
}
