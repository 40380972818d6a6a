package pos

import (
	"time"

	"github.com/termd/termd/protocol"
)

// Config says where and how POS clients are accepted. Zero values take the
// defaults below.
type Config struct {
	TCP        string   // "127.0.0.1:9931"; "" disables the TCP listener
	WS         string   // "127.0.0.1:9932", served at WSPath; "" disables it
	WSOrigins  []string // extra allowed Origins, exact match, e.g. "https://pos.example.com"
	MaxClients int      // over both transports; default DefaultMaxClients
	Token      string   // auth.token; required when either address is not loopback
	// Charset is the TCP bodies' encoding (UTF-8, or EUC-KR for legacy POS).
	// WebSocket text is always UTF-8.
	Charset protocol.Charset
	// FrameTimeout bounds a frame from its first byte to its last.
	FrameTimeout time.Duration
	QueueLen     int // per-client outgoing queue; default DefaultQueueLen
}

// Defaults (SPEC §5).
const (
	DefaultMaxClients   = 32
	DefaultFrameTimeout = 10 * time.Second
	DefaultQueueLen     = 64
	// WSPath is the only path the WebSocket listener serves.
	WSPath = "/ws"
)

const (
	// writeWait bounds one write to a client; a client that takes longer is
	// gone or stuck and is disconnected.
	writeWait = 10 * time.Second
	// lingerWait is how long a connection closed for a protocol error keeps
	// reading (and discarding) after the error answer, so the peer has time to
	// read the answer before its unread input makes our close a reset.
	lingerWait = 2 * time.Second
	// httpIdle closes a kept-alive HTTP connection on the WebSocket port
	// that sends no request for this long.
	httpIdle = 30 * time.Second
	// httpSpare is how many HTTP connections beyond MaxClients the
	// WebSocket port keeps open: requests that are not (yet) clients.
	httpSpare = 16
)

func (c Config) withDefaults() Config {
	if c.MaxClients <= 0 {
		c.MaxClients = DefaultMaxClients
	}
	if c.FrameTimeout <= 0 {
		c.FrameTimeout = DefaultFrameTimeout
	}
	if c.QueueLen <= 0 {
		c.QueueLen = DefaultQueueLen
	}
	return c
}
