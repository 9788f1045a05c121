package fit

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// layerSpec is one layer of a synthetic component: its layer-level gain and the relative per-sequence spread.
type layerSpec struct {
	gain, spread float64
}

// synthRun builds a run whose layer-level gains are exactly the given ones. Sequences come in pairs with the same token
// count and gains gain·(1 ± spread), so every token-weighted mean is exactly gain while the bootstrap sees a
// sequence-to-sequence spread of relative size spread. nseq must be even.
func synthRun(model string, nParams int64, nseq int, comps map[string][]layerSpec) *schema.Run {
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
					GainMean: lay.gain * (1 + sign*lay.spread),
				})
			}
		}
	}
	return run
}

func mustProfile(t testing.TB, run *schema.Run) *Profile {
	t.Helper()
	p, err := NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// interpLog interpolates knots (layer → gain) linearly in log gain over layers 0 … n−1; the knots must cover both ends.
func interpLog(n int, knots map[int]float64) []float64 {
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
func seed69MLP() []float64 {
	g := interpLog(29, map[int]float64{0: 1.30, 4: 2.07, 8: 0.70, 12: 0.95, 16: 1.04, 20: 1.04, 24: 0.90, 28: 0.87})
	return append(g, 0.87, 0.87, 6.24)
}

// seedRuns builds synthetic runs shaped like the seed's Pythia-1.4B and Pythia-6.9B with the counts of DESIGN.md §6.
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
func seedRuns() (small, large *schema.Run) {
	const tight, loose = 0.002, 0.3
	mk := func(g []float64, looseAt ...int) []layerSpec {
		out := make([]layerSpec, len(g))
		for l, x := range g {
			out[l] = layerSpec{x, tight}
		}
		for _, l := range looseAt {
			out[l].spread = loose
		}
		return out
	}

	attn69 := interpLog(32, map[int]float64{0: 0.99, 4: 0.33, 8: 0.29, 12: 0.39, 16: 0.35, 20: 0.21, 24: 0.09, 28: 0.10, 31: 0.27})
	attn69[0], attn69[23] = 0.999, 0.079
	mlp69 := seed69MLP()
	mlp69[1] = 0.262
	comb69 := make([]float64, 32)
	for l := range comb69 {
		comb69[l] = min(attn69[l]*mlp69[l], 0.95)
	}
	comb69[0], comb69[31] = 1.2987, 1.71
	large = synthRun("pythia-6.9b", 6_857_302_016, 40, map[string][]layerSpec{
		"attn": mk(attn69, 0), "mlp": mk(mlp69, 14, 15, 21), "combined": mk(comb69),
	})

	attn14 := interpLog(24, map[int]float64{0: 0.527, 20: 0.083, 23: 0.37})
	mlp14 := interpLog(24, map[int]float64{1: 0.261, 6: 0.9, 11: 0.3, 22: 0.8, 0: 1.10, 23: 3.60})
	mlp14[12] = 0.995
	comb14 := make([]float64, 24)
	for l := range comb14 {
		comb14[l] = attn14[l] * mlp14[l]
	}
	comb14[23] = 1.34
	small = synthRun("pythia-1.4b", 1_414_647_808, 40, map[string][]layerSpec{
		"attn": mk(attn14), "mlp": mk(mlp14, 12), "combined": mk(comb14),
	})
	return small, large
}

func seedProfiles(t testing.TB) []*Profile {
	small, large := seedRuns()
	return []*Profile{mustProfile(t, small), mustProfile(t, large)}
}

func testBands(t testing.TB, ps []*Profile) []*LayerBands {
	t.Helper()
	var out []*LayerBands
	for _, p := range ps {
		b, err := BootstrapLayers(p, []string{"attn", "mlp", "combined"}, LayerBootConfig{Resamples: 2000, Confidence: 0.95, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestJudgeSeed(t *testing.T) {
	ps := seedProfiles(t)
	v, err := Judge(ps, testBands(t, ps), VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		summary           string
		holds             bool
		count, sig, layer int
		value             float64
		robust            bool
	}
	want := []struct {
		id, status, trend string
		cells             [2]cell
	}{
		{PredAttnContracts, StatusUniversal, TrendFlat, [2]cell{
			{"24/24 (100 %)", true, 24, 24, -1, 1, true},
			{"32/32 (100 %)", true, 32, 31, -1, 1, false}}}, // L0 = 0.999 contracts, but not significantly
		{PredMLPMostly, StatusScaleDependent, TrendFalls, [2]cell{
			{"22/24 (92 %)", true, 22, 21, -1, 22.0 / 24, true},
			{"18/32 (56 %)", false, 18, 17, -1, 18.0 / 32, true}}},
		{PredLastMLPExpands, StatusUniversal, TrendRises, [2]cell{
			{"3.60×", true, -1, 1, 23, 3.60, true},
			{"6.24×", true, -1, 1, 31, 6.24, true}}},
		{PredLastMLPMax, StatusUniversal, TrendFalls, [2]cell{
			{"L23", true, -1, 1, 23, 3.60 / 1.10, true},
			{"L31", true, -1, 1, 31, 6.24 / 2.07, true}}},
		{PredNetOnlyLast, StatusScaleDependent, TrendRises, [2]cell{
			{"1/24 (4 %) at L23", true, 1, 1, -1, 0, true},
			{"2/32 (6 %) at L0, L31", false, 2, 2, -1, 1.0 / 31, true}}},
	}
	if len(v.Predictions) != len(want) {
		t.Fatalf("%d predictions, want %d", len(v.Predictions), len(want))
	}
	for i, w := range want {
		p := v.Predictions[i]
		if p.ID != w.id || p.Status != w.status || p.Trend != w.trend {
			t.Errorf("%s: id %s status %s trend %s, want %s %s", w.id, p.ID, p.Status, p.Trend, w.status, w.trend)
		}
		for j, c := range w.cells {
			m := p.Models[j]
			if m.Summary != c.summary || m.Holds != c.holds || m.Count != c.count || m.Significant != c.sig ||
				m.Layer != c.layer || math.Abs(m.Value-c.value) > 1e-9 || m.Robust != c.robust || !m.Bootstrapped {
				t.Errorf("%s %s: got %+v\nwant %+v", w.id, m.Model, m, c)
			}
		}
	}
	if got := v.Predictions[0].Models[1].Significance; got != "32/32 contract, 31 significantly (95 % CI below 1)" {
		t.Errorf("attn significance of 6.9B = %q", got)
	}
	if got := v.Predictions[1].Models[1].Significance; got != "18/32 contract, 17 significantly (95 % CI below 1); 14 expand, 12 significantly (CI above 1)" {
		t.Errorf("mlp significance of 6.9B = %q", got)
	}
	if got := v.Predictions[1].TrendText; got != "share of MLP layers contracting falls with params: 92 % → 56 %" {
		t.Errorf("trend text = %q", got)
	}
	if got := v.Predictions[4].Models[1].Significance; got != "2 expand, 2 significantly (95 % CI above 1): 1 of them before the last layer, 1 significantly" {
		t.Errorf("net significance of 6.9B = %q", got)
	}

	text := v.String()
	for _, s := range []string{
		"32/32 (100 %) holds", "18/32 (56 %) fails", "6.24× holds", "universal; last-layer MLP gain rises with params: 3.60× → 6.24×",
		"scale-dependent; share of MLP layers contracting falls with params: 92 % → 56 %",
		"Significance (95 % layer-bootstrap percentile intervals, 2000 resamples of sequences):",
		"verdict not robust",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("String() lacks %q:\n%s", s, text)
		}
	}
	md := v.Markdown()
	if !strings.HasPrefix(md, "| Prediction | pythia-1.4b | pythia-6.9b | Across models |\n|---|---|---|---|\n| Attention always contracts | 24/24 (100 %) holds | 32/32 (100 %) holds | universal;") {
		t.Errorf("Markdown() starts\n%s", md[:min(len(md), 300)])
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestJudgeOptions(t *testing.T) {
	ps := seedProfiles(t)
	tests := []struct {
		name   string
		opt    VerdictOptions
		id     string
		status string
		holds  [2]bool
	}{
		// 18/32 = 56 % contract in 6.9B: "mostly" at half the layers makes (2) universal.
		{"mostly 0.5", VerdictOptions{Mostly: 0.5}, PredMLPMostly, StatusUniversal, [2]bool{true, true}},
		// 22/24 = 92 %: a 95 % bar fails both.
		{"mostly 0.95", VerdictOptions{Mostly: 0.95}, PredMLPMostly, StatusFails, [2]bool{false, false}},
		// 6.9B's early net expansion is 1.2987 at L0: a tolerance of 0.3 ignores it but keeps L31 (1.71).
		{"net tolerance 0.3", VerdictOptions{NetTolerance: 0.3}, PredNetOnlyLast, StatusUniversal, [2]bool{true, true}},
		// A tolerance of 0.5 also drops 1.4B's 1.34 at L23: no net expansion left there.
		{"net tolerance 0.5", VerdictOptions{NetTolerance: 0.5}, PredNetOnlyLast, StatusScaleDependent, [2]bool{false, true}},
		// L0 is not among the last 2 layers either.
		{"last 2 layers", VerdictOptions{LastLayers: 2}, PredNetOnlyLast, StatusScaleDependent, [2]bool{true, false}},
	}
	for _, tt := range tests {
		v, err := Judge(ps, nil, tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Predictions {
			if p.ID != tt.id {
				continue
			}
			if p.Status != tt.status || p.Models[0].Holds != tt.holds[0] || p.Models[1].Holds != tt.holds[1] {
				t.Errorf("%s: status %s, holds %v %v; want %s %v", tt.name, p.Status, p.Models[0].Holds, p.Models[1].Holds, tt.status, tt.holds)
			}
			if p.Models[0].Bootstrapped || p.Models[0].Significance != "" {
				t.Errorf("%s: significance without a bootstrap: %+v", tt.name, p.Models[0])
			}
		}
		if strings.Contains(v.String(), "Significance") {
			t.Errorf("%s: significance table without a bootstrap", tt.name)
		}
	}

	for _, bad := range []VerdictOptions{{Mostly: 1.5}, {Mostly: -1}, {LastLayers: -1}, {NetTolerance: -0.1}, {NetTolerance: math.NaN()}} {
		if _, err := Judge(ps, nil, bad); err == nil {
			t.Errorf("Judge accepted options %+v", bad)
		}
	}
	if _, err := Judge(nil, nil, VerdictOptions{}); err == nil {
		t.Error("Judge accepted no models")
	}
	if _, err := Judge(ps, testBands(t, ps[:1]), VerdictOptions{}); err == nil {
		t.Error("Judge accepted one bootstrap for two models")
	}
	if _, err := Judge(ps, []*LayerBands{testBands(t, ps[1:])[0], nil}, VerdictOptions{}); err == nil {
		t.Error("Judge accepted the 6.9B bootstrap for the 1.4B model")
	}
}

// TestJudgeTrendAndMissing checks a mixed trend over three models and a prediction that applies to no model.
func TestJudgeTrendAndMissing(t *testing.T) {
	mk := func(name string, params int64, last float64) *Profile {
		mlp := []layerSpec{{0.5, 0.01}, {0.6, 0.01}, {last, 0.01}}
		attn := []layerSpec{{0.5, 0.01}, {0.4, 0.01}, {0.3, 0.01}}
		return mustProfile(t, synthRun(name, params, 2, map[string][]layerSpec{"attn": attn, "mlp": mlp}))
	}
	ps := []*Profile{mk("c", 300, 2.0), mk("a", 100, 3.0), mk("b", 200, 1.5)}
	v, err := Judge(ps, nil, VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := v.Predictions[2] // last-layer MLP gain: 3.0, 1.5, 2.0 in order of params
	if p.Trend != TrendMixed || p.TrendText != "last-layer MLP gain has no monotone trend in params: 3.00× → 1.50× → 2.00×" {
		t.Errorf("trend %q %q", p.Trend, p.TrendText)
	}
	net := v.Predictions[4]
	if net.Status != StatusNA || net.Models[0].Applicable || net.Models[0].Summary != "n/a (no combined)" {
		t.Errorf("net expansion without combined rows: %+v", net)
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("json with NaN values: %v", err)
	}
}
