package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// PaymentResult is what sequential payments (010010 approved, then 980001)
// cost; with an emulated terminal that has no delays it is termd's own cost,
// journal syncs included.
type PaymentResult struct {
	Count     int     `json:"count"`
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50_us"` // one approval and its confirmation
	P99       float64 `json:"p99_us"`
}

// Payments makes n approvals of 1,000 won, each confirmed with 980001, one
// after the other over one TCP connection. Every ptxid starts with prefix,
// which must be new to termd's journal (a repeated ptxid is refused).
func Payments(ctx context.Context, addr string, n int, prefix string) (PaymentResult, error) {
	p, _, err := PaymentsBesideSyncs(ctx, addr, n, prefix, "", 0)
	return p, err
}

// syncRounds is how many slices the payments and the raw syncs are cut
// into and taken in turns, so both see the same disk and the same load.
const syncRounds = 5

// PaymentsBesideSyncs is Payments with syncs raw durable appends in dir
// (see RawSync) taken in turns with them, in syncRounds slices; the sync
// result is nil when syncs is 0 or dir is "".
func PaymentsBesideSyncs(ctx context.Context, addr string, n int, prefix, dir string, syncs int) (PaymentResult, *SyncResult, error) {
	c, err := posclient.Dial(ctx, addr)
	if err != nil {
		return PaymentResult{}, nil, fmt.Errorf("bench: termd at %s: %w", addr, err)
	}
	defer c.Close()
	var raw, book *rawSyncer
	if dir != "" && syncs > 0 {
		if raw, err = newRawSyncer(dir, false); err != nil {
			return PaymentResult{}, nil, err
		}
		defer raw.close()
		if book, err = newRawSyncer(dir, true); err != nil {
			return PaymentResult{}, nil, err
		}
		defer book.close()
	}
	took := make([]time.Duration, 0, n)
	var busy time.Duration // time spent paying, without the syncs between
	for round := range syncRounds {
		t0 := time.Now()
		for i := round * n / syncRounds; i < (round+1)*n/syncRounds; i++ {
			if err := ctx.Err(); err != nil {
				return PaymentResult{}, nil, err
			}
			t := time.Now()
			if err := pay(c, prefix+strconv.Itoa(i)); err != nil {
				return PaymentResult{}, nil, err
			}
			took = append(took, time.Since(t))
		}
		busy += time.Since(t0)
		if raw != nil {
			k := (round+1)*syncs/syncRounds - round*syncs/syncRounds
			if err := raw.run(k); err != nil {
				return PaymentResult{}, nil, err
			}
			if err := book.run(k); err != nil {
				return PaymentResult{}, nil, err
			}
		}
	}
	p := PaymentResult{
		Count:     n,
		PerSecond: div(float64(n), busy.Seconds()),
		P50:       micros(Percentile(took, 50)),
		P99:       micros(Percentile(took, 99)),
	}
	if raw == nil {
		return p, nil, nil
	}
	s := raw.result()
	s.BookP50 = book.result().P50
	s.ratios(p.P50)
	return p, &s, nil
}

// pay makes one confirmed approval; anything but 0000 is an error that
// says what termd answered.
func pay(c *posclient.Conn, ptxid string) error {
	req := protocol.Frame{Code: protocol.CodeCreditApproval, Body: []byte(`{"priceAmt":1000,"ptxid":"` + ptxid + `"}`)}
	for _, f := range []protocol.Frame{req, {Code: protocol.CodeConfirm}} {
		got, err := c.Exchange(f, answerWait, nil)
		if err != nil {
			return fmt.Errorf("bench: payment %s: %w", ptxid, err)
		}
		if rc := posclient.ResultCode(got); rc != protocol.ResultOK {
			return fmt.Errorf("bench: payment %s: %s answered %s: %s", ptxid, f.Code, rc, got.Body)
		}
	}
	return nil
}

// newPrefix makes ptxids no earlier run used.
func newPrefix() string {
	return "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
}
