package bench

import (
	"fmt"
	"os"
	"time"
)

// SyncFrame is the size of one raw append: about one journal record as
// termd frames it (a payment's records are 400–800 bytes), not a whole
// 4 KiB block, which costs the disk more.
const SyncFrame = 700

// The syncs one payment (010010 approved, then 980001) waits for.
const (
	// JournalSyncs: termd's journal syncs the start record, the final
	// answer and the confirmation, one after the other.
	JournalSyncs = 3
	// BookSyncs: an emulated terminal also syncs its books once before
	// its approval leaves; a real terminal's own writes are not on this
	// PC's disk, so termd's goal is stated over JournalSyncs.
	BookSyncs = 1
)

// SyncResult is the raw cost of making a write durable on the disk under
// termd's dataDir, measured in the same run as the payments and
// interleaved with them: what a payment that waits for k syncs, one after
// the other, cannot go below.
type SyncResult struct {
	FrameBytes int     `json:"frame_bytes"` // bytes per append
	P50        float64 `json:"p50_us"`      // one append as the journal makes it, and its sync
	P99        float64 `json:"p99_us"`
	N          int     `json:"n"`
	// BookP50 is one append to a growing file and its fsync, as the
	// emulated terminal saves its books: a dearer sync than the journal's
	// into preallocated space.
	BookP50 float64 `json:"book_p50_us"`
	// PaymentOverJournal is the payments' p50 over 3 syncs' p50: termd's
	// own journal syncs (issue 13's goal: at most 1.3).
	PaymentOverJournal float64 `json:"payment_over_3_journal_syncs"`
	// PaymentOverAll is the payments' p50 over the 4 syncs it waits for
	// when the terminal is the emulator: 3 of the journal's kind and the
	// book save's.
	PaymentOverAll float64 `json:"payment_over_4_syncs_journal_and_books"`
}

// Floor is the least a payment can take: the POS's two round trips over
// TCP (010010 and 980001; the echo's p50 of this run) and every sync it
// waits for, one after the other. What the payment takes beyond it is
// termd's own work, and the emulated terminal's.
type Floor struct {
	RoundTrips int     `json:"tcp_round_trips"`
	Syncs      int     `json:"syncs"`
	US         float64 `json:"us"`
	Ratio      float64 `json:"payment_over_floor"`
	OwnUS      float64 `json:"payment_minus_floor_us"`
}

// floorOf needs the payments, the raw syncs and the TCP echo of one run.
func floorOf(r Report) *Floor {
	q, ok := r.Query["tcp"]
	if r.Payments == nil || r.Sync == nil || !ok {
		return nil
	}
	f := Floor{RoundTrips: 2, Syncs: JournalSyncs + BookSyncs}
	f.US = float64(f.RoundTrips)*q.Echo.P50 + r.Sync.all()
	f.Ratio, f.OwnUS = div(r.Payments.P50, f.US), r.Payments.P50-f.US
	return &f
}

// ratios fills the payment ratios from the payments' p50.
func (s *SyncResult) ratios(paymentP50 float64) {
	s.PaymentOverJournal = div(paymentP50, JournalSyncs*s.P50)
	s.PaymentOverAll = div(paymentP50, s.all())
}

// all is what the syncs of one payment cost raw, one after the other.
func (s *SyncResult) all() float64 { return JournalSyncs*s.P50 + BookSyncs*s.BookP50 }

// rawSyncer appends SyncFrame bytes to a scratch file and syncs, as
// termd's journal writes a record: WriteAt at the end, then a data sync,
// into space preallocated where the system can (Linux: fallocate and
// fdatasync, as service/store does), else growing the file and fsync.
type rawSyncer struct {
	f     *os.File
	end   int64
	frame []byte
	took  []time.Duration
	book  bool // the emulator's kind: a growing file and fsync
}

func newRawSyncer(dir string, book bool) (*rawSyncer, error) {
	f, err := os.CreateTemp(dir, "bench-sync-*")
	if err != nil {
		return nil, fmt.Errorf("bench: raw sync: %w", err)
	}
	frame := make([]byte, SyncFrame)
	for i := range frame { // not zeros: nothing on the way may treat them specially
		frame[i] = byte('a' + i%26)
	}
	if !book {
		preallocate(f, 4<<20) // the journal's chunk; if it fails, appends grow the file, as the journal's do then
	}
	return &rawSyncer{f: f, frame: frame, book: book}, nil
}

// run makes n durable appends.
func (r *rawSyncer) run(n int) error {
	for range n {
		t0 := time.Now()
		if _, err := r.f.WriteAt(r.frame, r.end); err != nil {
			return fmt.Errorf("bench: raw sync: %w", err)
		}
		sync := datasync
		if r.book {
			sync = (*os.File).Sync
		}
		if err := sync(r.f); err != nil {
			return fmt.Errorf("bench: raw sync: %w", err)
		}
		r.took = append(r.took, time.Since(t0))
		r.end += int64(len(r.frame))
	}
	return nil
}

func (r *rawSyncer) result() SyncResult {
	return SyncResult{FrameBytes: len(r.frame), P50: micros(Percentile(r.took, 50)), P99: micros(Percentile(r.took, 99)), N: len(r.took)}
}

// close removes the scratch file.
func (r *rawSyncer) close() {
	r.f.Close()
	os.Remove(r.f.Name())
}

// RawSync makes n durable appends of SyncFrame bytes in a scratch file in
// dir, as termd's journal does, and returns their cost.
func RawSync(dir string, n int) (SyncResult, error) {
	r, err := newRawSyncer(dir, false)
	if err != nil {
		return SyncResult{}, err
	}
	defer r.close()
	if err := r.run(n); err != nil {
		return SyncResult{}, err
	}
	return r.result(), nil
}
