//go:build linux

package driver_test

import (
	"context"
	"testing"

	"github.com/termd/termd/printer/driver"
)

// BenchmarkPrintSeedPTY: one seed job through the whole driver path on a
// pseudo-terminal (status, the bytes, status again, read back by the
// emulated printer). A pseudo-terminal has no line speed: at 9600 baud
// the job's 244 bytes alone take 254 ms on a real cable.
func BenchmarkPrintSeedPTY(b *testing.B) {
	r := newRig(b, driver.Options{Poll: 1 << 40})
	job := seedJob(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.drv.Print(context.Background(), job); err != nil {
			b.Fatal(err)
		}
	}
}
