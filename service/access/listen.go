package access

import (
	"errors"
	"fmt"
	"net"
)

// ErrTokenRequired: a listen address is not loopback and no auth.token is set.
var ErrTokenRequired = errors.New("a non-loopback address needs auth.token")

// Listen binds addr for what (a name for errors: "tcp", "ws", "panel"),
// refusing a non-loopback address without a token both before binding (by
// its spelling) and after (by the address really bound, which catches a
// "localhost" that resolves elsewhere).
func Listen(what, addr string, p *Policy) (net.Listener, error) {
	if !p.HasToken() && !AddrIsLoopback(addr) {
		return nil, fmt.Errorf("listen %s %s: %w", what, addr, ErrTokenRequired)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s %s: %w", what, addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !p.HasToken() && (!ok || !IsLoopback(tcp.AddrPort().Addr())) {
		ln.Close()
		return nil, fmt.Errorf("listen %s %s (bound %s): %w", what, addr, ln.Addr(), ErrTokenRequired)
	}
	return ln, nil
}
