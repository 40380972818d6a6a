package access

import (
	"errors"
	"fmt"
	"net"
)

// ErrTokenRequired: a listen address is not loopback and no auth.token is set.
var ErrTokenRequired = errors.New("a non-loopback address needs auth.token")

// InUseError: the address of a configuration key is taken, most often by a
// termd already running. Its text names the key and the fix, without the
// socket error's chain, which is kept for errors.Is.
type InUseError struct {
	Key, Addr string
	Err       error
}

var _ error = (*InUseError)(nil)

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s %s is in use: is another termd running? stop it or set %s", e.Key, e.Addr, e.Key)
}

func (e *InUseError) Unwrap() error { return e.Err }

// Listen binds addr for the configuration key that names it ("listen.tcp",
// "listen.ws", "emulator.control": errors name it), refusing a
// non-loopback address without a token both before binding (by its
// spelling) and after (by the address really bound, which catches a
// "localhost" that resolves elsewhere).
func Listen(key, addr string, p *Policy) (net.Listener, error) {
	if !p.HasToken() && !AddrIsLoopback(addr) {
		return nil, fmt.Errorf("%s %s: %w", key, addr, ErrTokenRequired)
	}
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, errAddrInUse) {
		return nil, &InUseError{Key: key, Addr: addr, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", key, addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !p.HasToken() && (!ok || !IsLoopback(tcp.AddrPort().Addr())) {
		ln.Close()
		return nil, fmt.Errorf("%s %s (bound %s): %w", key, addr, ln.Addr(), ErrTokenRequired)
	}
	return ln, nil
}
