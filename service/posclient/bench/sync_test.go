package bench

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The raw baseline appends a journal-sized record at the file's end each
// time, as termd's journal does, not a 4 KiB block.
func TestRawSyncAppendsJournalSizedRecords(t *testing.T) {
	r, err := newRawSyncer(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if err := r.run(3); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(r.f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if data := bytes.TrimRight(b, "\x00"); len(data) != 3*SyncFrame {
		t.Fatalf("%d bytes written after 3 appends, want %d", len(data), 3*SyncFrame)
	}
	res := r.result()
	if res.N != 3 || res.FrameBytes != SyncFrame || res.P50 <= 0 || res.P99 < res.P50 {
		t.Fatalf("result %+v", res)
	}
}

// The payment is compared with 3 syncs (termd's journal) and with 4 (the
// emulated terminal's book save too), and the table says which is which.
func TestPaymentRatiosNameTheirSyncs(t *testing.T) {
	s := SyncResult{FrameBytes: SyncFrame, P50: 100, P99: 200, N: 10, BookP50: 100}
	s.ratios(520)
	if s.PaymentOverJournal != 520.0/300 || s.PaymentOverAll != 520.0/400 {
		t.Fatalf("ratios %v, %v; want %v, %v", s.PaymentOverJournal, s.PaymentOverAll, 520.0/300, 1.3)
	}
	dearBook := SyncResult{P50: 100, BookP50: 220} // the book's sync counts at its own cost
	if dearBook.ratios(640); dearBook.PaymentOverAll != 640.0/520 {
		t.Fatalf("over all 4 syncs with a dearer book sync: %v, want %v", dearBook.PaymentOverAll, 640.0/520)
	}
	rep := Report{Payments: &PaymentResult{Count: 10, P50: 520, P99: 900, PerSecond: 1900}, Sync: &s,
		Query: map[string]QueryResult{"tcp": {Echo: Latency{P50: 40}}}}
	rep.PaymentFloor = floorOf(rep)
	if f := rep.PaymentFloor; f == nil || f.US != 480 || f.OwnUS != 40 || f.Ratio != 520.0/480 {
		t.Fatalf("floor %+v, want 4 × 100 + 2 × 40 = 480 µs", f)
	}
	var out bytes.Buffer
	rep.WriteTable(&out)
	for _, want := range []string{
		"raw sync (700 B append+data sync, as the journal) 0.100 / 0.200 ms",
		"payment p50 over termd's 3 journal syncs",
		"3 raw syncs 0.30 ms",
		"1.73",
		"payment p50 over all 4 syncs it waits for (+1 emulator book save)",
		"4 raw syncs 0.40 ms",
		"1.30",
		"payment p50 over its floor (4 syncs + 2 TCP echo round trips)",
		"floor 0.48 ms",
		"termd+emulator own 40 µs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
