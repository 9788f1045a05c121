package plot

import (
	"math"
	"strings"
	"testing"
)

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string // the labelled ticks, in order
		minors int    // unlabelled ticks
	}{
		{0.22, 1.05, "0.3 0.5 0.7 1", 4},        // under a decade: {1, 2, 3, 5, 7}
		{0.05, 8, "0.05 0.1 0.2 0.5 1 2 5", 15}, // two decades: {1, 2, 5}
		{0.9, 1.3, "0.9 1 1.1 1.2 1.3", 0},      // under a factor of 3: linear ticks
		{0.55, 1.15, "0.6 0.7 0.8 0.9 1 1.1", 0},
		{0.95, 1.05, "0.96 0.98 1 1.02 1.04", 0},
		{6e7, 1.3e10, "100M 200M 500M 1B 2B 5B 10B", 16}, // parameter counts with SI suffixes
		{1e-3, 1e6, "0.001 0.1 10 1000 100K", 5},         // many decades: every other one
		{500, 5000, "500 700 1000 2000 3000 5000", 4},    // hidden sizes
		{0.0123, 0.0456, "0.02 0.03 0.04", 0},            // within one decade
		{1.4e9, 6.9e9, "2B 3B 4B 5B 6B", 0},              // integer mantissas within a decade
		{6e7, 4e10, "100M 300M 1B 3B 10B 30B", 20},
		{1e11, 1e13, "100B 200B 500B 1T 2T 5T 10T", 12}, // beyond 10^12
	} {
		var lab []string
		minors := 0
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Value < tc.lo*(1-1e-9) || tk.Value > tc.hi*(1+1e-9) {
				t.Errorf("[%g, %g]: tick %g outside the range", tc.lo, tc.hi, tk.Value)
			}
			if tk.Label == "" {
				minors++
			} else {
				lab = append(lab, tk.Label)
			}
		}
		if got := strings.Join(lab, " "); got != tc.want || minors != tc.minors {
			t.Errorf("[%g, %g]: labels %q with %d minor ticks, want %q with %d", tc.lo, tc.hi, got, minors, tc.want, tc.minors)
		}
	}
	if got := (logTicks{}).Ticks(0, 1); got != nil {
		t.Errorf("Ticks(0, 1) = %v, want nil: a log axis cannot reach 0", got)
	}
}

func TestLinearTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi  float64
		integer bool
		want    string
	}{
		{0, 1, false, "0 0.2 0.4 0.6 0.8 1"},
		{0, 5, true, "0 1 2 3 4 5"},
		{0, 35, true, "0 10 20 30"},
		{0, 3, true, "0 1 2 3"},
		{-1, 1, true, "-1 0 1"},
		{0, 0.3, false, "0 0.05 0.1 0.15 0.2 0.25 0.3"},
		{0, 47, true, "0 10 20 30 40"},
	} {
		var lab []string
		for _, tk := range (linearTicks{Integer: tc.integer}).Ticks(tc.lo, tc.hi) {
			lab = append(lab, tk.Label)
		}
		if got := strings.Join(lab, " "); got != tc.want {
			t.Errorf("[%g, %g] integer %v: %q, want %q", tc.lo, tc.hi, tc.integer, got, tc.want)
		}
	}
}

func TestFormatTick(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", 0.3: "0.3", 0.05: "0.05", 2048: "2048", 99999: "99999", 1e5: "100K",
		70426624: "70.43M", 1.4e9: "1.4B", 6.857302016e9: "6.857B", 12e12: "12T", -3e6: "-3M",
	} {
		if got := formatTick(v); got != want {
			t.Errorf("formatTick(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestExtendToLabels(t *testing.T) {
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.11, 1.05, 0.1, 1.05},    // labels 0.2 … 1 leave 0.11–0.2 bare: extend to 0.1
		{0.095, 1.05, 0.095, 1.05}, // 0.1 is labelled and near the end: unchanged
		{0.3, 7.9, 0.3, 7.9},       // labelled at 0.3 and 7: unchanged
	} {
		lo, hi := extendToLabels(tc.lo, tc.hi)
		if math.Abs(lo-tc.wantLo) > 1e-12 || math.Abs(hi-tc.wantHi) > 1e-12 {
			t.Errorf("extendToLabels(%v, %v) = %v, %v; want %v, %v", tc.lo, tc.hi, lo, hi, tc.wantLo, tc.wantHi)
		}
	}
}
