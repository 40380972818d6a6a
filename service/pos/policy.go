package pos

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

// policy decides who may talk to the daemon. Its methods do no I/O, so every
// decision is table-tested, including those for non-loopback peers that a
// test machine cannot produce.
type policy struct {
	token   string
	origins []string
	// trusted reports whether a peer may skip the token. It is isLoopback
	// except in tests, which use it to play a remote peer.
	trusted func(netip.Addr) bool
}

// isLoopback reports whether a is a loopback address, IPv4-mapped included.
// The zero Addr (an unparsable peer) is not.
func isLoopback(a netip.Addr) bool { return a.Unmap().IsLoopback() }

// peerAddr extracts the IP of a "host:port" remote address; the zero Addr
// when there is none, which no policy trusts.
func peerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// hostIsLoopback reports whether a listen address names only loopback
// interfaces. Host names other than localhost and empty hosts (all
// interfaces) are not loopback.
func hostIsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && isLoopback(a)
}

// tokenOK compares in constant time; hashing first hides the token's length.
// With no token configured nothing matches.
func (p *policy) tokenOK(got string) bool {
	if p.token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(p.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// authFrame decides a 000001 frame carrying token got from peer. Without a
// configured token there is nothing to check, so only trusted peers pass.
func (p *policy) authFrame(peer netip.Addr, got string) bool {
	if p.token == "" {
		return p.trusted(peer)
	}
	return p.tokenOK(got)
}

// admitWS decides a WebSocket upgrade before it happens: 0 to accept, or the
// HTTP status to refuse with and a reason for the log (never the token).
func (p *policy) admitWS(peer netip.Addr, h http.Header, query url.Values) (status int, reason string) {
	if origin := h.Get("Origin"); !originAllowed(origin, p.origins) {
		return http.StatusForbidden, "origin " + strconv.Quote(origin) + " not allowed"
	}
	if p.trusted(peer) {
		return 0, ""
	}
	if p.tokenOK(bearer(h.Get("Authorization"))) || p.tokenOK(query.Get("token")) {
		return 0, ""
	}
	return http.StatusUnauthorized, "token missing or wrong"
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(v string) string {
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// originAllowed implements the allow-list: no Origin (a native client, not a
// browser page), a page served from this machine, or an exact extra entry.
// Anything else — "null", look-alike hosts such as localhost.example.com —
// is refused, so a web page in the POS browser cannot start a payment.
func originAllowed(origin string, extra []string) bool {
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
