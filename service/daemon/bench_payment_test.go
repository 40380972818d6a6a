package daemon

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/termd/termd/protocol"
	"github.com/termd/termd/service/posclient"
)

// memDir is a fresh directory on a RAM disk (/dev/shm) when the machine has
// one, else a test temporary directory: on a RAM disk a sync costs almost
// nothing, so what a payment costs there is termd's own work.
func memDir(b testing.TB) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "termd-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

// BenchmarkPayment is one whole payment as a POS makes it: 010010 approved
// by the in-process emulated terminal with no delays, then 980001, over one
// TCP connection. The journal and the emulator's books live on a RAM disk,
// so the figure is termd's own overhead: the POS reader, the engine, the
// device link, the emulator and back, without the disk's syncs.
func BenchmarkPayment(b *testing.B) {
	d := startDaemonIn(b, memDir(b))
	c := dial(b, d.TCPAddr().String())
	defer c.Close()
	approval := protocol.Frame{Code: protocol.CodeCreditApproval}
	confirm := protocol.Frame{Code: protocol.CodeConfirm}
	b.ReportAllocs()
	i := 0
	var approving, confirming time.Duration
	for b.Loop() {
		i++
		approval.Body = strconv.AppendInt(append(approval.Body[:0], `{"priceAmt":1000,"ptxid":"bench-p-`...), int64(i), 10)
		approval.Body = append(approval.Body, `"}`...)
		t0 := time.Now()
		f, err := c.Exchange(approval, 5*time.Second, nil)
		if err != nil || posclient.ResultCode(f) != protocol.ResultOK {
			b.Fatalf("approval: %v %s", err, f.Body)
		}
		t1 := time.Now()
		if f, err = c.Exchange(confirm, 5*time.Second, nil); err != nil || posclient.ResultCode(f) != protocol.ResultOK {
			b.Fatalf("980001: %v %s", err, f.Body)
		}
		approving, confirming = approving+t1.Sub(t0), confirming+time.Since(t1)
	}
	// The two halves: the approval crosses the terminal, the confirmation
	// only the journal.
	b.ReportMetric(float64(approving.Nanoseconds())/float64(b.N), "ns-010010/op")
	b.ReportMetric(float64(confirming.Nanoseconds())/float64(b.N), "ns-980001/op")
}
