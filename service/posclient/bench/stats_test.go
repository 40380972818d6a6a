package bench

import (
	"math"
	"testing"
	"time"
)

func us(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Microsecond
	}
	return out
}

func TestPercentileIsNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * time.Microsecond // unsorted on purpose
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", us(7), 50, 7 * time.Microsecond},
		{"one p99", us(7), 99, 7 * time.Microsecond},
		{"odd median", us(3, 1, 2), 50, 2 * time.Microsecond},
		{"even median is the lower middle", us(4, 1, 3, 2), 50, 2 * time.Microsecond},
		{"p99 of 100", hundred, 99, 99 * time.Microsecond},
		{"p100 is the max", hundred, 100, 100 * time.Microsecond},
		{"p50 of 100", hundred, 50, 50 * time.Microsecond},
		{"tiny p is the min", us(5, 9, 1), 0.1, 1 * time.Microsecond},
		{"p99 of 10 is the max", us(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := Percentile(tt.samples, tt.p); got != tt.want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestMedianAndSpread(t *testing.T) {
	tests := []struct {
		values         []float64
		median, spread float64
	}{
		{nil, 0, 0},
		{[]float64{5}, 5, 0},
		{[]float64{1, 3}, 2, 1},                 // (3-1)/2
		{[]float64{10, 9, 11}, 10, 0.2},         // (11-9)/10
		{[]float64{100, 100, 100, 100}, 100, 0}, // no spread
		{[]float64{0, 0, 1}, 0, 0},              // zero median: no spread rather than +Inf
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.values...)
		if got := Median(tt.values); got != tt.median {
			t.Errorf("Median(%v) = %v, want %v", tt.values, got, tt.median)
		}
		if got := Spread(tt.values); math.Abs(got-tt.spread) > 1e-9 {
			t.Errorf("Spread(%v) = %v, want %v", tt.values, got, tt.spread)
		}
		for i := range in {
			if in[i] != tt.values[i] {
				t.Fatalf("Median/Spread changed their input: %v", tt.values)
			}
		}
	}
}

func TestRatioIsTheMedianOfRoundRatios(t *testing.T) {
	r := func(p50, p99 int) Round {
		return Round{P50: time.Duration(p50) * time.Microsecond, P99: time.Duration(p99) * time.Microsecond}
	}
	tests := []struct {
		name        string
		termd, base []Round
		want        Ratio
	}{
		{"equal", []Round{r(10, 20)}, []Round{r(10, 20)}, Ratio{1, 1}},
		{"twice", []Round{r(20, 60)}, []Round{r(10, 20)}, Ratio{2, 3}},
		// A slow round that hit both sides cancels out: its ratio is
		// still 1.2, where the ratio of medians would not see the pairing.
		{"paired rounds", []Round{r(12, 24), r(120, 240), r(12, 24)}, []Round{r(10, 20), r(100, 200), r(10, 20)}, Ratio{1.2, 1.2}},
		{"median of three", []Round{r(11, 10), r(30, 10), r(13, 10)}, []Round{r(10, 10), r(10, 10), r(10, 10)}, Ratio{1.3, 1}},
		{"no baseline is no ratio", []Round{r(10, 10)}, []Round{r(0, 0)}, Ratio{0, 0}},
		{"no rounds", nil, nil, Ratio{0, 0}},
	}
	for _, tt := range tests {
		got := RatioOf(tt.termd, tt.base)
		if math.Abs(got.P50-tt.want.P50) > 1e-9 || math.Abs(got.P99-tt.want.P99) > 1e-9 {
			t.Errorf("%s: RatioOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	rounds := []Round{
		{P50: 10 * time.Microsecond, P99: 50 * time.Microsecond},
		{P50: 12 * time.Microsecond, P99: 70 * time.Microsecond},
		{P50: 11 * time.Microsecond, P99: 60 * time.Microsecond},
	}
	got := Summarize(rounds, 500)
	want := Latency{P50: 11, P99: 60, Spread: 2.0 / 11, Rounds: 3, N: 500}
	if math.Abs(got.Spread-want.Spread) > 1e-9 {
		t.Fatalf("spread %v, want %v", got.Spread, want.Spread)
	}
	got.Spread = want.Spread
	if got != want {
		t.Fatalf("Summarize = %+v, want %+v", got, want)
	}
	if r := RoundOf(us(5, 1, 3, 2, 4)); r.P50 != 3*time.Microsecond || r.P99 != 5*time.Microsecond {
		t.Fatalf("RoundOf = %+v", r)
	}
}
