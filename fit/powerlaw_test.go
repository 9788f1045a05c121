package fit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers"
)

// mlpProfile builds a profile in memory whose mlp component has the per-sequence gains mlp[layer][seq]; every
// sequence counts tok tokens, or tokVar[s] tokens when given.
func mlpProfile(model string, nParams int64, mlp [][]float64, tok float64, tokVar ...float64) *layers.Profile {
	nseq := len(mlp[0])
	p := &layers.Profile{Model: model, NParams: nParams, NParamsNonembed: nParams / 2, NLayers: len(mlp), HiddenSize: 64,
		Tokens: make([]float64, nseq)}
	for s := range p.Tokens {
		p.Tokens[s] = tok
		if len(tokVar) > 0 {
			p.Tokens[s] = tokVar[s]
		}
	}
	g := make([]float64, 0, len(mlp)*nseq)
	for _, row := range mlp {
		g = append(g, row...)
	}
	if err := p.SetGrid("mlp", g); err != nil {
		panic(err)
	}
	return p
}

// randomProfile has nl layers and nseq sequences with lognormal per-sequence gains around the layer means
// level·(1 + layer/nl) and random token counts.
func randomProfile(model string, nParams int64, nl, nseq int, level, sd float64, rng *rand.Rand) *layers.Profile {
	mlp := make([][]float64, nl)
	for l := range mlp {
		mlp[l] = make([]float64, nseq)
		for s := range mlp[l] {
			mlp[l][s] = level * (1 + float64(l)/float64(nl)) * math.Exp(sd*rng.NormFloat64())
		}
	}
	tok := make([]float64, nseq)
	for s := range tok {
		tok[s] = float64(100 + rng.IntN(900))
	}
	return mlpProfile(model, nParams, mlp, 0, tok...)
}

var seedPoints = []Point{
	{Model: "pythia-1.4b", X: 1414647808, Y: 3.60, YSE: math.NaN(), Layer: 23},
	{Model: "pythia-6.9b", X: 6857302016, Y: 6.24, YSE: math.NaN(), Layer: 31},
}

func TestPowerLawTwoPoints(t *testing.T) {
	tg := []Target{{Label: "pythia-12b", X: 11846072320}, {Label: "175e9", X: 175e9}, {Label: "1e12", X: 1e12}}
	r, err := PowerLaw(seedPoints, Options{Targets: tg, Bootstrap: []string{Pairs}})
	if err != nil {
		t.Fatal(err)
	}
	// The seed note's exponent: log(6.24/3.60)/log(6857302016/1414647808).
	want := math.Log(6.24/3.60) / math.Log(6857302016.0/1414647808.0)
	if !closeRel(r.Exponent, want, 1e-13, 0) {
		t.Errorf("exponent %.17g, want %.17g", r.Exponent, want)
	}
	if r.ExponentCI.Defined() || !math.IsNaN(r.ExponentSE) || r.PrefactorCI.Defined() {
		t.Errorf("n = 2 must have no interval: se %v ci %v", r.ExponentSE, r.ExponentCI)
	}
	for _, p := range r.Predictions {
		w := 6.24 * math.Pow(p.X/6857302016, want)
		if !closeRel(p.Y, w, 1e-12, 0) {
			t.Errorf("%s: %v, want %v", p.Label, p.Y, w)
		}
		if p.CI.Defined() || p.PI.Defined() || p.Boot.Defined() {
			t.Errorf("%s: intervals at n = 2: %v %v %v", p.Label, p.CI, p.PI, p.Boot)
		}
	}
	if len(r.Bootstraps) != 0 || r.LOO != nil {
		t.Errorf("n = 2 ran %d bootstraps and %d LOO", len(r.Bootstraps), len(r.LOO))
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "exactly determined") {
		t.Errorf("warnings %q", r.Warnings)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"x", "y", "form", "n", "confidence", "exponent", "exponent_se", "exponent_ci", "prefactor",
		"prefactor_ci", "r2", "points", "bootstrap", "predictions", "loo"} {
		if _, ok := m[k]; !ok {
			t.Errorf("json has no key %q", k)
		}
	}
	if m["exponent_ci"] != nil || m["exponent_se"] != nil {
		t.Errorf("exponent_ci %v, exponent_se %v: want null", m["exponent_ci"], m["exponent_se"])
	}
	pred := m["predictions"].([]any)[0].(map[string]any)
	if pred["ci"] != nil || pred["pi"] != nil || pred["bootstrap_ci"] != nil || pred["y"] == nil {
		t.Errorf("prediction json %v", pred)
	}
}

func TestPowerLawErrors(t *testing.T) {
	pt := func(x, y float64) Point { return Point{Model: "m", X: x, Y: y, YSE: math.NaN()} }
	cases := []struct {
		name string
		pts  []Point
		opt  Options
		want string
	}{
		{"one point", []Point{pt(1e9, 2)}, Options{}, "at least two"},
		{"zero y", []Point{pt(1e9, 2), pt(2e9, 0)}, Options{}, "needs y > 0"},
		{"negative y", []Point{pt(1e9, 2), pt(2e9, -1)}, Options{}, "needs y > 0"},
		{"negative x", []Point{pt(-1e9, 2), pt(2e9, 1)}, Options{}, "needs x > 0"},
		{"NaN y", []Point{pt(1e9, 2), pt(2e9, math.NaN())}, Options{}, "not a finite number"},
		{"NaN x", []Point{pt(math.NaN(), 2), pt(2e9, 3)}, Options{}, "not a finite number"},
		{"Inf y", []Point{pt(1e9, 2), pt(2e9, math.Inf(1))}, Options{}, "not a finite number"},
		{"same x", []Point{pt(1e9, 2), pt(1e9, 3), pt(1e9, 4)}, Options{}, "same x"},
		{"no y_se", []Point{pt(1e9, 2), pt(2e9, 3)}, Options{Weights: WeightsInverseVariance}, "y_se"},
		{"bad confidence", []Point{pt(1e9, 2), pt(2e9, 3)}, Options{Confidence: 1.5}, "confidence"},
		{"bad method", []Point{pt(1e9, 2), pt(2e9, 3)}, Options{Bootstrap: []string{"wild"}}, "unknown bootstrap"},
		{"offset n=3", []Point{pt(1e9, 2), pt(2e9, 3), pt(3e9, 3.5)}, Options{Form: FormOffset}, "at least 4"},
		{"hier without runs", []Point{pt(1e9, 2), pt(2e9, 3), pt(3e9, 3.5)}, Options{Bootstrap: []string{Hierarchical}}, "no model comes from a run"},
	}
	for _, c := range cases {
		_, err := PowerLaw(c.pts, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	_, err := PowerLaw([]Point{pt(1e9, 2), pt(1e9, 3)}, Options{})
	if !errors.Is(err, errSameX) {
		t.Errorf("same x: %v does not wrap errSameX", err)
	}
}

// TestLeaveOneOutThree checks the n = 3 leave-one-out against the line through the two remaining points.
func TestLeaveOneOutThree(t *testing.T) {
	pts := []Point{{Model: "a", X: 1e8, Y: 1.5}, {Model: "b", X: 1e9, Y: 2.5}, {Model: "c", X: 1e10, Y: 3.1}}
	r, err := PowerLaw(pts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range r.LOO {
		j, k := (i+1)%3, (i+2)%3
		tj, tk, ti := math.Log(pts[j].X), math.Log(pts[k].X), math.Log(pts[i].X)
		uj, uk := math.Log(pts[j].Y), math.Log(pts[k].Y)
		want := math.Exp(uj + (uk-uj)*(ti-tj)/(tk-tj))
		if !closeRel(l.Predicted, want, 1e-12, 0) || !closeRel(l.LogError, math.Log(pts[i].Y/want), 1e-9, 1e-12) {
			t.Errorf("loo %s: %v (log error %v), want %v", l.Model, l.Predicted, l.LogError, want)
		}
		if l.PI.Defined() || l.Covered != nil {
			t.Errorf("loo %s at n = 3 has a prediction interval %v", l.Model, l.PI)
		}
	}
}

// TestLeaveOneOutCoverage checks LOO intervals against statsmodels-equivalent closed forms on 6 points.
func TestLeaveOneOutCoverage(t *testing.T) {
	pts := []Point{{Model: "a", X: 1e8, Y: 1.5}, {Model: "b", X: 3e8, Y: 1.9}, {Model: "c", X: 1e9, Y: 2.6},
		{Model: "d", X: 3e9, Y: 3.1}, {Model: "e", X: 1e10, Y: 4.4}, {Model: "f", X: 3e10, Y: 5.2}}
	r, err := PowerLaw(pts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range r.LOO {
		var t5, u5 []float64
		for j, p := range pts {
			if j != i {
				t5, u5 = append(t5, math.Log(p.X)), append(u5, math.Log(p.Y))
			}
		}
		line, _ := FitLine(t5, u5, nil)
		pi := line.PredCI(math.Log(pts[i].X), 1, 0.95).Exp()
		if !closeRel(l.PI.Lo, pi.Lo, 1e-12, 0) || !closeRel(l.PI.Hi, pi.Hi, 1e-12, 0) {
			t.Errorf("loo %s: PI %v, want %v", l.Model, l.PI, pi)
		}
		if l.Covered == nil || *l.Covered != (pi.Lo <= pts[i].Y && pts[i].Y <= pi.Hi) {
			t.Errorf("loo %s: covered %v", l.Model, l.Covered)
		}
	}
}

func TestPointsCSV(t *testing.T) {
	in := "model,x,y,y_se\npythia-1.4b,1414647808,3.60,0.05\n# comment\npythia-6.9b,6.857302016e9,6.24,\n"
	pts, err := ReadPointsCSV(strings.NewReader(in), "mine.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].YSE != 0.05 || !math.IsNaN(pts[1].YSE) || pts[1].X != 6857302016 || pts[1].Model != "pythia-6.9b" {
		t.Errorf("points %+v", pts)
	}
	for _, bad := range []struct{ in, want string }{
		{"", "empty"},
		{"model,x\na,1\n", `no "y"`},
		{"model,x,y,z\na,1,2,3\n", "unknown column"},
		{"model,x,y\na,1,two\n", "line 2"},
		{"model,x,y\n", "no data rows"},
		{"model,x,y\n" + strings.Repeat("m", 300) + ",1,2\n", "line 2: a model or architecture name of more than 256 bytes"},
		{"model,x,y," + strings.Repeat("z", 5000) + "\na,1,2,3\n", `unknown column "zzzz`},
	} {
		if _, err := ReadPointsCSV(strings.NewReader(bad.in), "f.csv"); err == nil || !strings.Contains(err.Error(), bad.want) || len(err.Error()) > 300 {
			t.Errorf("%.100q: error %.400v, want one line of at most 300 bytes containing %q", bad.in, err, bad.want)
		}
	}
}

func TestParseTargets(t *testing.T) {
	lookup := func(n string) (Target, bool) {
		if n == "pythia-12b" {
			return Target{Label: n, X: 11846072320, Source: "model card"}, true
		}
		return Target{}, false
	}
	got, err := ParseTargets([]string{"pythia-12b", "175e9", "1T", "2.5B", " 7e9 "}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{11846072320, 175e9, 1e12, 2.5e9, 7e9}
	for i, g := range got {
		if g.X != want[i] {
			t.Errorf("%s: %v, want %v", g.Label, g.X, want[i])
		}
	}
	if got[0].Source != "model card" || got[1].Source != "given" {
		t.Errorf("sources %q %q", got[0].Source, got[1].Source)
	}
	for _, bad := range []string{"gpt-9", "-5e9", "0"} {
		if _, err := ParseTargets([]string{bad}, lookup); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCurve(t *testing.T) {
	pts := []Point{{Model: "a", X: 1e8, Y: 1.5}, {Model: "b", X: 1e9, Y: 2.5}, {Model: "c", X: 1e10, Y: 3.1}, {Model: "d", X: 1e11, Y: 5.0}}
	r, err := PowerLaw(pts, Options{Targets: []Target{{Label: "t", X: 3e9}}})
	if err != nil {
		t.Fatal(err)
	}
	med, lo, hi := r.Curve([]float64{3e9})
	p := r.Predictions[0]
	if med[0] != p.Y || lo[0] != p.CI.Lo || hi[0] != p.CI.Hi {
		t.Errorf("curve %v %v %v, prediction %v %v", med, lo, hi, p.Y, p.CI)
	}
}

// TestSeqEvaluatorMatchesMetricEval checks the fast resampling evaluator against Metric.Eval with the same weights,
// for every metric that reads mlp.
func TestSeqEvaluatorMatchesMetricEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := randomProfile("m", 1e9, 7, 40, 0.9, 0.4, rng)
	for _, m := range layers.Metrics() {
		if m.Component != "mlp" {
			continue
		}
		ev := newSeqEvaluator(m, p)
		for range 20 {
			c := make([]float64, p.NSeq())
			for range p.NSeq() {
				c[rng.IntN(p.NSeq())]++
			}
			want, _ := m.Eval(p, c)
			if got := ev.withCounts(c); !closeRel(got, want, 1e-12, 1e-15) {
				t.Errorf("%s: %v, Eval %v", m.Name, got, want)
			}
		}
		for d := range p.NSeq() {
			w := make([]float64, p.NSeq())
			for s := range w {
				w[s] = 1
			}
			w[d] = 0
			want, _ := m.Eval(p, w)
			if got := ev.dropOne(d); !closeRel(got, want, 1e-12, 1e-15) {
				t.Errorf("%s drop %d: %v, Eval %v", m.Name, d, got, want)
			}
		}
	}
}

// TestResampleFastPath checks both resampling paths (the single-layer sum for final_* metrics, the count vector for
// the others) against Metric.Eval with the counts of the same draws.
func TestResampleFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p := randomProfile("m", 1e9, 5, 37, 0.9, 0.4, rng) // odd, so the tail draw is exercised
	for _, name := range []string{"final_mlp_gain", "max_mlp_gain", "frac_mlp_contracting"} {
		m, _ := layers.MetricByName(name)
		ev := newSeqEvaluator(m, p)
		if (ev.single >= 0) != (name == "final_mlp_gain") || (name == "final_mlp_gain" && ev.single != 4) {
			t.Errorf("%s: single layer %d", name, ev.single)
		}
		var g bootRNG
		for r := range 50 {
			g.seed(1, uint64(r))
			got := ev.resample(&g)
			g.seed(1, uint64(r))
			c := make([]float64, p.NSeq())
			g.drawCounts(c, p.Tokens)
			var total float64
			for _, v := range c {
				total += v
			}
			want, _ := m.Eval(p, c)
			if total != float64(p.NSeq()) || !closeRel(got, want, 1e-12, 1e-15) {
				t.Errorf("%s resample %d: %v, Eval %v (%v draws)", name, r, got, want, total)
			}
		}
	}
}

// TestHierarchicalSE compares the hierarchical bootstrap's standard error of the exponent with the delta method: with
// two models, b = (ln ȳ₂ − ln ȳ₁)/(t₂ − t₁) and Var(ln ȳ_j) ≈ Var(ȳ_j)/ȳ_j², where Var(ȳ_j) of a token-weighted mean
// of m sequences with weights n_s is Σ n_s²(g_s − ȳ)²/(Σ n_s)² (the multinomial-resampling variance).
func TestHierarchicalSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, _ := layers.MetricByName("final_mlp_gain")
	ps := []*layers.Profile{randomProfile("a", 1e9, 4, 300, 2, 0.5, rng), randomProfile("b", 8e9, 4, 500, 3.5, 0.3, rng)}
	pts, err := PointsFromProfiles(ps, nil, m, "params", 7)
	if err != nil {
		t.Fatal(err)
	}
	r, err := PowerLaw(pts, Options{Metric: &m, Bootstrap: []string{Hierarchical}, Resamples: 20000, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for j, p := range ps {
		g := p.SeqGains("mlp", p.NLayers-1)
		y := pts[j].Y
		var num, den float64
		for s, gs := range g {
			num += p.Tokens[s] * p.Tokens[s] * (gs - y) * (gs - y)
			den += p.Tokens[s]
		}
		varY := num / (den * den)
		v += varY / (y * y)
		// The point's own y_se is the same resampling standard deviation.
		if !closeRel(pts[j].YSE, math.Sqrt(varY), 0.12, 0) {
			t.Errorf("y_se %v, delta method %v", pts[j].YSE, math.Sqrt(varY))
		}
	}
	want := math.Sqrt(v) / math.Log(8)
	bs := r.Bootstraps[0]
	if bs.Used != 20000 || !closeRel(bs.Exponent.SE, want, 0.03, 0) {
		t.Errorf("hierarchical SE %v (used %d), delta method %v", bs.Exponent.SE, bs.Used, want)
	}
	if !bs.Exponent.BCa.Defined() || !bs.Exponent.Percentile.Contains(r.Exponent) {
		t.Errorf("intervals %+v around %v", bs.Exponent, r.Exponent)
	}
}

// TestResidualAndPairsSE: with many models the residual bootstrap estimates the OLS standard error of the slope,
// s/√Stt, and the pairs bootstrap the heteroskedasticity-consistent (HC0 sandwich) one, √(Σ(t_i − t̄)² e_i²)/Stt.
func TestResidualAndPairsSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var pts []Point
	for i := range 60 {
		x := math.Exp(18 + 6*float64(i)/59)
		pts = append(pts, Point{Model: "m", X: x, Y: 0.01 * math.Pow(x, 0.3) * math.Exp(0.1*rng.NormFloat64())})
	}
	r, err := PowerLaw(pts, Options{Bootstrap: []string{Residual, Pairs}, Resamples: 8000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var hc0 float64
	for i, p := range pts {
		d := math.Log(p.X) - r.Line.TBar
		hc0 += d * d * r.Line.Resid[i] * r.Line.Resid[i]
	}
	hc0 = math.Sqrt(hc0) / r.Line.Stt
	for i, want := range []float64{r.ExponentSE, hc0} {
		bs := r.Bootstraps[i]
		if !closeRel(bs.Exponent.SE, want, 0.04, 0) {
			t.Errorf("%s: SE %v, want %v", bs.Method, bs.Exponent.SE, want)
		}
		if bs.Degenerate != 0 || bs.Used != 8000 || bs.Warning != "" {
			t.Errorf("%s: degenerate %d used %d warning %q", bs.Method, bs.Degenerate, bs.Used, bs.Warning)
		}
	}
}

// TestDegenerateResamples: with x = (1, 1, 2)·10⁹ a pairs resample is degenerate when it draws only the first two
// models (probability (2/3)³) or only the third ((1/3)³): 1/3 in all.
func TestDegenerateResamples(t *testing.T) {
	pts := []Point{{Model: "a", X: 1e9, Y: 2}, {Model: "b", X: 1e9, Y: 2.2}, {Model: "c", X: 2e9, Y: 3}}
	const B = 30000
	r, err := PowerLaw(pts, Options{Bootstrap: []string{Pairs}, Resamples: B, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	bs := r.Bootstraps[0]
	p := 1.0 / 3
	if sd := math.Sqrt(B * p * (1 - p)); math.Abs(float64(bs.Degenerate)-B*p) > 5*sd {
		t.Errorf("degenerate %d, expected %v ± %v", bs.Degenerate, B*p, sd)
	}
	if bs.Used+bs.Degenerate != B || bs.Invalid != 0 {
		t.Errorf("used %d + degenerate %d != %d", bs.Used, bs.Degenerate, B)
	}
	for _, v := range []float64{bs.Exponent.Percentile.Lo, bs.Exponent.Percentile.Hi, bs.Exponent.SE} {
		if math.IsNaN(v) {
			t.Errorf("NaN in the intervals: %+v", bs.Exponent)
		}
	}
	// Leaving out c leaves only x = 1e9: no jackknife, so BCa is undefined and says why.
	if bs.Exponent.BCa.Defined() || !strings.Contains(bs.Warning, "BCa undefined") {
		t.Errorf("BCa %v, warning %q", bs.Exponent.BCa, bs.Warning)
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m, _ := layers.MetricByName("max_mlp_gain")
	var ps []*layers.Profile
	for i := range 5 {
		ps = append(ps, randomProfile("m", int64(1e8*math.Pow(3, float64(i))), 6, 50, 1+0.3*float64(i), 0.3, rng))
	}
	pts, err := PointsFromProfiles(ps, nil, m, "params", 1)
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int, seed uint64) *Result {
		r, err := PowerLaw(pts, Options{Metric: &m, Bootstrap: BootstrapMethods, Resamples: 3000, Seed: seed,
			Workers: workers, Targets: []Target{{Label: "t", X: 1e11}}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1, 42), run(5, 42), run(2, 43)
	for i := range a.Bootstraps {
		if a.Bootstraps[i].Exponent != b.Bootstraps[i].Exponent || a.Bootstraps[i].Targets[0] != b.Bootstraps[i].Targets[0] {
			t.Errorf("%s: results depend on the number of workers", a.Bootstraps[i].Method)
		}
		if a.Bootstraps[i].Exponent.Percentile == c.Bootstraps[i].Exponent.Percentile {
			t.Errorf("%s: seeds 42 and 43 give the same interval", a.Bootstraps[i].Method)
		}
	}
	if w := a.Bootstraps[1].Warning; !strings.Contains(w, "n = 5 < 8") {
		t.Errorf("pairs warning at n = 5: %q", w)
	}
}

// BenchmarkHierarchical is the performance target: 10,000 hierarchical resamples over 20 models × 1,000 sequences.
// One iteration is the whole bootstrap, intervals included.
func BenchmarkHierarchical(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	m, _ := layers.MetricByName("final_mlp_gain")
	var ps []*layers.Profile
	for i := range 20 {
		ps = append(ps, randomProfile("m", int64(7e7*math.Pow(1.3, float64(i))), 32, 1000, 1+0.2*float64(i), 0.3, rng))
	}
	pts, err := PointsFromProfiles(ps, nil, m, "params", 1)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Metric: &m, Bootstrap: []string{Hierarchical}, Resamples: 10000, Seed: 1,
		Targets: []Target{{Label: "12b", X: 1.2e10}, {Label: "175e9", X: 175e9}}}
	b.ResetTimer()
	for b.Loop() {
		r, err := PowerLaw(pts, opt)
		if err != nil {
			b.Fatal(err)
		}
		if r.Bootstraps[0].Used != 10000 {
			b.Fatal("resamples lost")
		}
	}
}

// TestBootstrapDroppedWithWarning fits two revisions of one model and one other size: three points on two distinct x.
// The larger model's residual has leverage 1, so the residual bootstrap cannot be computed; the fit leaves it out with
// a warning and still reports the t interval and the other bootstraps.
func TestBootstrapDroppedWithWarning(t *testing.T) {
	pts := []Point{
		{Model: "m@step1000", X: 1e8, Y: 2.0, YSE: math.NaN(), Layer: -1},
		{Model: "m@step2000", X: 1e8, Y: 2.2, YSE: math.NaN(), Layer: -1},
		{Model: "big", X: 4e8, Y: 3.0, YSE: math.NaN(), Layer: -1},
	}
	r, err := PowerLaw(pts, Options{Bootstrap: DefaultBootstraps(pts), Resamples: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ExponentCI.Defined() {
		t.Errorf("no t interval: %+v", r.ExponentCI)
	}
	var methods []string
	for _, b := range r.Bootstraps {
		methods = append(methods, b.Method)
	}
	if fmt.Sprint(methods) != "[pairs]" {
		t.Errorf("bootstraps %v, want [pairs]", methods)
	}
	found := false
	for _, w := range r.Warnings {
		found = found || strings.HasPrefix(w, "residual bootstrap left out: ") && strings.Contains(w, "leverage 1")
	}
	if !found {
		t.Errorf("warnings %q lack the dropped residual bootstrap", r.Warnings)
	}
}

// TestBootstrapAuto: BootstrapAuto alone runs DefaultBootstraps of the points fitted, with the same numbers; beside
// another method it is an unknown one.
func TestBootstrapAuto(t *testing.T) {
	pts := []Point{
		{Model: "a", X: 1e8, Y: 2.0, YSE: math.NaN(), Layer: -1},
		{Model: "b", X: 2e8, Y: 2.3, YSE: math.NaN(), Layer: -1},
		{Model: "c", X: 4e8, Y: 2.9, YSE: math.NaN(), Layer: -1},
		{Model: "d", X: 8e8, Y: 3.2, YSE: math.NaN(), Layer: -1},
	}
	auto, err := PowerLaw(pts, Options{Bootstrap: []string{BootstrapAuto}, Resamples: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := PowerLaw(pts, Options{Bootstrap: DefaultBootstraps(pts), Resamples: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, exp := mustJSON(t, auto), mustJSON(t, want); got != exp {
		t.Errorf("auto:\n%s\nwant DefaultBootstraps':\n%s", got, exp)
	}
	if len(auto.Bootstraps) != 2 {
		t.Errorf("%d bootstraps, want pairs and residual", len(auto.Bootstraps))
	}
	if _, err := PowerLaw(pts, Options{Bootstrap: []string{BootstrapAuto, Pairs}}); err == nil || !strings.Contains(err.Error(), `unknown bootstrap method "auto"`) {
		t.Errorf("auto beside pairs: %v", err)
	}
}
