package layers

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers/layerstest"
	"github.com/scalefit/scalefit/schema"
)

// randomRun builds a run of nl layers and nseq sequences with random token counts in [50, 250) and per-sequence
// gains mean[l]·(1 + sd·z), z standard normal, for the attn and mlp components.
func randomRun(nl, nseq int, mean []float64, sd float64, seed uint64) *schema.Run {
	rng := rand.New(rand.NewPCG(seed, 1))
	tokens := make([]int32, nseq)
	for s := range tokens {
		tokens[s] = int32(50 + rng.IntN(200))
	}
	run := &schema.Run{}
	for _, c := range []string{"attn", "mlp"} {
		for l := 0; l < nl; l++ {
			for s := 0; s < nseq; s++ {
				run.Rows = append(run.Rows, schema.Row{
					Model: "rand", NParams: 1000, NLayers: int32(nl), Layer: int32(l), Component: c, Seq: int32(s),
					NTokens: tokens[s], GainMean: mean[l] * (1 + sd*rng.NormFloat64()),
				})
			}
		}
	}
	return run
}

// TestLayerIntervalsTwoSequences checks the bootstrap against its exact distribution. With two sequences a resample
// is (a, a), (a, b) or (b, b) with probabilities 1/4, 1/2, 1/4, so the resampled gain is g_a, the token-weighted mean
// of both, or g_b. The 2.5 % and 97.5 % quantiles are then min and max of g_a and g_b, and the 30 % and 70 % quantiles
// are the mean of both (the 1/2 in the middle covers 25 %–75 %).
func TestLayerIntervalsTwoSequences(t *testing.T) {
	run := &schema.Run{Rows: []schema.Row{
		{Model: "two", NLayers: 2, Layer: 0, Component: "mlp", Seq: 0, NTokens: 30, GainMean: 0.5},
		{Model: "two", NLayers: 2, Layer: 0, Component: "mlp", Seq: 1, NTokens: 10, GainMean: 1.5},
		{Model: "two", NLayers: 2, Layer: 1, Component: "mlp", Seq: 0, NTokens: 30, GainMean: 4},
		{Model: "two", NLayers: 2, Layer: 1, Component: "mlp", Seq: 1, NTokens: 10, GainMean: 2},
	}}
	p := mustProfile(t, run)
	tests := []struct {
		conf   float64
		lo, hi [2]float64
	}{
		{0.95, [2]float64{0.5, 2}, [2]float64{1.5, 4}},
		{0.40, [2]float64{0.75, 3.5}, [2]float64{0.75, 3.5}}, // (30·0.5 + 10·1.5)/40 = 0.75; (30·4 + 10·2)/40 = 3.5
	}
	for _, tt := range tests {
		ivs := Intervals(p, "mlp", 20000, tt.conf, 1)
		if len(ivs) != 2 {
			t.Fatalf("%d intervals", len(ivs))
		}
		for l, iv := range ivs {
			if iv.Layer != l || iv.Tokens != 40 || iv.Lo != tt.lo[l] || iv.Hi != tt.hi[l] {
				t.Errorf("confidence %v, layer %d: %+v, want lo %v hi %v", tt.conf, l, iv, tt.lo[l], tt.hi[l])
			}
		}
		if ivs[0].Gain != 0.75 || ivs[1].Gain != 3.5 {
			t.Errorf("point gains %v %v, want 0.75 3.5", ivs[0].Gain, ivs[1].Gain)
		}
	}
}

// TestLayerIntervalsWidth compares the bootstrap's interval with the delta-method interval of a ratio estimator: for
// g = Σ n_s g_s / Σ n_s over S sequences drawn at random, Var g ≈ S/(S−1) · Σ n_s² (g_s − g)² / (Σ n_s)², so the 90 %
// interval is g ± 1.645·SE. With 400 sequences the two agree to a few percent (the tolerance is 6 %).
func TestLayerIntervalsWidth(t *testing.T) {
	mean := []float64{0.3, 1.0, 2.5}
	p := mustProfile(t, randomRun(3, 400, mean, 0.4, 3))
	ivs := Intervals(p, "mlp", 4000, 0.90, 11)
	for l, iv := range ivs {
		g := p.SeqGains("mlp", l)
		var num, den float64
		for s, x := range g {
			num += p.Tokens[s] * (x - iv.Gain) * (x - iv.Gain) * p.Tokens[s]
			den += p.Tokens[s]
		}
		S := float64(len(g))
		se := math.Sqrt(S / (S - 1) * num / (den * den))
		want := 2 * 1.6448536269514722 * se
		if got := iv.Hi - iv.Lo; math.Abs(got/want-1) > 0.06 {
			t.Errorf("layer %d: width %.5f, delta method %.5f", l, got, want)
		}
		if mid := (iv.Hi + iv.Lo) / 2; math.Abs(mid-iv.Gain) > 0.1*want {
			t.Errorf("layer %d: interval [%v, %v] is off-centre around %v", l, iv.Lo, iv.Hi, iv.Gain)
		}
	}
}

// TestBootstrapLayersDeterministic checks that the result depends on the seed only, not on the worker count, that
// components bootstrapped together match one bootstrapped alone (the same draws), and that another seed differs.
func TestBootstrapLayersDeterministic(t *testing.T) {
	p := mustProfile(t, randomRun(4, 50, []float64{0.5, 0.8, 1.1, 3}, 0.2, 5))
	cfg := BootConfig{Resamples: 999, Confidence: 0.9, Seed: 42}
	var ref *Bands
	for _, w := range []int{1, 2, 3, 7} {
		cfg.Workers = w
		b, err := Bootstrap(p, []string{"attn", "mlp"}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = b
			continue
		}
		for _, c := range []string{"attn", "mlp"} {
			for l, iv := range b.Get(c) {
				if iv != ref.Get(c)[l] {
					t.Errorf("workers %d, %s L%d: %+v, with 1 worker %+v", w, c, l, iv, ref.Get(c)[l])
				}
			}
		}
	}
	alone := Intervals(p, "mlp", 999, 0.9, 42)
	for l, iv := range alone {
		if iv != ref.Get("mlp")[l] {
			t.Errorf("mlp L%d alone %+v, with attn %+v", l, iv, ref.Get("mlp")[l])
		}
	}
	other := Intervals(p, "mlp", 999, 0.9, 43)
	if other[0] == alone[0] {
		t.Errorf("seeds 42 and 43 give the same interval %+v", other[0])
	}
}

func TestLayerIntervalsOneSequence(t *testing.T) {
	run := layerstest.SynthRun("one", 1, 2, map[string][]layerstest.LayerSpec{"mlp": {{Gain: 0.9, Spread: 0.1}, {Gain: 2, Spread: 0.1}}})
	var rows []schema.Row
	for _, r := range run.Rows {
		if r.Seq == 0 {
			rows = append(rows, r)
		}
	}
	p := mustProfile(t, &schema.Run{Rows: rows})
	ivs := Intervals(p, "mlp", 100, 0.95, 1)
	if len(ivs) != 2 || ivs[1].Gain != 2.2 || ivs[1].Defined() || !math.IsNaN(ivs[1].Lo) || ivs[1].Below(3) || ivs[1].Above(0) {
		t.Errorf("one sequence: %+v", ivs)
	}
	data, err := json.Marshal(ivs[1])
	if err != nil || string(data) != `{"layer":1,"gain":2.2,"lo":null,"hi":null,"tokens":100}` {
		t.Errorf("json %s, %v", data, err)
	}
}

func TestBootstrapLayersErrors(t *testing.T) {
	p := mustProfile(t, randomRun(2, 4, []float64{1, 1}, 0.1, 1))
	tests := []struct {
		comps []string
		cfg   BootConfig
		want  string
	}{
		{[]string{"mlp"}, BootConfig{Resamples: 0, Confidence: 0.95}, "resamples must be at least 1"},
		{[]string{"mlp"}, BootConfig{Resamples: 10, Confidence: 1}, "confidence must be in (0, 1)"},
		{[]string{"mlp"}, BootConfig{Resamples: 10, Confidence: math.NaN()}, "confidence must be in (0, 1)"},
		{[]string{"block"}, BootConfig{Resamples: 10, Confidence: 0.95}, `no "block" rows`},
		{[]string{"mlp", "mlp"}, BootConfig{Resamples: 10, Confidence: 0.95}, "listed twice"},
		{nil, BootConfig{Resamples: 10, Confidence: 0.95}, "no components"},
	}
	for _, tt := range tests {
		_, err := Bootstrap(p, tt.comps, tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %+v: error %v, want %q", tt.comps, tt.cfg, err, tt.want)
		}
	}
	if Intervals(p, "block", 10, 0.95, 1) != nil || Intervals(p, "mlp", 0, 0.95, 1) != nil {
		t.Error("Intervals returned intervals for invalid arguments")
	}
}

// BenchmarkLayerIntervals is the size named in the issue: 10,000 resamples of 1000 sequences, 32 layers, one component.
func BenchmarkLayerIntervals(b *testing.B) {
	mean := make([]float64, 32)
	for l := range mean {
		mean[l] = 0.5 + 0.05*float64(l)
	}
	p := mustProfile(b, randomRun(32, 1000, mean, 0.2, 9))
	b.ResetTimer()
	for range b.N {
		Intervals(p, "mlp", 10000, 0.95, 1)
	}
}
