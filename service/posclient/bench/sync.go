package bench

import (
	"fmt"
	"os"
	"time"
)

// SyncResult is the raw cost of making a write durable on the disk under
// termd's dataDir, measured in the same run: what a journal that syncs k
// times per payment cannot go below.
type SyncResult struct {
	P50 float64 `json:"p50_us"` // one 4 KiB append and fsync
	N   int     `json:"n"`
	// PaymentOver3 is the payments' p50 over three syncs' p50 (issue 13's
	// goal: at most 1.3).
	PaymentOver3 float64 `json:"payment_over_3_syncs"`
}

// RawSync appends 4 KiB and syncs, n times, in a scratch file in dir.
func RawSync(dir string, n int) (SyncResult, error) {
	f, err := os.CreateTemp(dir, "bench-sync-*")
	if err != nil {
		return SyncResult{}, fmt.Errorf("bench: raw sync: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	took := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := f.Write(block); err != nil {
			return SyncResult{}, fmt.Errorf("bench: raw sync: %w", err)
		}
		if err := f.Sync(); err != nil {
			return SyncResult{}, fmt.Errorf("bench: raw sync: %w", err)
		}
		took = append(took, time.Since(t0))
	}
	return SyncResult{P50: micros(Percentile(took, 50)), N: n}, nil
}
