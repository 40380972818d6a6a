package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// StartupResult is how long termd takes from being started to answering,
// with a journal of Records records.
type StartupResult struct {
	Payments int     `json:"payments"` // payments made into the journal
	Records  int     `json:"records"`  // records termd said it opened
	Runs     int     `json:"runs"`
	P50      float64 `json:"p50_ms"` // process start → terminal ready and a 990001 answered
	Min      float64 `json:"min_ms"`
	Max      float64 `json:"max_ms"`
}

// countFile keeps, in a dataDir the bench filled, how many payments it
// made there, so a kept dataDir is only topped up on the next run.
const countFile = "bench-payments"

// Fill makes payments through the running termd at addr until dataDir's
// journal holds want of them (counted in countFile). This is the honest
// way, real payments; a kept dataDir (termctl bench --data) makes it a
// one-time cost.
func Fill(ctx context.Context, addr, dataDir string, want int) error {
	have := madePayments(dataDir)
	if have >= want {
		return nil
	}
	if _, err := Payments(ctx, addr, want-have, newPrefix()); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, countFile), []byte(strconv.Itoa(want)+"\n"), 0o644)
}

func madePayments(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, countFile))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// Startup starts termd on dataDir runs times and measures each start:
// from the process starting to its terminal ready and its first 990001
// answered 0000 (the journal's last payment), then stops it.
func Startup(ctx context.Context, binary, dataDir string, runs int) (StartupResult, error) {
	res := StartupResult{Payments: madePayments(dataDir), Runs: runs}
	took := make([]time.Duration, 0, runs)
	for range runs {
		start := time.Now()
		t, err := StartTermd(ctx, binary, dataDir)
		if err != nil {
			return res, err
		}
		err = answered(ctx, t.TCP)
		d := time.Since(start)
		res.Records = t.Records
		if stopErr := t.Stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return res, err
		}
		took = append(took, d)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	res.P50 = ms(Percentile(took, 50))
	res.Min, res.Max = ms(took[0]), ms(took[len(took)-1]) // sorted by Percentile
	return res, nil
}

// answered asks 990001 once and wants the journal's last transaction.
func answered(ctx context.Context, addr string) error {
	c, err := posclient.Dial(ctx, addr)
	if err != nil {
		return fmt.Errorf("bench: termd at %s: %w", addr, err)
	}
	defer c.Close()
	f, err := exchange(c, lastTxn)
	if err != nil {
		return err
	}
	if rc := posclient.ResultCode(f); rc != protocol.ResultOK {
		return fmt.Errorf("bench: after start-up 990001 answered %s: %s", rc, f.Body)
	}
	return nil
}
