package fit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"gonum.org/v1/gonum/stat/distuv"
)

// byGolden is testdata/fit/by_architecture.json, written by testdata/fit/gen_by.py with statsmodels.
type byGolden struct {
	Cases []struct {
		Name     string `json:"name"`
		Families []struct {
			Family  string    `json:"family"`
			X       []float64 `json:"x"`
			Y       []float64 `json:"y"`
			Weights []float64 `json:"weights"`
		} `json:"families"`
		DF1           int      `json:"df1"`
		DF2           int      `json:"df2"`
		F             float64  `json:"f"`
		P             float64  `json:"p"`
		PSF           float64  `json:"p_sf"`
		FAnova        *float64 `json:"f_anova"`
		PAnova        *float64 `json:"p_anova"`
		RSSFull       float64  `json:"rss_full"`
		RSSRestricted float64  `json:"rss_restricted"`
		Common        float64  `json:"common"`
		CommonSE      float64  `json:"common_se"`
		CommonDF      float64  `json:"common_df"`
		CommonCI      []struct {
			Alpha float64    `json:"alpha"`
			CI    [2]float64 `json:"ci"`
		} `json:"common_ci"`
	} `json:"cases"`
}

func readByGolden(t *testing.T) byGolden {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fit", "by_architecture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g byGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("by_architecture.json holds no cases")
	}
	return g
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

// TestEqualSlopesGolden checks the F test of equal slopes against statsmodels' pooled regressions: F, its degrees of
// freedom, both residual sums of squares and the common slope to 1e-9 relative; the p-value to 1e-9 relative against
// scipy's f.sf (down to 5.7e-18 in the "tail" case, where 1 − CDF would have no digit left); the common slope's t
// interval to 1e-8 relative (scipy's t quantile, which statsmodels uses, is off by up to 2e-9, see ols.go).
func TestEqualSlopesGolden(t *testing.T) {
	for _, c := range readByGolden(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			var names []string
			var ts, us, ws [][]float64
			weighted := false
			for _, f := range c.Families {
				names = append(names, f.Family)
				var tt, uu []float64
				for i := range f.X {
					tt, uu = append(tt, math.Log(f.X[i])), append(uu, math.Log(f.Y[i]))
				}
				ts, us, ws = append(ts, tt), append(us, uu), append(ws, f.Weights)
				weighted = weighted || f.Weights != nil
			}
			if !weighted {
				ws = nil
			}
			st, err := EqualSlopes(names, ts, us, ws, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if st.DF1 != c.DF1 || st.DF2 != c.DF2 {
				t.Errorf("df (%d, %d), statsmodels (%d, %d)", st.DF1, st.DF2, c.DF1, c.DF2)
			}
			for _, chk := range []struct {
				name      string
				got, want float64
				tol       float64
			}{
				{"F", st.F, c.F, 1e-9},
				{"p (scipy f.sf)", st.P, c.PSF, 1e-9},
				{"p (statsmodels)", st.P, c.P, 1e-9},
				{"RSS full", st.RSSFull, c.RSSFull, 1e-9},
				{"RSS restricted", st.RSSRestricted, c.RSSRestricted, 1e-9},
				{"common slope", st.Common, c.Common, 1e-9},
				{"common slope SE", st.CommonSE, c.CommonSE, 1e-9},
			} {
				if !relClose(chk.got, chk.want, chk.tol) {
					t.Errorf("%s = %.15g, statsmodels %.15g (rel. error %.2g > %g)", chk.name, chk.got, chk.want, math.Abs(chk.got/chk.want-1), chk.tol)
				}
			}
			if c.FAnova != nil && !relClose(st.F, *c.FAnova, 1e-9) {
				t.Errorf("F = %.15g, anova_lm %.15g", st.F, *c.FAnova)
			}
			if float64(st.N-len(names)-1) != c.CommonDF {
				t.Errorf("common slope has %d df, statsmodels %v", st.N-len(names)-1, c.CommonDF)
			}
			for _, a := range c.CommonCI {
				st2, _ := EqualSlopes(names, ts, us, ws, 1-a.Alpha)
				if !relClose(st2.CommonCI.Lo, a.CI[0], 1e-8) || !relClose(st2.CommonCI.Hi, a.CI[1], 1e-8) {
					t.Errorf("common slope CI at alpha %v = [%.12g, %.12g], statsmodels %v", a.Alpha, st2.CommonCI.Lo, st2.CommonCI.Hi, a.CI)
				}
			}
			// fSurvival is distuv.F's survival function where 1 − CDF still has digits.
			if st.P > 1e-6 {
				if d := (distuv.F{D1: float64(st.DF1), D2: float64(st.DF2)}).Survival(st.F); !relClose(st.P, d, 1e-9) {
					t.Errorf("p = %v, distuv.F survival %v", st.P, d)
				}
			}
		})
	}
}

// TestEqualSlopesRefuses checks what the test cannot do: one group, a group whose x are all equal, and groups that
// leave no residual degree of freedom (two models each).
func TestEqualSlopesRefuses(t *testing.T) {
	two := [][]float64{{1, 2}, {1, 3}}
	for _, c := range []struct {
		name    string
		t, u    [][]float64
		wantErr string
	}{
		{"one group", [][]float64{{1, 2, 3}}, [][]float64{{1, 2, 4}}, "at least two"},
		{"same x", [][]float64{{1, 1, 1}, {1, 2, 3}}, [][]float64{{1, 2, 3}, {1, 2, 3}}, "same x"},
		{"pairs only", two, [][]float64{{1, 2}, {2, 5}}, "0 residual degrees of freedom"},
	} {
		names := make([]string, len(c.t))
		for i := range names {
			names[i] = fmt.Sprint("g", i)
		}
		_, err := EqualSlopes(names, c.t, c.u, nil, 0.95)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantErr)
		}
	}
}

// TestEqualSlopesExact checks the limits: parallel exact lines give F = 0 and p = 1; exact lines of different slopes
// beside a noisy group give a finite F.
func TestEqualSlopesExact(t *testing.T) {
	tt := [][]float64{{0, 1, 2}, {0, 1, 2, 3}}
	st, err := EqualSlopes([]string{"a", "b"}, tt, [][]float64{{1, 1.5, 2}, {0, 0.5, 1, 1.5}}, nil, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(st.F) || !(math.Abs(st.Common-0.5) < 1e-15) {
		t.Errorf("parallel exact lines: F = %v (want NaN: 0/0), common slope %v (want 0.5)", st.F, st.Common)
	}
	st, err = EqualSlopes([]string{"a", "b"}, tt, [][]float64{{1, 2, 3}, {0, 0.5, 1, 1.5}}, nil, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(st.F, 1) || st.P != 0 {
		t.Errorf("exact lines of slopes 1 and 0.5: F = %v, p = %v; want +Inf and 0", st.F, st.P)
	}
}

// byPoints makes points of three families: gpt_neox and llama with five and four models on laws of different
// exponents, and one gpt2 model.
func byPoints() []Point {
	var pts []Point
	add := func(fam string, xs []float64, a, b float64, wiggle []float64) {
		for i, x := range xs {
			pts = append(pts, Point{Model: fmt.Sprintf("%s-%d", fam, i), X: x, Y: a * math.Pow(x, b) * math.Exp(wiggle[i]),
				YSE: math.NaN(), Layer: -1, Family: fam})
		}
	}
	add("llama", []float64{1.2e9, 3.2e9, 8e9, 7e10}, 0.05, 0.15, []float64{0.03, -0.04, 0.02, -0.01})
	add("gpt_neox", []float64{7e7, 1.6e8, 4e8, 1e9, 1.4e9}, 0.002, 0.35, []float64{-0.02, 0.05, -0.03, 0.01, 0.02})
	add("gpt2", []float64{1.2e8}, 1, 0, []float64{0})
	return pts
}

// TestByArchitecture checks that each family's law is PowerLaw on its points alone, that a registry target goes to
// its own family and a number to every family, that a family of one model has no law and stays out of the test, and
// that the test is EqualSlopes on the families with a law.
func TestByArchitecture(t *testing.T) {
	pts := byPoints()
	targets, err := ParseTargets([]string{"llama-3.1-70b", "pythia-12b", "gpt2-xl", "1e10"}, func(name string) (Target, bool) {
		return RegistryTarget(name, "params")
	})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := ByArchitecture(pts, Options{X: "params", Y: "y", Targets: targets, Bootstrap: []string{BootstrapAuto}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(fr.Families) != 3 || fr.Families[0].Family != "gpt2" || fr.Families[1].Family != "gpt_neox" || fr.Families[2].Family != "llama" {
		t.Fatalf("families %+v, want gpt2, gpt_neox, llama in that order", fr.Families)
	}
	if g := fr.Family("gpt2"); g.Result != nil || !strings.Contains(g.Note, "one model") {
		t.Errorf("gpt2 (one model): law %v, note %q", g.Result, g.Note)
	}
	if !strings.Contains(strings.Join(fr.Warnings, "\n"), "gpt2 has no law") {
		t.Errorf("no warning that gpt2-xl cannot be predicted: %q", fr.Warnings)
	}
	wantTargets := map[string][]string{"gpt_neox": {"pythia-12b", "1e10"}, "llama": {"llama-3.1-70b", "1e10"}}
	var ts, us [][]float64
	for _, name := range []string{"gpt_neox", "llama"} {
		var sub []Point
		for _, p := range pts {
			if p.Family == name {
				sub = append(sub, p)
			}
		}
		var tg []Target
		for _, target := range targets {
			if target.Family == "" || target.Family == name {
				tg = append(tg, target)
			}
		}
		want, err := PowerLaw(sub, Options{X: "params", Y: "y", Targets: tg, Bootstrap: DefaultBootstraps(sub), Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		got := fr.Family(name).Result
		if got == nil {
			t.Fatalf("%s has no law: %s", name, fr.Family(name).Note)
		}
		if got.Exponent != want.Exponent || got.ExponentCI != want.ExponentCI || got.N != len(sub) {
			t.Errorf("%s: exponent %v %v (n = %d), PowerLaw on its points %v %v", name, got.Exponent, got.ExponentCI, got.N, want.Exponent, want.ExponentCI)
		}
		var labels []string
		for _, p := range got.Predictions {
			labels = append(labels, p.Label)
		}
		if strings.Join(labels, ",") != strings.Join(wantTargets[name], ",") {
			t.Errorf("%s predicts %v, want %v", name, labels, wantTargets[name])
		}
		if len(got.Bootstraps) != 2 || got.Bootstraps[0].Method != Pairs {
			t.Errorf("%s: bootstraps %d, want pairs and residual (auto, no run files)", name, len(got.Bootstraps))
		}
		t0, u0, _ := familyLogs(got)
		ts, us = append(ts, t0), append(us, u0)
	}
	st, err := EqualSlopes([]string{"gpt_neox", "llama"}, ts, us, nil, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if fr.Slopes == nil || fr.Slopes.F != st.F || fr.Slopes.P != st.P || len(fr.Slopes.Groups) != 2 {
		t.Errorf("slope test %+v, want %+v over gpt_neox and llama", fr.Slopes, st)
	}
	if !fr.Significant() || fr.Slopes.P > 1e-3 {
		t.Errorf("exponents 0.35 and 0.15 with 5 %% scatter: p = %v, want < 1e-3", fr.Slopes.P)
	}
	if len(fr.Overlaps) != 1 || fr.Overlaps[0].Relation != OverlapNo {
		t.Errorf("overlaps %+v, want gpt_neox and llama apart", fr.Overlaps)
	}

	// JSON: families with their fits, the test, and null for gpt2's law.
	data, err := json.Marshal(fr)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		By       string
		Families []struct {
			Architecture string
			N            int
			Fit          *struct{ Exponent float64 }
		}
		Test *struct {
			F, P        float64
			DF1, DF2    int
			Significant bool
		} `json:"equal_exponents_test"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.By != "architecture" || len(j.Families) != 3 || j.Families[0].Fit != nil || j.Families[1].Fit.Exponent != fr.Families[1].Result.Exponent {
		t.Errorf("JSON families: %s", data)
	}
	if j.Test == nil || j.Test.F != st.F || j.Test.DF1 != 1 || j.Test.DF2 != 5 || !j.Test.Significant {
		t.Errorf("JSON test: %+v", j.Test)
	}

	// Tables: each family's rows with its name, and the test's two rows.
	rec := fr.ParametersRecord(memory.NewGoAllocator())
	defer rec.Release()
	arch, param, pv := rec.Column(0).(*array.String), rec.Column(4).(*array.String), rec.Column(int(rec.NumCols())-3).(*array.Float64)
	var last string
	for i := 0; i < int(rec.NumRows()); i++ {
		last = arch.Value(i) + "/" + param.Value(i)
		if param.Value(i) == "equal_exponents" && pv.Value(i) != st.P {
			t.Errorf("table p-value %v, want %v", pv.Value(i), st.P)
		}
	}
	if last != "all/common_exponent" {
		t.Errorf("last parameter row %s, want all/common_exponent", last)
	}
	preds := fr.PredictionsRecord(memory.NewGoAllocator())
	defer preds.Release()
	if n := preds.NumRows(); n != 4+5+4 { // two targets each, and every model left out once
		t.Errorf("predictions table has %d rows, want 13", n)
	}
}

// TestByArchitectureRefuses checks the one-line errors: a point without a family.
func TestByArchitectureRefuses(t *testing.T) {
	pts := byPoints()
	pts[2].Family, pts[2].Source = "", "sizes.csv"
	_, err := ByArchitecture(pts, Options{})
	if err == nil || !strings.Contains(err.Error(), `sizes.csv: model "llama-2" has no architecture`) {
		t.Errorf("error %v", err)
	}
}

// TestPointsCSVArchitecture reads the optional architecture column.
func TestPointsCSVArchitecture(t *testing.T) {
	pts, err := ReadPointsCSV(bytes.NewBufferString("model,x,y,architecture\na,1e8,1.5,llama\nb,1e9,2,\n"), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	if pts[0].Family != "llama" || pts[1].Family != "" {
		t.Errorf("families %q, %q", pts[0].Family, pts[1].Family)
	}
}

// ExampleEqualSlopes tests whether two families' laws share an exponent.
func ExampleEqualSlopes() {
	ln := func(xs ...float64) []float64 {
		for i := range xs {
			xs[i] = math.Log(xs[i])
		}
		return xs
	}
	t := [][]float64{ln(1e8, 1e9, 1e10), ln(1e8, 1e9, 1e10, 1e11)}
	u := [][]float64{ln(1.0, 2.1, 3.9), ln(1.0, 1.4, 2.1, 2.9)}
	st, _ := EqualSlopes([]string{"gpt_neox", "llama"}, t, u, nil, 0.95)
	fmt.Printf("F = %.1f on (%d, %d) df, p = %.4f; common exponent %.3f\n", st.F, st.DF1, st.DF2, st.P, st.Common)
	// Output: F = 118.5 on (1, 3) df, p = 0.0017; common exponent 0.196
}
