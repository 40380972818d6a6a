package panel

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

// serveEvents streams State over a WebSocket: once on connect, then on
// every change, looked for every pollEvery. The request's goroutine is the
// only writer; a second goroutine reads, only to notice the browser leave
// and to answer its pings and close. The stream ends when the browser
// leaves or the request's context ends (an http.Server's BaseContext ties
// it to the server's life).
func (p *Panel) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !p.track() {
		writeError(w, http.StatusServiceUnavailable, "the panel is closing")
		return
	}
	defer p.streams.Done()
	conn, err := p.upgrader.Upgrade(w, r, nil)
	if err != nil { // Upgrade has answered the client
		p.log.Debug("websocket upgrade failed", zap.Error(err))
		return
	}

	gone := make(chan struct{})
	go func() {
		defer close(gone)
		conn.SetReadLimit(4 << 10)
		conn.SetReadDeadline(time.Now().Add(pongWait))
		conn.SetPongHandler(func(string) error {
			return conn.SetReadDeadline(time.Now().Add(pongWait))
		})
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	defer func() {
		conn.Close()
		<-gone
	}()

	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var last []byte
	send := func() error {
		b, err := json.Marshal(p.state())
		if err != nil || bytes.Equal(b, last) {
			return err
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
			return err
		}
		last = b
		return nil
	}
	for err := send(); err == nil; {
		select {
		case <-r.Context().Done():
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "panel closing")
			conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
			return
		case <-gone:
			return
		case <-poll.C:
			err = send()
		case <-ping.C:
			err = conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		}
	}
}

// track counts a new stream, unless Wait has begun: a WaitGroup must not
// grow from zero while it is being waited for.
func (p *Panel) track() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.streams.Add(1)
	return true
}
