package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// WriteTable prints the report for a person: one row per figure, termd
// next to its baseline, the ratio, and how far the rounds were apart.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\ttermd\tbaseline\tratio\tspread termd / base")
	for _, tr := range []string{"tcp", "ws"} {
		q, ok := r.Query[tr]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "990001 round trip %s p50 / p99\t%.1f / %.1f µs\techo %.1f / %.1f µs\t%.2f / %.2f\t%.0f%% / %.0f%%\n",
			tr, q.Termd.P50, q.Termd.P99, q.Echo.P50, q.Echo.P99, q.Ratio.P50, q.Ratio.P99, 100*q.Termd.Spread, 100*q.Echo.Spread)
	}
	r.writePayments(tw)
	for _, tr := range []string{"tcp", "ws"} {
		c, ok := r.Conns[tr]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "memory per idle %s connection (%d)\t%.1f KB\techo %.1f KB\t%.2f\t\n", tr, c.N, c.Termd/1024, c.Echo/1024, c.Ratio)
	}
	if r.IdleRSS > 0 {
		fmt.Fprintf(tw, "idle RSS after start\t%.1f MB\tgoal 15 MB\t%.2f\t\n", float64(r.IdleRSS)/(1<<20), float64(r.IdleRSS)/(15<<20))
	}
	if s := r.Startup; s != nil {
		fmt.Fprintf(tw, "start-up, %d payments (%d records) p50\t%.0f ms\tgoal 1000 ms\t%.2f\tmin %.0f, max %.0f ms\n",
			s.Payments, s.Records, s.P50, s.P50/1000, s.Min, s.Max)
	}
	return tw.Flush()
}

// writePayments prints the payment row and, with the raw syncs measured
// beside it, one ratio row per count of syncs, each saying which syncs.
func (r Report) writePayments(w io.Writer) {
	p := r.Payments
	if p == nil {
		return
	}
	s := r.Sync
	if s == nil {
		fmt.Fprintf(w, "payment 010010+980001 p50 / p99\t%.2f / %.2f ms, %.0f/s\t-\t-\t\n", p.P50/1000, p.P99/1000, p.PerSecond)
		return
	}
	fmt.Fprintf(w, "payment 010010+980001 p50 / p99\t%.2f / %.2f ms, %.0f/s\traw sync (%d B append+data sync, as the journal) %.3f / %.3f ms; as the books (growing file+fsync) %.3f ms\t\t\n",
		p.P50/1000, p.P99/1000, p.PerSecond, s.FrameBytes, s.P50/1000, s.P99/1000, s.BookP50/1000)
	fmt.Fprintf(w, "  payment p50 over termd's %d journal syncs\t%.2f ms\t%d raw syncs %.2f ms\t%.2f\tgoal 1.3\n",
		JournalSyncs, p.P50/1000, JournalSyncs, JournalSyncs*s.P50/1000, s.PaymentOverJournal)
	fmt.Fprintf(w, "  payment p50 over all %d syncs it waits for (+%d emulator book save)\t%.2f ms\t%d raw syncs %.2f ms\t%.2f\t\n",
		JournalSyncs+BookSyncs, BookSyncs, p.P50/1000, JournalSyncs+BookSyncs, s.all()/1000, s.PaymentOverAll)
	if f := r.PaymentFloor; f != nil {
		fmt.Fprintf(w, "  payment p50 over its floor (%d syncs + %d TCP echo round trips)\t%.2f ms\tfloor %.2f ms\t%.2f\ttermd+emulator own %.0f µs\n",
			f.Syncs, f.RoundTrips, p.P50/1000, f.US/1000, f.Ratio, f.OwnUS)
	}
}

// WriteJSON writes the report to path.
func (r Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
