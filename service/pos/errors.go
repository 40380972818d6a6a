package pos

import (
	"errors"

	"github.com/termd/termd/service/access"
)

var (
	// ErrTokenRequired: a listen address is not loopback and Config.Token is empty.
	ErrTokenRequired = access.ErrTokenRequired
	// ErrSlowClient: the client's outgoing queue was full, so it was disconnected.
	ErrSlowClient = errors.New("client too slow: outgoing queue full, disconnected")
	// ErrClientClosed: the client's connection has ended or is ending.
	ErrClientClosed = errors.New("client connection closed")
	// ErrServing: Serve was called a second time.
	ErrServing = errors.New("server already serving")

	// errFrameTimeout: a frame did not complete within FrameTimeout of its first byte.
	errFrameTimeout = errors.New("frame did not complete in time")
	// errUnauthenticated: a client that must authenticate did not.
	errUnauthenticated = errors.New("authentication failed")
)
