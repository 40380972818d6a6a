package access

import (
	"net/http"

	"go.uber.org/zap"
)

// Guard serves next only the requests the policy admits, every method and
// path alike. A refusal is logged (path, peer and reason; never the query,
// which may hold the token); one for a wrong or missing token is answered
// only after the peer's growing delay. A page opened with the right
// ?token= gets it back as a same-site cookie, so that the page's own
// requests carry it without the page knowing it.
func (p *Policy) Guard(next http.Handler, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := PeerAddr(r.RemoteAddr)
		if status, why := p.Admit(peer, r); status != 0 {
			p.Refused(w, r, status, why, log)
			return
		}
		if p.TokenFromAll && r.URL.Query().Has("token") {
			http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: p.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		next.ServeHTTP(w, r)
	})
}

// Refused answers a request Admit refused with status, after the peer's
// delay when it failed to authenticate, and logs it.
func (p *Policy) Refused(w http.ResponseWriter, r *http.Request, status int, why string, log *zap.Logger) {
	fields := []zap.Field{zap.String("path", r.URL.Path), zap.String("remote", r.RemoteAddr), zap.Int("status", status), zap.String("why", why)}
	if status == http.StatusUnauthorized {
		fields = append(fields, zap.Duration("delayed", p.Failed(r.Context(), PeerAddr(r.RemoteAddr))))
		log.Warn("authentication failed", fields...)
	} else {
		log.Warn("request refused", fields...)
	}
	http.Error(w, http.StatusText(status), status)
}
