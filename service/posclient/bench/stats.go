package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of samples,
// which it sorts in place; zero for no samples. Nearest rank means the
// answer is always a measured value, never an interpolation.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	slices.Sort(samples)
	rank := int(math.Ceil(p / 100 * float64(len(samples))))
	return samples[min(max(rank, 1), len(samples))-1]
}

// Latency is one side's figures over several rounds, in microseconds.
type Latency struct {
	P50    float64 `json:"p50_us"`    // median of the rounds' medians
	P99    float64 `json:"p99_us"`    // median of the rounds' 99th percentiles
	Spread float64 `json:"spread"`    // (max − min) / median of the rounds' medians
	Rounds int     `json:"rounds"`    // rounds measured
	N      int     `json:"n_per_run"` // samples per round
}

// Round is one round's percentiles of one side.
type Round struct{ P50, P99 time.Duration }

// RoundOf computes a round's percentiles.
func RoundOf(samples []time.Duration) Round {
	return Round{P50: Percentile(samples, 50), P99: Percentile(samples, 99)}
}

// Summarize turns rounds into a Latency; n is the samples per round.
func Summarize(rounds []Round, n int) Latency {
	p50 := make([]float64, len(rounds))
	p99 := make([]float64, len(rounds))
	for i, r := range rounds {
		p50[i], p99[i] = micros(r.P50), micros(r.P99)
	}
	return Latency{P50: Median(p50), P99: Median(p99), Spread: Spread(p50), Rounds: len(rounds), N: n}
}

// Median of values (the mean of the middle two for an even count); zero
// for none. values is not changed.
func Median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Spread is (max − min) / median: 0.1 means the values lay within 10 % of
// their median. Zero for fewer than two values or a zero median.
func Spread(values []float64) float64 {
	med := Median(values)
	if len(values) < 2 || med == 0 {
		return 0
	}
	return (slices.Max(values) - slices.Min(values)) / med
}

// Ratio is termd's figure over the baseline's, round by round: the median
// of the per-round ratios, so a slow moment that hit both sides cancels.
type Ratio struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// RatioOf pairs the rounds of termd and of the baseline, which must have
// been measured together (same length, same order).
func RatioOf(termd, base []Round) Ratio {
	n := min(len(termd), len(base))
	p50 := make([]float64, 0, n)
	p99 := make([]float64, 0, n)
	for i := range n {
		p50 = append(p50, div(float64(termd[i].P50), float64(base[i].P50)))
		p99 = append(p99, div(float64(termd[i].P99), float64(base[i].P99)))
	}
	return Ratio{P50: Median(p50), P99: Median(p99)}
}

// div is a/b, and 0 when b is 0 (nothing measured is no ratio, not +Inf,
// which JSON cannot carry).
func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
