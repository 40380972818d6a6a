package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Policy decides who may talk to termd. Its decisions do no I/O, so every
// one is table-tested, including those for non-loopback peers that a test
// machine cannot produce.
type Policy struct {
	token   string
	origins []string
	// TokenFromAll makes every request carry the token when one is set,
	// loopback peers included: the control panel's rule. The POS
	// listeners let loopback peers in without it (SPEC §5).
	TokenFromAll bool
	// Trusted reports whether a peer may skip the token; IsLoopback unless
	// a test plays a remote peer.
	Trusted func(netip.Addr) bool

	strikes *strikes
}

// New returns the policy for token (auth.token, "" for none) and the extra
// Origins allowed besides this machine's own pages.
func New(token string, origins []string) *Policy {
	return &Policy{token: token, origins: origins, Trusted: IsLoopback, strikes: newStrikes()}
}

// HasToken reports whether a token is configured.
func (p *Policy) HasToken() bool { return p.token != "" }

// IsLoopback reports whether a is a loopback address, IPv4-mapped included.
// The zero Addr (an unparsable peer) is not.
func IsLoopback(a netip.Addr) bool { return a.Unmap().IsLoopback() }

// PeerAddr extracts the IP of a "host:port" remote address; the zero Addr
// when there is none, which no policy trusts.
func PeerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// AddrIsLoopback reports whether a listen address names only loopback
// interfaces. Host names other than localhost and empty hosts (all
// interfaces) are not loopback.
func AddrIsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return hostIsLoopback(host)
}

func hostIsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && IsLoopback(a)
}

// hostHeaderLoopback reports whether an HTTP Host header names this machine
// by a loopback name: "localhost", "127.0.0.1:9933", "[::1]". A page from a
// DNS name that was rebound to 127.0.0.1 carries that name instead.
func hostHeaderLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return hostIsLoopback(host)
}

// TokenOK compares in constant time; hashing first hides the token's
// length. With no token configured nothing matches.
func (p *Policy) TokenOK(got string) bool {
	if p.token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(p.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// AuthFrame decides a 000001 frame carrying token got from peer. Without a
// configured token there is nothing to check, so only trusted peers pass.
func (p *Policy) AuthFrame(peer netip.Addr, got string) bool {
	if p.token == "" {
		return p.Trusted(peer)
	}
	return p.TokenOK(got)
}

// NeedsAuthFrame reports whether a TCP peer must send 000001 before
// anything else.
func (p *Policy) NeedsAuthFrame(peer netip.Addr) bool { return !p.Trusted(peer) }

// TokenCookie is the cookie that carries the token for the pages of a
// browser that opened the panel with ?token=.
const TokenCookie = "termd_token"

// Admit decides an HTTP request before it is served: 0 to accept, or the
// HTTP status to refuse with and a reason for the log (never the token).
// In order: a foreign Origin is refused; a token presented must be right;
// a Host that is not a loopback name is refused unless the right token
// came with the request (DNS rebinding: another site's page reaching
// 127.0.0.1 under its own name cannot know the token); and a peer that
// must show the token and did not is refused.
func (p *Policy) Admit(peer netip.Addr, r *http.Request) (status int, reason string) {
	if origin := r.Header.Get("Origin"); !OriginAllowed(origin, p.origins) {
		return http.StatusForbidden, "origin " + strconv.Quote(origin) + " not allowed"
	}
	got, shown := presented(r)
	shown = shown && p.token != "" // with no token set, a stale one is ignored
	tokenOK := shown && p.TokenOK(got)
	if shown && !tokenOK {
		return http.StatusUnauthorized, "wrong token"
	}
	if !tokenOK && !hostHeaderLoopback(r.Host) {
		return http.StatusForbidden, "host " + strconv.Quote(r.Host) + " is not a loopback name"
	}
	needToken := !p.Trusted(peer) || (p.TokenFromAll && p.token != "")
	if needToken && !tokenOK {
		return http.StatusUnauthorized, "token missing"
	}
	return 0, ""
}

// presented finds a token in the request: an "Authorization: Bearer"
// header, a ?token= query, or the panel's cookie.
func presented(r *http.Request) (string, bool) {
	if tok := bearer(r.Header.Get("Authorization")); tok != "" {
		return tok, true
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && q.Has("token") {
		return q.Get("token"), true
	}
	if c, err := r.Cookie(TokenCookie); err == nil {
		return c.Value, true
	}
	return "", false
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(v string) string {
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// OriginAllowed implements the allow-list: no Origin (a native client, not
// a browser page), a page served from this machine, or an exact extra
// entry. Anything else — "null", look-alike hosts such as
// localhost.example.com — is refused, so a web page in the POS browser
// cannot start a payment or press the panel's buttons.
func OriginAllowed(origin string, extra []string) bool {
	if origin == "" || slices.Contains(extra, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if u.User != nil || u.Opaque != "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	host, port := u.Hostname(), u.Port()
	switch host {
	case "localhost", "127.0.0.1", "::1":
	default:
		return false
	}
	want := host
	if strings.Contains(host, ":") {
		want = "[" + host + "]"
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		want += ":" + port
	}
	return u.Host == want
}
