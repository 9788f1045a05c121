package fit

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

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

// stepProfiles is a sweep of three models. small's final MLP gain is 0.8·step^0.2·e^d at steps 1 … 65536 with
// small deviations d, beside step 0 and main; large has two checkpoints on the exact law 1.5·step^0.1 and step 0;
// tiny has main only.
func stepProfiles(t *testing.T) []*layers.Profile {
	small := []struct {
		rev string
		y   float64
	}{
		{"step0", 0.3}, {"step1", 0.8243636271628136}, {"step16", 1.365300011502895}, {"step256", 2.4495196340097105},
		{"step4096", 4.056861649755338}, {"step65536", 7.500183046748834}, {"main", 7.6},
	}
	var ps []*layers.Profile
	for _, c := range small {
		ps = append(ps, checkpoint(t, "small", 1e8, c.rev, c.y))
	}
	ps = append(ps, checkpoint(t, "large", 1e9, "step143000", 4.916147026625877), checkpoint(t, "large", 1e9, "step0", 0.2),
		checkpoint(t, "large", 1e9, "step1000", 2.9928934724533196), checkpoint(t, "tiny", 1e7, "main", 1.2))
	return ps
}

// TestStepLaws checks each model's law in training steps against an independent OLS on (ln step, ln y) computed
// with numpy and scipy (/usr/bin/python3: np.polyfit, the textbook standard errors, scipy.stats.t.ppf(0.975, 3),
// and the mean and observation intervals at step 286000), and that step 0 and main are left out, with the reason.
func TestStepLaws(t *testing.T) {
	metric, _ := layers.MetricByName("final_mlp_gain")
	targets, err := ParseTargets([]string{"286000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := StepLaws(stepProfiles(t), nil, metric, GroupOptions{Options: Options{Resamples: 200, Seed: 1, Targets: targets}, AutoBootstrap: true})
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
	small := g.Laws[0]
	if small.Group != "small" || small.Fit == nil {
		t.Fatalf("first law: %+v", small)
	}
	f := small.Fit
	if f.N != 5 {
		t.Errorf("small: n = %d, want 5 (steps 1 … 65536)", f.N)
	}
	close("small: exponent", f.Exponent, 0.1985573049591111, 1e-9)
	close("small: exponent se", f.ExponentSE, 0.003748231665971007, 1e-8)
	close("small: exponent CI lo", f.ExponentCI.Lo, 0.18662875894239217, 1e-8)
	close("small: exponent CI hi", f.ExponentCI.Hi, 0.21048585097583, 1e-8)
	close("small: prefactor", f.Prefactor, 0.8064256684034189, 1e-9)
	close("small: R²", f.R2, 0.9989320809656158, 1e-9)
	pr := f.Predictions[0]
	close("small: prediction at 286000", pr.Y, 9.771599919343254, 1e-9)
	close("small: CI lo", pr.CI.Lo, 8.878030425669753, 1e-8)
	close("small: CI hi", pr.CI.Hi, 10.755106752915394, 1e-8)
	close("small: PI lo", pr.PI.Lo, 8.478910787417751, 1e-8)
	close("small: PI hi", pr.PI.Hi, 11.261371581524651, 1e-8)
	if len(f.Bootstraps) != 3 {
		t.Errorf("small: %d bootstraps, want hierarchical, pairs and residual", len(f.Bootstraps))
	}
	wantLeft := []LeftOut{{"small@step0", "step 0 cannot enter a log–log fit (ln 0 = −∞)"}, {"small@main", "the revision names no training step"}}
	if got, _ := json.Marshal(small.Left); string(got) != mustJSON(t, wantLeft) {
		t.Errorf("small: left out %s\nwant %s", got, mustJSON(t, wantLeft))
	}

	large := g.Laws[1]
	if large.Group != "large" || large.Fit == nil || large.Fit.N != 2 {
		t.Fatalf("second law: %+v", large)
	}
	close("large: exponent", large.Fit.Exponent, 0.1, 1e-12)
	close("large: prefactor", large.Fit.Prefactor, 1.5, 1e-12)
	if large.Fit.ExponentCI.Defined() || len(large.Fit.Bootstraps) != 1 {
		t.Errorf("large (two checkpoints): CI %v and %d bootstraps; want none and the hierarchical one", large.Fit.ExponentCI, len(large.Fit.Bootstraps))
	}
	if x := []float64{large.Fit.Points[0].X, large.Fit.Points[1].X}; x[0] != 1000 || x[1] != 143000 {
		t.Errorf("large: steps %v, want [1000 143000] in step order", x)
	}

	tiny := g.Laws[2]
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
