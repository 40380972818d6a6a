package posclient

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
)

// Conn is one connection to termd. It is not safe for concurrent use.
type Conn struct {
	raw net.Conn
	tcp *protocol.Conn
	ws  *websocket.Conn
	buf []byte
}

// Dial connects to addr: "host:port" or "tcp://host:port" for TCP,
// "ws://host:port/ws" for WebSocket.
func Dial(ctx context.Context, addr string) (*Conn, error) {
	if strings.HasPrefix(addr, "ws://") || strings.HasPrefix(addr, "wss://") {
		return DialWS(ctx, addr, nil)
	}
	addr = strings.TrimPrefix(addr, "tcp://")
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("posclient: %w", err)
	}
	return &Conn{raw: c, tcp: protocol.NewConn(c)}, nil
}

// DialWS connects to a WebSocket URL with extra request headers (Origin,
// Authorization).
func DialWS(ctx context.Context, url string, h http.Header) (*Conn, error) {
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err != nil {
		if resp != nil {
			return nil, &HandshakeError{URL: url, Status: resp.StatusCode, Err: err}
		}
		return nil, fmt.Errorf("posclient: %w", err)
	}
	return &Conn{ws: ws}, nil
}

// Send writes one frame.
func (c *Conn) Send(f protocol.Frame) error {
	if c.tcp != nil {
		return c.tcp.WriteFrame(f)
	}
	b, err := f.Append(c.buf[:0])
	if err != nil {
		return err
	}
	c.buf = b
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// Receive reads the next frame, waiting at most until deadline (zero: forever).
func (c *Conn) Receive(deadline time.Time) (protocol.Frame, error) {
	if c.tcp != nil {
		if err := c.raw.SetReadDeadline(deadline); err != nil {
			return protocol.Frame{}, err
		}
		return c.tcp.ReadFrame()
	}
	if err := c.ws.SetReadDeadline(deadline); err != nil {
		return protocol.Frame{}, err
	}
	_, msg, err := c.ws.ReadMessage()
	if err != nil {
		return protocol.Frame{}, err
	}
	return protocol.Parse(msg)
}

// Close ends the connection.
func (c *Conn) Close() error {
	if c.tcp != nil {
		return c.tcp.Close()
	}
	return c.ws.Close()
}

// SendRaw writes bytes as they are, framed or not: for tests of bad input.
func (c *Conn) SendRaw(b []byte) error {
	if c.tcp != nil {
		_, err := c.raw.Write(b)
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, b)
}
