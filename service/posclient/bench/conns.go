package bench

import (
	"context"
	"fmt"

	"github.com/termd/termd/service/posclient"
)

// ConnResult is the resident memory one idle connection adds to termd and
// to the echo server process, each measured the same way.
type ConnResult struct {
	N     int     `json:"n"`
	Termd float64 `json:"termd_bytes_per_conn"`
	Echo  float64 `json:"echo_bytes_per_conn"`
	Ratio float64 `json:"ratio"`
}

// holder keeps every connection it opened until release: freeing some
// while measuring others would let a process reuse that memory unseen.
type holder struct{ conns []*posclient.Conn }

func (h *holder) release() {
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

// held opens n connections to addr, each making one 990001 round trip and
// then idling, as POS programs do all day, and returns how much the
// resident memory of process pid grew per connection.
func (h *holder) held(ctx context.Context, addr string, pid, n int) (float64, error) {
	before, err := rss(pid)
	if err != nil {
		return 0, err
	}
	for i := range n {
		c, err := posclient.Dial(ctx, addr)
		if err != nil {
			return 0, fmt.Errorf("bench: connection %d to %s: %w", i+1, addr, err)
		}
		h.conns = append(h.conns, c)
		if _, err := exchange(c, lastTxn); err != nil {
			return 0, err
		}
	}
	after, err := rss(pid)
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(n), nil
}

// Endpoint is a process and the addresses it serves.
type Endpoint struct {
	Pid     int
	TCP, WS string // WS "" is skipped
}

// Conns measures n idle connections per transport on termd and on the
// echo process, holding all of them until every figure is taken.
func Conns(ctx context.Context, termd, echo Endpoint, n int) (map[string]ConnResult, error) {
	var h holder
	defer h.release()
	res := map[string]ConnResult{}
	for _, tr := range []struct{ name, termd, echo string }{{"tcp", termd.TCP, echo.TCP}, {"ws", termd.WS, echo.WS}} {
		if tr.termd == "" {
			continue
		}
		t, err := h.held(ctx, tr.termd, termd.Pid, n)
		if err != nil {
			return nil, err
		}
		e, err := h.held(ctx, tr.echo, echo.Pid, n)
		if err != nil {
			return nil, err
		}
		res[tr.name] = ConnResult{N: n, Termd: t, Echo: e, Ratio: div(t, e)}
	}
	return res, nil
}
