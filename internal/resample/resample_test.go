package resample

import (
	"math"
	"testing"
)

// TestPercentile compares with numpy.percentile(x, 100·q) (method "linear") on x = [1, 2, 4, 8, 16].
func TestPercentile(t *testing.T) {
	x := []float64{1, 2, 4, 8, 16}
	for _, tc := range []struct{ q, want float64 }{
		{0, 1}, {1, 16}, {0.5, 4}, {0.025, 1.1}, {0.975, 15.2}, {0.3, 2.4}, {-1, 1}, {2, 16},
	} {
		if got := Percentile(x, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Percentile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN(Percentile(nil, 0.5)) || !math.IsNaN(Percentile(x, math.NaN())) {
		t.Error("Percentile of nothing or at NaN is not NaN")
	}
}

// TestStreamSeed checks that streams differ from each other and from the seed, and that Mix is the SplitMix64
// finaliser (its value at 0 is 0, at 1 the published 0x5692161d100b05e5).
func TestStreamSeed(t *testing.T) {
	if Mix(0) != 0 || Mix(1) != 0x5692161d100b05e5 {
		t.Errorf("Mix(0) = %#x, Mix(1) = %#x", Mix(0), Mix(1))
	}
	seen := map[[2]uint64]bool{}
	for r := uint64(0); r < 1000; r++ {
		a, b := StreamSeed(1, r)
		if seen[[2]uint64{a, b}] {
			t.Fatalf("stream %d repeats an earlier one", r)
		}
		seen[[2]uint64{a, b}] = true
	}
}
