package posclient

import "fmt"

// HandshakeError: the server answered a WebSocket upgrade with HTTP Status
// instead of switching protocols (a wrong path gets 404).
type HandshakeError struct {
	URL    string
	Status int
	Err    error
}

var _ error = (*HandshakeError)(nil)

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("posclient: %s: HTTP %d: %v", e.URL, e.Status, e.Err)
}

func (e *HandshakeError) Unwrap() error { return e.Err }
