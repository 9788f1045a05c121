package fit

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/layers"
)

// goldenFile is testdata/fit/golden.json, written by testdata/fit/gen.py with statsmodels and scipy.
type goldenFile struct {
	OLS []struct {
		Name     string        `json:"name"`
		X        []float64     `json:"x"`
		Y        []float64     `json:"y"`
		X0       []float64     `json:"x0"`
		Weights  []float64     `json:"weights"`
		W0       *float64      `json:"w0"`
		Params   [2]float64    `json:"params"`
		BSE      [2]float64    `json:"bse"`
		R2       float64       `json:"rsquared"`
		Scale    float64       `json:"scale"`
		Resid    []float64     `json:"resid"`
		DFResid  float64       `json:"df_resid"`
		Alphas   []goldenAlpha `json:"alphas"`
		Expected string        `json:"-"`
	} `json:"ols"`
	BCa []struct {
		Name      string      `json:"name"`
		ThetaHat  float64     `json:"theta_hat"`
		Boot      []float64   `json:"boot"`
		Jackknife [][]float64 `json:"jackknife"`
		Results   []struct {
			Confidence float64    `json:"confidence"`
			Percentile [2]float64 `json:"percentile"`
			Basic      [2]float64 `json:"basic"`
			BCa        [2]float64 `json:"bca"`
			AHat       float64    `json:"a_hat"`
		} `json:"results"`
	} `json:"bca"`
	HierX       []float64   `json:"hier_x"`
	HierSamples [][]float64 `json:"hier_samples"`
}

type goldenAlpha struct {
	Alpha       float64      `json:"alpha"`
	TSM         float64      `json:"t_statsmodels"`
	TExact      float64      `json:"t_exact"`
	ConfInt     [][2]float64 `json:"conf_int"`
	Mean        []float64    `json:"mean"`
	MeanSE      []float64    `json:"mean_se"`
	MeanCILower []float64    `json:"mean_ci_lower"`
	MeanCIUpper []float64    `json:"mean_ci_upper"`
	ObsCILower  []float64    `json:"obs_ci_lower"`
	ObsCIUpper  []float64    `json:"obs_ci_upper"`
}

func readGolden(t *testing.T) *goldenFile {
	var g goldenFile
	readGoldenInto(t, &g)
	return &g
}

func readGoldenInto(t *testing.T, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fit", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// closeRel reports whether got is within rel of want, relative to |want| (absolutely within abs near zero).
func closeRel(got, want, rel, abs float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)+abs
}

func TestLineMatchesStatsmodels(t *testing.T) {
	const rel = 1e-9
	for _, c := range readGolden(t).OLS {
		t.Run(c.Name, func(t *testing.T) {
			lx, ly := make([]float64, len(c.X)), make([]float64, len(c.X))
			for i := range c.X {
				lx[i], ly[i] = math.Log(c.X[i]), math.Log(c.Y[i])
			}
			l, err := FitLine(lx, ly, c.Weights)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want float64) {
				t.Helper()
				if !closeRel(got, want, rel, 1e-13) {
					t.Errorf("%s = %.17g, statsmodels %.17g (rel err %.2g)", what, got, want, math.Abs(got-want)/math.Abs(want))
				}
			}
			check("intercept", l.Intercept, c.Params[0])
			check("slope", l.Slope, c.Params[1])
			check("se(intercept)", l.SEInt, c.BSE[0])
			check("se(slope)", l.SESlope, c.BSE[1])
			check("R²", l.R2, c.R2)
			check("scale", l.Scale, c.Scale)
			check("df", float64(l.DF), c.DFResid)
			for i, r := range c.Resid {
				check("resid", l.Resid[i], r)
			}
			w0 := 1.0
			if c.W0 != nil {
				w0 = *c.W0
			}
			for _, a := range c.Alphas {
				conf := 1 - a.Alpha
				// Our t quantile is exact; statsmodels' (scipy 1.10 stdtrit) is off by up to 2e-9.
				if q := l.TQuantile(conf); !closeRel(q, a.TExact, 1e-14, 0) {
					t.Errorf("t quantile %.17g, exact %.17g", q, a.TExact)
				}
				// The interval arithmetic, fed statsmodels' own quantile, agrees to 1e-12.
				q := a.TSM
				check := func(what string, got, want float64) {
					t.Helper()
					if !closeRel(got, want, 1e-12, 1e-14) {
						t.Errorf("%s = %.17g, statsmodels %.17g (rel err %.2g)", what, got, want, math.Abs(got-want)/math.Abs(want))
					}
				}
				ic, sc := l.interceptCIq(q), l.slopeCIq(q)
				check("intercept ci lo", ic.Lo, a.ConfInt[0][0])
				check("intercept ci hi", ic.Hi, a.ConfInt[0][1])
				check("slope ci lo", sc.Lo, a.ConfInt[1][0])
				check("slope ci hi", sc.Hi, a.ConfInt[1][1])
				for j, x0 := range c.X0 {
					t0 := math.Log(x0)
					m, se := l.Predict(t0)
					check("mean", m, a.Mean[j])
					check("mean_se", se, a.MeanSE[j])
					mc, pc := l.meanCIq(t0, q), l.predCIq(t0, w0, q)
					check("mean_ci_lower", mc.Lo, a.MeanCILower[j])
					check("mean_ci_upper", mc.Hi, a.MeanCIUpper[j])
					check("obs_ci_lower", pc.Lo, a.ObsCILower[j])
					check("obs_ci_upper", pc.Hi, a.ObsCIUpper[j])
					// With our exact quantile the y-scale intervals (exp of these, the medians' intervals) agree with
					// statsmodels to 1e-9 relative beyond the part explained by scipy's quantile error.
					qerr := math.Abs(l.TQuantile(conf) - q)
					for _, v := range [][3]float64{
						{l.MeanCI(t0, conf).Lo, a.MeanCILower[j], se},
						{l.MeanCI(t0, conf).Hi, a.MeanCIUpper[j], se},
						{l.PredCI(t0, w0, conf).Lo, a.ObsCILower[j], math.Sqrt(se*se + l.Scale/w0)},
						{l.PredCI(t0, w0, conf).Hi, a.ObsCIUpper[j], math.Sqrt(se*se + l.Scale/w0)},
					} {
						if d := math.Abs(math.Exp(v[0])/math.Exp(v[1]) - 1); d > 1e-9+1.01*qerr*v[2] {
							t.Errorf("exp interval bound %.17g vs statsmodels %.17g: rel err %.2g", math.Exp(v[0]), math.Exp(v[1]), d)
						}
					}
				}
			}
		})
	}
}

// TestPowerLawMatchesStatsmodels runs the whole fit on the goldenFile points and compares the reported y-scale numbers.
func TestPowerLawMatchesStatsmodels(t *testing.T) {
	for _, c := range readGolden(t).OLS {
		if c.Weights != nil {
			continue
		}
		pts := make([]Point, len(c.X))
		for i := range c.X {
			pts[i] = Point{Model: string(rune('a' + i)), X: c.X[i], Y: c.Y[i], YSE: math.NaN()}
		}
		var tg []Target
		for _, x0 := range c.X0 {
			tg = append(tg, Target{Label: "t", X: x0})
		}
		a := c.Alphas[0]
		r, err := PowerLaw(pts, Options{Confidence: 1 - a.Alpha, Targets: tg})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !closeRel(r.Exponent, c.Params[1], 1e-9, 0) || !closeRel(r.Prefactor, math.Exp(c.Params[0]), 1e-9, 0) {
			t.Errorf("%s: exponent %v prefactor %v, want %v %v", c.Name, r.Exponent, r.Prefactor, c.Params[1], math.Exp(c.Params[0]))
		}
		// Everything is statsmodels' arithmetic with the exact t quantile in place of scipy's, so compare with the
		// intervals rebuilt from statsmodels' centre and half-width, rescaled by t_exact/t_statsmodels.
		rescale := func(lo, hi float64) Bounds {
			c, h := (lo+hi)/2, (hi-lo)/2*a.TExact/a.TSM
			return Bounds{c - h, c + h}
		}
		want := []struct {
			got  float64
			want float64
		}{
			{r.PrefactorCI.Lo, math.Exp(rescale(a.ConfInt[0][0], a.ConfInt[0][1]).Lo)},
			{r.ExponentCI.Hi, rescale(a.ConfInt[1][0], a.ConfInt[1][1]).Hi},
		}
		for j, p := range r.Predictions {
			mc := rescale(a.MeanCILower[j], a.MeanCIUpper[j]).Exp()
			pc := rescale(a.ObsCILower[j], a.ObsCIUpper[j]).Exp()
			want = append(want, []struct{ got, want float64 }{{p.Y, math.Exp(a.Mean[j])}, {p.CI.Lo, mc.Lo}, {p.CI.Hi, mc.Hi},
				{p.PI.Lo, pc.Lo}, {p.PI.Hi, pc.Hi}}...)
		}
		for k, w := range want {
			if !closeRel(w.got, w.want, 1e-9, 0) {
				t.Errorf("%s: value %d: %.17g, statsmodels %.17g", c.Name, k, w.got, w.want)
			}
		}
	}
}

func TestBootIntervalsMatchScipy(t *testing.T) {
	for _, c := range readGolden(t).BCa {
		for _, res := range c.Results {
			boot := append([]float64(nil), c.Boot...)
			got := ComputeBootIntervals(c.ThetaHat, boot, c.Jackknife, res.Confidence)
			check := func(what string, g, w float64) {
				t.Helper()
				if !closeRel(g, w, 1e-9, 1e-15) {
					t.Errorf("%s @%v: %s = %.17g, scipy %.17g", c.Name, res.Confidence, what, g, w)
				}
			}
			check("a_hat", got.Accel, res.AHat)
			check("percentile lo", got.Percentile.Lo, res.Percentile[0])
			check("percentile hi", got.Percentile.Hi, res.Percentile[1])
			check("basic lo", got.Basic.Lo, res.Basic[0])
			check("basic hi", got.Basic.Hi, res.Basic[1])
			check("bca lo", got.BCa.Lo, res.BCa[0])
			check("bca hi", got.BCa.Hi, res.BCa[1])
		}
	}
}

// TestHierJackknifeMatchesScipy builds runs whose sequences are scipy's samples (equal token counts, so the
// token-weighted mean is the plain mean) and checks that the hierarchical jackknife leaves out the same sequences and
// gives the same slopes as scipy's multi-sample jackknife, and that BCa on them gives scipy's interval.
func TestHierJackknifeMatchesScipy(t *testing.T) {
	g := readGolden(t)
	var c = g.BCa[2]
	if c.Name != "hier-slope" {
		t.Fatalf("goldenFile case %q, want hier-slope", c.Name)
	}
	m, _ := layers.MetricByName("final_mlp_gain")
	bp := &bootProblem{}
	for j, s := range g.HierSamples {
		p := mlpProfile("m", 1, [][]float64{s}, 100)
		y, _ := m.Eval(p, nil)
		bp.t = append(bp.t, math.Log(g.HierX[j]))
		bp.u = append(bp.u, math.Log(y))
		bp.w = append(bp.w, 1)
		bp.evals = append(bp.evals, newSeqShared(m, p))
	}
	full := make([]float64, 2)
	lineStats(bp.t, bp.u, bp.w, nil, full)
	if !closeRel(full[0], c.ThetaHat, 1e-12, 0) {
		t.Fatalf("slope %v, scipy %v", full[0], c.ThetaHat)
	}
	jack := hierJackknife(bp)
	for j := range c.Jackknife {
		for i, want := range c.Jackknife[j] {
			if got := jack[0][j][i]; !closeRel(got, want, 1e-11, 1e-14) {
				t.Errorf("jackknife[%d][%d] = %.17g, scipy %.17g", j, i, got, want)
			}
		}
	}
	res := c.Results[0]
	got := ComputeBootIntervals(c.ThetaHat, append([]float64(nil), c.Boot...), jack[0], res.Confidence)
	if !closeRel(got.BCa.Lo, res.BCa[0], 1e-9, 0) || !closeRel(got.BCa.Hi, res.BCa[1], 1e-9, 0) {
		t.Errorf("BCa %v, scipy %v", got.BCa, res.BCa)
	}
}
