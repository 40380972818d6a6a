package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// answerWait bounds one exchange: far above any latency worth measuring,
// short enough that a dead termd fails the run instead of hanging it.
const answerWait = 10 * time.Second

// QueryResult compares 990001 round trips to termd with echoes of the same
// bytes, over one transport.
type QueryResult struct {
	Termd      Latency `json:"termd"`
	Echo       Latency `json:"echo"`
	Ratio      Ratio   `json:"ratio"`
	ResultCode string  `json:"result_code"` // termd's answer: 0000 when the journal has a last transaction
}

var lastTxn = protocol.Frame{Code: protocol.CodeLastTransaction}

// Queries measures rounds × n round trips to termd and to the echo at
// once: each sample of one is followed by a sample of the other (which
// goes first alternates), so both see the same machine.
func Queries(ctx context.Context, termdAddr, echoAddr string, rounds, n int) (QueryResult, error) {
	t, err := posclient.Dial(ctx, termdAddr)
	if err != nil {
		return QueryResult{}, fmt.Errorf("bench: termd at %s: %w", termdAddr, err)
	}
	defer t.Close()
	e, err := posclient.Dial(ctx, echoAddr)
	if err != nil {
		return QueryResult{}, fmt.Errorf("bench: echo at %s: %w", echoAddr, err)
	}
	defer e.Close()
	var res QueryResult
	first, err := exchange(t, lastTxn)
	if err != nil {
		return res, err
	}
	res.ResultCode = posclient.ResultCode(first)
	warm := min(n, 200)
	if _, _, err := interleave(ctx, t, e, warm); err != nil {
		return res, err
	}
	var tr, er []Round
	for range rounds {
		ts, es, err := interleave(ctx, t, e, n)
		if err != nil {
			return res, err
		}
		tr, er = append(tr, RoundOf(ts)), append(er, RoundOf(es))
	}
	res.Termd, res.Echo, res.Ratio = Summarize(tr, n), Summarize(er, n), RatioOf(tr, er)
	return res, nil
}

// interleave takes n samples from each connection, alternating.
func interleave(ctx context.Context, a, b *posclient.Conn, n int) (as, bs []time.Duration, err error) {
	as, bs = make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		x, y := a, b
		if i%2 == 1 {
			x, y = b, a
		}
		dx, err := roundTrip(x)
		if err != nil {
			return nil, nil, err
		}
		dy, err := roundTrip(y)
		if err != nil {
			return nil, nil, err
		}
		if i%2 == 1 {
			dx, dy = dy, dx
		}
		as, bs = append(as, dx), append(bs, dy)
	}
	return as, bs, nil
}

// roundTrip sends 990001 and reads one frame back: the time a POS waits.
func roundTrip(c *posclient.Conn) (time.Duration, error) {
	start := time.Now()
	if _, err := exchange(c, lastTxn); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// exchange sends f and reads the next frame, which must carry f's code.
func exchange(c *posclient.Conn, f protocol.Frame) (protocol.Frame, error) {
	if err := c.Send(f); err != nil {
		return protocol.Frame{}, fmt.Errorf("bench: send %s: %w", f.Code, err)
	}
	got, err := c.Receive(time.Now().Add(answerWait))
	if err != nil {
		return got, fmt.Errorf("bench: answer to %s: %w", f.Code, err)
	}
	if got.Code != f.Code {
		return got, fmt.Errorf("bench: answer to %s came as %s", f.Code, got.Code)
	}
	return got, nil
}
