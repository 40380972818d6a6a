package access

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestOriginAllowed(t *testing.T) {
	extra := []string{"https://pos.example.com", "http://10.0.0.5:8080"}
	for origin, want := range map[string]bool{
		"":                          true,
		"http://localhost":          true,
		"https://localhost:8443":    true,
		"http://127.0.0.1":          true,
		"http://127.0.0.1:3000":     true,
		"http://[::1]":              true,
		"https://[::1]:3000":        true,
		"https://pos.example.com":   true,
		"http://10.0.0.5:8080":      true,
		"http://pos.example.com":    false, // exact match only
		"https://pos.example.com/":  false,
		"null":                      false,
		"file://":                   false,
		"ws://localhost":            false,
		"http://localhost.evil.com": false,
		"http://127.0.0.1.nip.io":   false,
		"http://127.0.0.2":          false,
		"http://localhost:0":        false,
		"http://localhost:99999":    false,
		"http://localhost:":         false,
		"http://localhost/path":     false,
		"http://user@localhost":     false,
		"http://LOCALHOST":          false, // browsers send lower case
		"http://[::1":               false,
	} {
		if got := OriginAllowed(origin, extra); got != want {
			t.Errorf("OriginAllowed(%q) = %v, want %v", origin, got, want)
		}
	}
}

func TestHostIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:9931":       true,
		"127.9.9.9:0":          true,
		"localhost:9931":       true,
		"[::1]:9932":           true,
		":9931":                false,
		"0.0.0.0:9931":         false,
		"[::]:9931":            false,
		"192.168.0.10:1":       false,
		"pos-pc.local:1":       false,
		"127.0.0.1":            false, // no port: Listen would fail anyway
		"[::ffff:127.0.0.1]:1": true,
	} {
		if got := AddrIsLoopback(addr); got != want {
			t.Errorf("AddrIsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestPeerAddr(t *testing.T) {
	for remote, want := range map[string]bool{
		"127.0.0.1:5000":        true,
		"[::1]:5000":            true,
		"[::ffff:127.0.0.1]:50": true,
		"10.1.2.3:5000":         false,
		"garbage":               false,
		"":                      false,
	} {
		if got := IsLoopback(PeerAddr(remote)); got != want {
			t.Errorf("IsLoopback(PeerAddr(%q)) = %v, want %v", remote, got, want)
		}
	}
}

func TestAdmit(t *testing.T) {
	local := netip.MustParseAddr("127.0.0.1")
	remote := netip.MustParseAddr("192.168.1.20")
	withToken := New("s3cret", nil)
	noToken := New("", nil)
	panel := New("s3cret", nil)
	panel.TokenFromAll = true
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		p      *Policy
		peer   netip.Addr
		host   string
		h      http.Header
		query  string
		status int
	}{
		{"loopback needs nothing", withToken, local, "", hdr(), "", 0},
		{"loopback with a foreign origin", withToken, local, "", hdr("Origin", "https://evil.com"), "", http.StatusForbidden},
		{"remote without token", withToken, remote, "", hdr(), "", http.StatusUnauthorized},
		{"remote bearer", withToken, remote, "", hdr("Authorization", "Bearer s3cret"), "", 0},
		{"remote bearer any case", withToken, remote, "", hdr("Authorization", "bearer s3cret"), "", 0},
		{"remote wrong bearer", withToken, remote, "", hdr("Authorization", "Bearer s3cre"), "", http.StatusUnauthorized},
		{"remote basic auth", withToken, remote, "", hdr("Authorization", "Basic s3cret"), "", http.StatusUnauthorized},
		{"remote query token", withToken, remote, "", hdr(), "token=s3cret", 0},
		{"remote wrong query token", withToken, remote, "", hdr(), "token=x", http.StatusUnauthorized},
		{"remote cookie", withToken, remote, "", hdr("Cookie", TokenCookie+"=s3cret"), "", 0},
		{"remote token but foreign origin", withToken, remote, "", hdr("Origin", "https://evil.com", "Authorization", "Bearer s3cret"), "", http.StatusForbidden},
		{"remote, no token configured", noToken, remote, "", hdr("Authorization", "Bearer "), "token=", http.StatusUnauthorized},
		{"unknown peer", withToken, netip.Addr{}, "", hdr(), "", http.StatusUnauthorized},
		// DNS rebinding: another name for 127.0.0.1.
		{"foreign Host", noToken, local, "evil.example:9933", hdr(), "", http.StatusForbidden},
		{"foreign Host, token set", withToken, local, "evil.example", hdr(), "", http.StatusForbidden},
		{"foreign Host with the token", withToken, local, "pos-pc.lan:9932", hdr("Authorization", "Bearer s3cret"), "", 0},
		{"remote by its IP with the token", withToken, remote, "192.168.1.5:9932", hdr(), "token=s3cret", 0},
		{"Host localhost", noToken, local, "localhost:9933", hdr(), "", 0},
		{"Host LOCALHOST", noToken, local, "LOCALHOST", hdr(), "", 0},
		{"Host [::1]", noToken, local, "[::1]:9933", hdr(), "", 0},
		{"Host [::1] no port", noToken, local, "[::1]", hdr(), "", 0},
		{"Host localhost.evil.example", noToken, local, "localhost.evil.example", hdr(), "", http.StatusForbidden},
		{"Host empty", noToken, local, "-", hdr(), "", http.StatusForbidden},
		{"stale token, none set", noToken, local, "", hdr("Cookie", TokenCookie+"=old"), "", 0},
		// The panel asks the token of everyone once one is set.
		{"panel, loopback without token", panel, local, "", hdr(), "", http.StatusUnauthorized},
		{"panel, loopback with token", panel, local, "", hdr(), "token=s3cret", 0},
		{"panel, cookie", panel, local, "", hdr("Cookie", TokenCookie+"=s3cret"), "", 0},
		{"panel, no token configured", New("", nil), local, "", hdr(), "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/ws?"+tc.query, nil)
			r.Header = tc.h
			r.Host = "127.0.0.1:9932"
			switch tc.host {
			case "":
			case "-":
				r.Host = ""
			default:
				r.Host = tc.host
			}
			if got, why := tc.p.Admit(tc.peer, r); got != tc.status {
				t.Errorf("status %d (%s), want %d", got, why, tc.status)
			}
		})
	}
}

func TestAuthFrame(t *testing.T) {
	local := netip.MustParseAddr("::1")
	remote := netip.MustParseAddr("10.0.0.9")
	withToken := New("s3cret", nil)
	noToken := New("", nil)
	for _, tc := range []struct {
		name string
		p    *Policy
		peer netip.Addr
		tok  string
		want bool
	}{
		{"right token", withToken, remote, "s3cret", true},
		{"wrong token", withToken, remote, "s3cret ", false},
		{"empty token", withToken, remote, "", false},
		{"loopback still checked when it sends one", withToken, local, "x", false},
		{"no token configured, loopback", noToken, local, "", true},
		{"no token configured, remote", noToken, remote, "", false},
	} {
		if got := tc.p.AuthFrame(tc.peer, tc.tok); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
