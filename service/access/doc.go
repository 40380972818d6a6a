// Package access is who may talk to termd, one rule for every door: the POS
// listeners (TCP and WebSocket) and the emulator's control panel.
//
// Loopback is the default: an address beyond it needs auth.token (Listen).
// Over HTTP, a foreign Origin is refused on every request; a Host header
// that is not a loopback name is refused unless the request carries the
// token (DNS rebinding); a peer that must show the token and does not is
// refused, after a delay that grows with each failure of that peer. The
// POS listeners let loopback peers in without the token; the panel, with a
// token set, asks it of everyone (Policy.TokenFromAll).
//
// NewServer holds an HTTP server to Limits: header, request and idle
// timeouts, and a connection limit that closes the connection idle longest
// to make room for a newcomer.
package access
