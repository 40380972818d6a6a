package device

import (
	"context"
	"errors"

	"github.com/termd/termd/protocol"
)

// ErrUnavailable: the terminal's link is down (unplugged, not answering, not
// yet opened). The engine answers 9004.
var ErrUnavailable = errors.New("terminal unavailable")

// Terminal is what the transaction engine needs of the payment terminal: a
// way to send it frames, and one ordered stream of everything it says and of
// its link coming and going.
type Terminal interface {
	// Send queues f for the terminal without waiting for the link to
	// carry it. It fails with ErrUnavailable while the link is down.
	Send(ctx context.Context, f protocol.Frame) error
	// Events delivers the terminal's frames and link changes in order.
	Events() <-chan Event
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventFrame: the terminal sent Frame.
	EventFrame EventKind = iota + 1
	// EventUp: the link is open and the terminal answered.
	EventUp
	// EventDown: the link broke (Err says why); frames sent before may be lost.
	EventDown
)

func (k EventKind) String() string {
	switch k {
	case EventFrame:
		return "frame"
	case EventUp:
		return "up"
	case EventDown:
		return "down"
	}
	return "unknown"
}

// Event is one thing the terminal did.
type Event struct {
	Kind  EventKind
	Frame protocol.Frame
	Err   error
}

// FrameConn is a link that carries whole frames: protocol.Conn over a byte
// stream, or link.Conn over a serial port. ReadFrame is called by one
// goroutine while another calls WriteFrame.
type FrameConn interface {
	ReadFrame() (protocol.Frame, error)
	WriteFrame(protocol.Frame) error
	Close() error
}

// Pinger is implemented by links that can probe the peer while idle (the
// serial link's ENQ/ACK).
type Pinger interface {
	Ping() error
}

// Opener opens a fresh link to the terminal.
type Opener func(ctx context.Context) (FrameConn, error)
