// Package layerstest builds synthetic run files with exactly known layer gains, for the tests of packages layers and
// report: in particular runs shaped like the two Pythia models of the seed note, whose comparison tables and verdicts
// the note prints.
package layerstest

import (
	"math"

	"github.com/scalefit/scalefit/schema"
)

// LayerSpec is one layer of a synthetic component: its layer-level gain and the relative per-sequence spread.
type LayerSpec struct {
	Gain, Spread float64
}

// synthRun builds a run whose layer-level gains are exactly the given ones. Sequences come in pairs with the same token
// count and gains gain·(1 ± spread), so every token-weighted mean is exactly gain while the bootstrap sees a
// sequence-to-sequence spread of relative size spread. nseq must be even.
func SynthRun(model string, nParams int64, nseq int, comps map[string][]LayerSpec) *schema.Run {
	run := &schema.Run{Meta: map[string]string{}}
	var nl int
	for _, ls := range comps {
		nl = len(ls)
	}
	for _, c := range schema.Components {
		ls, ok := comps[c]
		if !ok {
			continue
		}
		for l, lay := range ls {
			for s := 0; s < nseq; s++ {
				sign := 1.0
				if s%2 == 1 {
					sign = -1
				}
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Architecture: "gpt_neox", Backend: "test", NParams: nParams,
					NLayers: int32(nl), HiddenSize: 64, Layer: int32(l), Component: c, Seq: int32(s),
					NTokens:  int32(100 + 37*(s/2%5)),
					GainMean: lay.Gain * (1 + sign*lay.Spread),
				})
			}
		}
	}
	return run
}

// interpLog interpolates knots (layer → gain) linearly in log gain over layers 0 … n−1; the knots must cover both ends.
func InterpLog(n int, knots map[int]float64) []float64 {
	var ks []int
	for l := 0; l < n; l++ {
		if _, ok := knots[l]; ok {
			ks = append(ks, l)
		}
	}
	g := make([]float64, n)
	for i := 0; i+1 < len(ks); i++ {
		a, b := ks[i], ks[i+1]
		for l := a; l <= b; l++ {
			f := float64(l-a) / float64(b-a)
			g[l] = math.Exp((1-f)*math.Log(knots[a]) + f*math.Log(knots[b]))
		}
	}
	return g
}

// seed69MLP is the assumed full 32-layer MLP profile of Pythia-6.9B. The seed note gives layers 0, 4, …, 28 and 31
// only (1.30 2.07 0.70 0.95 1.04 1.04 0.90 0.87 … 6.24). We interpolate linearly in log gain between the given layers
// up to L28, and hold L29 and L30 at the L28 value 0.87: the note calls L21–30 a late decline with the bottleneck at
// L30, and says L31 alone explodes, so interpolating from 0.87 up to 6.24 over L29–30 would contradict it.
func Seed69MLP() []float64 {
	g := InterpLog(29, map[int]float64{0: 1.30, 4: 2.07, 8: 0.70, 12: 0.95, 16: 1.04, 20: 1.04, 24: 0.90, 28: 0.87})
	return append(g, 0.87, 0.87, 6.24)
}

// SeedRuns builds synthetic runs shaped like the seed note's Pythia-1.4B and Pythia-6.9B, with their exact
// parameter counts from the Pythia model cards.
//
// 6.9B: attn interpolates the note's layer profile (0.99 … 0.27) with L0 = 0.999 and the minimum 0.079 at L23;
// mlp is seed69MLP with the note's minimum 0.262 at L1, so that 18 layers contract and 14 expand; combined is
// attn × mlp capped at 0.95 (the product is 1.10 at L1), except L0 = 1.2987 and L31 = 1.71, the two net-expanding
// layers.
// 1.4B: attn falls from 0.527 (L0) to 0.083 (L20) and rises to 0.37 (L23); mlp is 1.10 at L0, 0.261 at L1, between
// 0.3 and 0.9 in the middle, 0.995 at L12 and 3.60 at L23 (22 contract, 2 expand); combined is 1.34 at L23, < 1 elsewhere.
//
// Every layer has a 0.2 % sequence spread, so its interval is narrow, except the near-1 layers, which get a 30 % spread
// and so an interval that straddles 1: 6.9B attn L0 (0.999) and mlp L14, L15, L21 (0.994, 1.017, 1.003); 1.4B mlp
// L12 (0.995).
func SeedRuns() (small, large *schema.Run) {
	const tight, loose = 0.002, 0.3
	mk := func(g []float64, looseAt ...int) []LayerSpec {
		out := make([]LayerSpec, len(g))
		for l, x := range g {
			out[l] = LayerSpec{x, tight}
		}
		for _, l := range looseAt {
			out[l].Spread = loose
		}
		return out
	}

	attn69 := InterpLog(32, map[int]float64{0: 0.99, 4: 0.33, 8: 0.29, 12: 0.39, 16: 0.35, 20: 0.21, 24: 0.09, 28: 0.10, 31: 0.27})
	attn69[0], attn69[23] = 0.999, 0.079
	mlp69 := Seed69MLP()
	mlp69[1] = 0.262
	comb69 := make([]float64, 32)
	for l := range comb69 {
		comb69[l] = min(attn69[l]*mlp69[l], 0.95)
	}
	comb69[0], comb69[31] = 1.2987, 1.71
	large = SynthRun("pythia-6.9b", 6_857_302_016, 40, map[string][]LayerSpec{
		"attn": mk(attn69, 0), "mlp": mk(mlp69, 14, 15, 21), "combined": mk(comb69),
	})

	attn14 := InterpLog(24, map[int]float64{0: 0.527, 20: 0.083, 23: 0.37})
	mlp14 := InterpLog(24, map[int]float64{1: 0.261, 6: 0.9, 11: 0.3, 22: 0.8, 0: 1.10, 23: 3.60})
	mlp14[12] = 0.995
	comb14 := make([]float64, 24)
	for l := range comb14 {
		comb14[l] = attn14[l] * mlp14[l]
	}
	comb14[23] = 1.34
	small = SynthRun("pythia-1.4b", 1_414_647_808, 40, map[string][]LayerSpec{
		"attn": mk(attn14), "mlp": mk(mlp14, 12), "combined": mk(comb14),
	})
	return small, large
}
