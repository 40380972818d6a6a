package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildTools builds termd and termctl side by side, as installed: termctl
// bench --start finds termd next to itself, and re-executes itself as the
// echo server process.
func buildTools(t *testing.T) (termctl string) {
	t.Helper()
	dir := t.TempDir()
	for _, pkg := range []string{"../termd", "."} {
		name := filepath.Base(pkg)
		if pkg == "." {
			name = "termctl"
		}
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return filepath.Join(dir, "termctl")
}

// TestBenchStartReportsEveryFigure runs the built termctl bench --start
// against the built termd with tiny counts and checks that the table and
// the JSON carry every figure of issue 13's goals.
func TestBenchStartReportsEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs termd")
	}
	termctl := buildTools(t)
	report := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(termctl, "bench", "--start", "--rounds=2", "--n=50", "--payments=5", "--syncs=5",
		"--conns=32", "--journal=20", "--start-runs=2", "--json="+report)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("termctl bench: %v\n%s\n%s", err, out, stderr)
	}
	for _, row := range []string{"990001 round trip tcp", "990001 round trip ws", "payment 010010+980001",
		"payment p50 over termd's 3 journal syncs", "payment p50 over all 4 syncs it waits for (+1 emulator book save)",
		"memory per idle tcp", "memory per idle ws", "idle RSS", "start-up, 20 payments"} {
		if !strings.Contains(string(out), row) {
			t.Errorf("table lacks %q:\n%s", row, out)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	positive := []string{
		"query.tcp.termd.p50_us", "query.tcp.termd.p99_us", "query.tcp.echo.p50_us", "query.tcp.echo.p99_us",
		"query.tcp.ratio.p50", "query.tcp.ratio.p99",
		"query.ws.termd.p50_us", "query.ws.termd.p99_us", "query.ws.echo.p50_us", "query.ws.echo.p99_us",
		"query.ws.ratio.p50", "query.ws.ratio.p99",
		"payments.count", "payments.per_second", "payments.p50_us", "payments.p99_us",
		"sync.p50_us", "sync.p99_us", "sync.frame_bytes",
		"sync.payment_over_3_journal_syncs", "sync.payment_over_4_syncs_journal_and_books",
		"payment_floor.us", "payment_floor.payment_over_floor",
		"connections.tcp.n", "connections.ws.n", "idle_rss_bytes",
		"startup.p50_ms", "startup.records", "startup.payments",
	}
	for _, path := range positive {
		if v, ok := lookup(doc, path).(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number\n%s", path, lookup(doc, path), b)
		}
	}
	// Memory growth is counted in whole pages, so a few connections may
	// add none; the figures must be there.
	for _, path := range []string{"query.tcp.termd.spread", "query.tcp.result_code",
		"connections.tcp.termd_bytes_per_conn", "connections.tcp.echo_bytes_per_conn", "connections.tcp.ratio",
		"connections.ws.termd_bytes_per_conn", "connections.ws.echo_bytes_per_conn", "connections.ws.ratio"} {
		if lookup(doc, path) == nil {
			t.Errorf("%s missing\n%s", path, b)
		}
	}
	// The raw baseline is a journal-sized append, and each ratio is over
	// the number of syncs its name says.
	if fb := lookup(doc, "sync.frame_bytes"); fb != float64(700) {
		t.Errorf("raw sync frame is %v bytes, want 700", fb)
	}
	pay, _ := lookup(doc, "payments.p50_us").(float64)
	sync, _ := lookup(doc, "sync.p50_us").(float64)
	book, _ := lookup(doc, "sync.book_p50_us").(float64)
	for raw, path := range map[float64]string{3 * sync: "sync.payment_over_3_journal_syncs", 3*sync + book: "sync.payment_over_4_syncs_journal_and_books"} {
		if got, _ := lookup(doc, path).(float64); sync > 0 && math.Abs(got-pay/raw) > 1e-9*got {
			t.Errorf("%s = %v, want %v / %v", path, got, pay, raw)
		}
	}
	if rc := lookup(doc, "query.tcp.result_code"); rc != "0000" {
		t.Errorf("990001 was measured on a journal without a last approval: %v", rc)
	}
	if n := lookup(doc, "startup.payments"); n != float64(20) {
		t.Errorf("start-up measured with %v payments, want 20", n)
	}
}

// lookup walks a dotted path through decoded JSON objects.
func lookup(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
