package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// dial connects to termd and, with a token, proves it: over WebSocket in
// the upgrade's Authorization header, over TCP with 000001 as the first
// frame (shown like every other frame). Its errors are written for the
// person at the keyboard and say what to change.
func dial(ctx context.Context, addr, token string, show func(string)) (*posclient.Conn, error) {
	ws := strings.HasPrefix(addr, "ws://") || strings.HasPrefix(addr, "wss://")
	var conn *posclient.Conn
	var err error
	if ws {
		h := http.Header{}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		conn, err = posclient.DialWS(ctx, addr, h)
	} else {
		conn, err = posclient.Dial(ctx, addr)
	}
	if err != nil {
		return nil, dialError(addr, err)
	}
	if token == "" || ws {
		return conn, nil
	}
	if err := authTCP(conn, token, show); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// authTCP sends 000001 and wants 0000. The token is never printed.
func authTCP(conn *posclient.Conn, token string, show func(string)) error {
	body, _ := json.Marshal(protocol.AuthRequest{Token: token})
	show("> 000001 (the token, not shown)")
	ans, err := conn.Exchange(protocol.Frame{Code: protocol.CodeAuth, Body: body}, 10*time.Second, func(f protocol.Frame) { show("< " + f.String()) })
	if err != nil {
		return answerError(err)
	}
	if rc := posclient.ResultCode(ans); rc != protocol.ResultOK {
		var h protocol.ResultHeader
		_ = json.Unmarshal(ans.Body, &h)
		return fmt.Errorf("termd refused the token (%s %s): check --token against auth.token in termd's configuration", rc, h.ResultMessage)
	}
	return nil
}

// dialError explains a failed connection: nobody listening, a WebSocket
// URL with a path termd does not serve, or a refused upgrade.
func dialError(addr string, err error) error {
	var hs *posclient.HandshakeError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing listens at %s (is it running? go run ./cmd/termd)", addr)
	case errors.As(err, &op) && op.Op == "dial": // Windows' refusal has another errno
		return fmt.Errorf("cannot reach termd at %s: %v (is it running? go run ./cmd/termd)", addr, op.Err)
	case errors.As(err, &hs) && hs.Status == http.StatusNotFound:
		u, _ := url.Parse(addr)
		path := ""
		if u != nil {
			path = u.Path
		}
		return fmt.Errorf("%s answers, but not at path %q: termd's WebSocket is at /ws, e.g. ws://127.0.0.1:9932/ws", addr, path)
	case errors.As(err, &hs):
		return fmt.Errorf("termd at %s refused the connection with HTTP %d", addr, hs.Status)
	case errors.Is(err, websocket.ErrBadHandshake):
		return fmt.Errorf("%s is not a WebSocket server (is it termd's listen.ws port?)", addr)
	}
	return fmt.Errorf("cannot reach termd at %s: %w", addr, err)
}

// answerError explains a connection that ended while waiting: a WebSocket
// that termd closed on purpose carries the reason (4401, 4403).
func answerError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Text != "" {
		return fmt.Errorf("termd closed the connection (%d): %s", ce.Code, ce.Text)
	}
	return err
}
