package fit

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/scalefit/scalefit/fit/fittest"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/layers/layerstest"
)

// checkpoint builds the profile of model at revision rev whose last-layer MLP gain is exactly mlp.
func checkpoint(t *testing.T, model string, params int64, rev string, mlp float64) *layers.Profile {
	t.Helper()
	flat := []layerstest.LayerSpec{{Gain: 0.5, Spread: 0.05}, {Gain: 0.7, Spread: 0.05}, {Gain: 0.9, Spread: 0.05}}
	run := layerstest.SynthRun(model, params, 4, map[string][]layerstest.LayerSpec{
		"attn": flat, "combined": flat, "mlp": {{Gain: 1.1, Spread: 0.05}, {Gain: 0.8, Spread: 0.05}, {Gain: mlp, Spread: 0.05}},
	})
	for i := range run.Rows {
		run.Rows[i].Revision = rev
	}
	p, err := layers.NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stepProfiles is the sweep of steps.json (small: 0.8·step^0.2·e^d at steps 1 … 65536 beside step 0 and main;
// large: two checkpoints on 1.5·step^0.1 beside step 0), each model's runs in reverse order of the file (main
// first, the highest step before the lowest), and a third model, tiny, with main only.
func stepProfiles(t *testing.T, g *fittest.Steps) []*layers.Profile {
	var ps []*layers.Profile
	for _, m := range g.Models {
		for j := range m.Runs {
			r := m.Runs[len(m.Runs)-1-j]
			ps = append(ps, checkpoint(t, m.Model, int64(m.Params), r.Revision, r.Y))
		}
	}
	return append(ps, checkpoint(t, "tiny", 1e7, "main", 1.2))
}

// TestStepLaws checks each model's law in training steps against an independent OLS on (ln step, ln y) computed
// with statsmodels (testdata/fit/gen_steps.py: the exponent, its standard error and t interval, R², and the mean and
// observation intervals at the target step), and that step 0 and main are left out, with the reason.
func TestStepLaws(t *testing.T) {
	gold := fittest.ReadSteps(t)
	metric, _ := layers.MetricByName("final_mlp_gain")
	targets, err := ParseTargets([]string{strconv.FormatFloat(gold.Target, 'g', -1, 64)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := StepLaws(stepProfiles(t, gold), nil, metric, GroupOptions{Options: Options{Resamples: 200, Seed: 1, Targets: targets, Confidence: 1 - gold.Alpha, Bootstrap: []string{BootstrapAuto}}})
	if err != nil {
		t.Fatal(err)
	}
	if g.By != "model" || g.X != "step" || g.Y != "final_mlp_gain" || len(g.Laws) != 3 || g.Fitted() != 2 {
		t.Fatalf("grouped fit by %s of %s on %s: %d laws, %d fitted; want model, final_mlp_gain on step, 3 laws, 2 fitted",
			g.By, g.Y, g.X, len(g.Laws), g.Fitted())
	}
	close := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol*math.Abs(want) {
			t.Errorf("%s = %.12g, want %.12g (relative tolerance %g)", what, got, want, tol)
		}
	}
	for i, m := range gold.Models {
		l := g.Laws[i]
		if l.Group != m.Model || l.Fit == nil || l.Fit.N != m.Law.N {
			t.Fatalf("law %d: %+v; want %s's over %d checkpoints", i, l, m.Model, m.Law.N)
		}
		f, w := l.Fit, m.Law
		close(m.Model+": exponent", f.Exponent, w.Exponent, 1e-9)
		close(m.Model+": prefactor", f.Prefactor, w.Prefactor, 1e-9)
		close(m.Model+": prediction", f.Predictions[0].Y, w.Prediction, 1e-9)
		for j := 1; j < len(f.Points); j++ {
			if f.Points[j-1].X >= f.Points[j].X {
				t.Errorf("%s: steps %v and %v out of order", m.Model, f.Points[j-1].X, f.Points[j].X)
			}
		}
		if w.N < 3 {
			if f.ExponentCI.Defined() || len(f.Bootstraps) != 1 {
				t.Errorf("%s (two checkpoints): CI %v and %d bootstraps; want none and the hierarchical one", m.Model, f.ExponentCI, len(f.Bootstraps))
			}
			continue
		}
		close(m.Model+": exponent se", f.ExponentSE, w.ExponentSE, 1e-8)
		close(m.Model+": exponent CI lo", f.ExponentCI.Lo, w.ExponentCI[0], 1e-8)
		close(m.Model+": exponent CI hi", f.ExponentCI.Hi, w.ExponentCI[1], 1e-8)
		close(m.Model+": R²", f.R2, w.R2, 1e-9)
		pr := f.Predictions[0]
		close(m.Model+": CI lo", pr.CI.Lo, w.PredictionCI[0], 1e-8)
		close(m.Model+": CI hi", pr.CI.Hi, w.PredictionCI[1], 1e-8)
		close(m.Model+": PI lo", pr.PI.Lo, w.PredictionPI[0], 1e-8)
		close(m.Model+": PI hi", pr.PI.Hi, w.PredictionPI[1], 1e-8)
		if len(f.Bootstraps) != 3 {
			t.Errorf("%s: %d bootstraps, want hierarchical, pairs and residual", m.Model, len(f.Bootstraps))
		}
	}

	small := g.Laws[0]
	wantLeft := []LeftOut{{"small@main", "the revision names no training step"}, {"small@step0", "step 0 cannot enter a log–log fit (ln 0 = −∞)"}}
	if got, _ := json.Marshal(small.Left); string(got) != mustJSON(t, wantLeft) {
		t.Errorf("small: left out %s\nwant %s", got, mustJSON(t, wantLeft))
	}

	large, tiny := g.Laws[1], g.Laws[2]
	if tiny.Group != "tiny" || tiny.Fit != nil || !strings.Contains(tiny.NoFit, "no checkpoint with a training step") || len(tiny.Left) != 1 {
		t.Errorf("third law: %+v; want tiny without a law and main left out", tiny)
	}

	js, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		By   string
		Laws []struct {
			Group string
			Fit   *struct{ Exponent float64 }
			NoFit string `json:"no_fit"`
		}
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.By != "model" || len(back.Laws) != 3 || back.Laws[0].Fit == nil || back.Laws[2].Fit != nil || back.Laws[2].NoFit == "" {
		t.Errorf("JSON: %s", js)
	}

	// The tables: every row of the two laws, under a leading model column (small: a prediction and five held out;
	// large: a prediction, and no leave-one-out with two checkpoints).
	path := filepath.Join(t.TempDir(), "steps.parquet")
	if err := g.WriteTables(path, map[string]string{"scalefit.fit": "test"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want int
	}{{path, paramRows(small.Fit) + paramRows(large.Fit)}, {PredictionsPath(path), 1 + 5 + 1}} {
		cols, vals := groupColumn(t, tc.path)
		if cols[0] != "model" || len(vals) != tc.want || vals[0] != "small" || vals[len(vals)-1] != "large" {
			t.Errorf("%s: columns %v, models %v; want model first, %d rows from small to large", filepath.Base(tc.path), cols, vals, tc.want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// paramRows is the number of rows of r's parameters table.
func paramRows(r *Result) int {
	rec := r.ParametersRecord(memory.NewGoAllocator())
	defer rec.Release()
	return int(rec.NumRows())
}

// groupColumn reads the Parquet table at path whole and returns its column names and its first column's values.
func groupColumn(t *testing.T, path string) (cols, vals []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for _, f := range tbl.Schema().Fields() {
		cols = append(cols, f.Name)
	}
	for _, c := range tbl.Column(0).Data().Chunks() {
		s := c.(*array.String)
		for i := range s.Len() {
			vals = append(vals, s.Value(i))
		}
	}
	return cols, vals
}
