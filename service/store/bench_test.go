package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.uber.org/zap"
)

// BenchmarkPut is the journaling cost of one transaction state change,
// with the real fsync.
func BenchmarkPut(b *testing.B) {
	s, err := Open(b.TempDir(), Options{}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.Put(approved(fmt.Sprint("b", i), fmt.Sprint(i), "20261124", 1000, "01")); err != nil {
			b.Fatal(err)
		}
	}
}

// fill writes a journal of n approvals straight to dir, each journaled as
// real payments journal it: running, then approved and awaiting its
// 980001, then confirmed (three versions).
func fill(b *testing.B, dir string, n int) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*Record
	for i := range n {
		r := approved(fmt.Sprintf("ptx-%08d", i), fmt.Sprintf("%08d", i), day.AddDate(0, 0, i*365/n).Format("20060102"), int64(1000+i%50000), fmt.Sprint(i%8))
		r.Seq = uint64(i + 1)
		r.Request = []byte(`{"priceAmt":12000,"taxAmt":1091,"tipAmt":0,"taxFreeAmt":0,"installment":0,"ptxid":"ptx"}`)
		r.Final = []byte(`{"resultCode":"0000","resultMessage":"정상승인","data":{"approvalNo":"12345678","transactionNo":"123456789012","approvalAmt":1000,"maskedTrackData":"536148******1234","issuerCode":"04","transactionDate":"20261124120000","ptxid":"ptx"}}`)
		running := &Record{Ptxid: r.Ptxid, Code: r.Code, Seq: r.Seq, Status: StatusRunning, Request: r.Request, Day: r.Day}
		awaiting := r.Clone()
		awaiting.Confirm = ConfirmAwaiting
		confirmed := r.Clone()
		confirmed.Confirm = ConfirmConfirmed
		recs = append(recs, running, awaiting, confirmed)
	}
	os.MkdirAll(dir, 0o750)
	s := &Store{dir: dir, path: filepath.Join(dir, logName), log: zap.NewNop()}
	if err := s.rewrite(recs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpen100k is start-up with a year of 100,000 transactions.
func BenchmarkOpen100k(b *testing.B) { benchmarkOpen(b, 100_000) }

// BenchmarkOpenGrowth shows how start-up grows with the journal: run it
// with -bench OpenGrowth -benchtime 1x (the 1M case writes a 2 GB journal).
func BenchmarkOpenGrowth(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchmarkOpen(b, n) })
	}
}

func benchmarkOpen(b *testing.B, n int) {
	dir := b.TempDir()
	fill(b, dir, n)
	var heap uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := Open(dir, Options{}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		b.StartTimer()
		if s.Len() != n {
			b.Fatalf("%d records", s.Len())
		}
		s.Close()
	}
	b.ReportMetric(float64(heap)/float64(n), "heap-B/record")
}

// filled is a store opened on a journal of n approvals (see fill), closed
// when the benchmark ends.
func filled(b *testing.B, n int) *Store {
	dir := b.TempDir()
	fill(b, dir, n)
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkGet100k looks up transactions in a journal of 100,000: what
// every request's idempotency check and every terminal answer cost, now
// that records are read back from the file.
func BenchmarkGet100k(b *testing.B) {
	s := filled(b, 100_000)
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprintf("ptx-%08d", i*97)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := s.Get(ids[i%len(ids)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}

// BenchmarkSummaryYear totals a year of 100,000 transactions (050099).
func BenchmarkSummaryYear(b *testing.B) {
	s := filled(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if sum := s.Summary("20260101", "20261231"); sum.Approved.Count != 100_000 {
			b.Fatalf("summary %+v", sum)
		}
	}
}

// BenchmarkCompact100k rewrites a journal of 100,000 approvals (three
// versions each) to one version each: what the daily compaction does. Puts
// wait only for its decision and its swap; the rewrite runs beside them.
func BenchmarkCompact100k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		fill(b, dir, 100_000)
		s, err := Open(dir, Options{}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Compact(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
