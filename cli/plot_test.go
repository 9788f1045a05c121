package cli

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/plot"
	"github.com/scalefit/scalefit/schema"
)

// plotTestRun writes a synthetic run file for a model with nLayers layers and nSeq sequences whose final mlp gain is
// finalMLP·(1 + small per-sequence noise), so a fit across such runs recovers the exponent put into finalMLP.
func plotTestRun(t *testing.T, dir, model string, nParams int64, nLayers, nSeq int, finalMLP float64) string {
	t.Helper()
	run := &schema.Run{Meta: map[string]string{schema.MetaDataset: "synthetic"}}
	for l := 0; l < nLayers; l++ {
		d := float64(l) / float64(max(nLayers-1, 1))
		for _, c := range schema.Components {
			for s := 0; s < nSeq; s++ {
				noise := 1 + 0.02*math.Sin(float64(7*s+3*l+1))
				var g float64
				switch c {
				case "attn":
					g = 0.9*math.Exp(-3*d) + 0.1
				case "mlp":
					g = 0.7 + 0.2*d
					if l == nLayers-1 {
						g = finalMLP
					}
				default:
					g = (0.9*math.Exp(-3*d) + 0.1) * (0.7 + 0.2*d)
				}
				g *= noise
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Architecture: "gpt_neox", Backend: "cpu", NParams: nParams, NParamsNonembed: nParams / 2,
					NLayers: int32(nLayers), HiddenSize: 64, Layer: int32(l), Depth: d, Component: c, Seq: int32(s),
					NTokens: int32(20 + s), GainMean: g, GainStd: 0.1, GainMin: g / 2, GainMax: 2 * g, NormInMean: 3, NormOutMean: 3 * g,
				})
			}
		}
	}
	path := filepath.Join(dir, model+".parquet")
	if err := schema.Write(path, run); err != nil {
		t.Fatal(err)
	}
	return path
}

// plotTestRuns writes four runs whose final mlp gain is 2·(N/10⁸)^0.3.
func plotTestRuns(t *testing.T, dir string) []string {
	var paths []string
	for i, m := range []struct {
		name   string
		params int64
		layers int
	}{{"m-70m", 70_000_000, 6}, {"m-400m", 400_000_000, 12}, {"m-1b", 1_000_000_000, 16}, {"m-7b", 7_000_000_000, 32}} {
		paths = append(paths, plotTestRun(t, dir, m.name, m.params, m.layers, 5+i, 2*math.Pow(float64(m.params)/1e8, 0.3)))
	}
	return paths
}

func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	runs := plotTestRuns(t, dir)
	out := filepath.Join(dir, "fig.png")
	// Flags after the run files, as the usage line writes them.
	args := append(append([]string{"plot"}, runs...), "--out", out, "--resamples=200", "--predict", "20B,pythia-12b", "--title", "synthetic")
	stdout := mustScalefit(t, args...)
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("stdout %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1500 || b.Dy() != 1200 {
		t.Errorf("PNG is %dx%d, want 1500x1200 (10x8 in at 150 dpi)", b.Dx(), b.Dy())
	}
	if dst := os.Getenv("SCALEFIT_PLOT_OUT"); dst != "" {
		data, _ := os.ReadFile(out)
		os.WriteFile(filepath.Join(dst, "cli-fig.png"), data, 0o644)
	}

	for _, tc := range []struct{ name, panel, ext string }{{"scaling", "scaling", ".svg"}, {"attn-depth", "attn", ".pdf"}} {
		out := filepath.Join(dir, tc.name+tc.ext)
		mustScalefit(t, append([]string{"plot", "--panel", tc.panel, "--depth", "--resamples", "50", "--out", out}, runs...)...)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if tc.ext == ".svg" && !bytes.Contains(data, []byte("<svg")) || tc.ext == ".pdf" && !bytes.HasPrefix(data, []byte("%PDF")) {
			t.Errorf("%s: not a %s file", out, tc.ext)
		}
	}

	// A metric that is 0 in every model: the layer panels are drawn, and the scaling panel says why it has no law;
	// the command warns and still writes the figure.
	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	fig, warnings, err := buildFigure(profiles, runs, plotOptions{Y: "frac_net_expanding", X: "params", Resamples: 20, Seed: 1, Confidence: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Attn) != len(runs) || fig.Scaling == nil || !strings.HasPrefix(fig.Scaling.Empty, "No scaling law: share of layers expanding net is ≤ 0 in") ||
		len(warnings) == 0 || !strings.Contains(warnings[0], "needs y > 0") {
		t.Errorf("degenerate metric: %d attn series, scaling %+v, warnings %q", len(fig.Attn), fig.Scaling, warnings)
	}
	mustScalefit(t, append([]string{"plot", "--y", "frac_net_expanding", "--resamples", "20", "--out", filepath.Join(dir, "zero.png")}, runs...)...)
	if _, err := os.Stat(filepath.Join(dir, "zero.png")); err != nil {
		t.Errorf("no figure for a metric without a law: %v", err)
	}

	// One model: the layer panels and a scaling panel without a fit.
	mustScalefit(t, "plot", "--resamples", "20", "--out", filepath.Join(dir, "one.png"), runs[0])
}

// TestPlotReference draws the seed's published Pythia law beside four runs and checks what the scaling panel gets:
// the two published points, the line through them (whose exponent two points fix exactly, with no band) across the
// whole x range of the panel, like the runs' own line, and the reference's exponent in the note.
func TestPlotReference(t *testing.T) {
	dir := t.TempDir()
	runs := plotTestRuns(t, dir)
	out := filepath.Join(dir, "ref.png")
	mustScalefit(t, append([]string{"plot", "--reference", "seed-pythia", "--predict", "20B", "--resamples", "50", "--out", out}, runs...)...)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 1500 {
		t.Fatalf("%s: not a 1500 px wide PNG: %v", out, err)
	}
	if dst := os.Getenv("SCALEFIT_PLOT_OUT"); dst != "" {
		data, _ := os.ReadFile(out)
		os.WriteFile(filepath.Join(dst, "cli-ref.png"), data, 0o644)
	}

	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	fig, _, err := buildFigure(profiles, runs, plotOptions{Y: "final_mlp_gain", X: "params", Predict: []string{"20B"},
		Reference: "seed-pythia", Resamples: 50, Seed: 1, Confidence: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	sp := fig.Scaling
	if len(sp.References) != 1 {
		t.Fatalf("%d reference series, want 1", len(sp.References))
	}
	r := sp.References[0]
	set, ok := datasets.Reference("seed-pythia")
	if !ok || len(set.Models) != 2 || len(r.Points) != 2 {
		t.Fatalf("seed-pythia has %d models, the panel %d reference points; want 2 and 2", len(set.Models), len(r.Points))
	}
	for i, m := range set.Models {
		if p := r.Points[i]; p.Label != m.Model || p.X != float64(m.Params) || p.Y != m.Metrics["final_mlp_gain"] || p.HasInterval() {
			t.Errorf("reference point %d = %+v, want %s at (%d, %v) without an interval", i, p, m.Model, m.Params, m.Metrics["final_mlp_gain"])
		}
	}
	x1, y1, x2, y2 := r.Points[0].X, r.Points[0].Y, r.Points[1].X, r.Points[1].Y
	b := math.Log(y2/y1) / math.Log(x2/x1)
	if math.Abs(b-0.348) > 0.0005 {
		t.Errorf("exponent of the published points %v, want the seed's 0.348", b)
	}
	// Both lines span the panel: from the smallest run (70M) to the largest of the runs, the target (20B) and the
	// reference's models.
	for _, line := range [][]float64{r.LineX, sp.LineX} {
		if len(line) < 2 || line[0] != 70e6 || math.Abs(line[len(line)-1]/20e9-1) > 1e-12 {
			t.Fatalf("line spans %v–%v, want 7e7–2e10", line[0], line[len(line)-1])
		}
	}
	for i, x := range r.LineX {
		if want := y1 * math.Pow(x/x1, b); math.Abs(r.LineY[i]/want-1) > 1e-9 {
			t.Errorf("reference line at x = %g is %v, want %v", x, r.LineY[i], want)
		}
	}
	if r.BandLo != nil || r.BandHi != nil {
		t.Error("a law through two points has no confidence band, but the reference has one")
	}
	if r.Label != "seed-pythia (trained), b = 0.348 (n = 2, no interval)" || r.FitLo != 1414647808 || r.FitHi != 6857302016 {
		t.Errorf("reference legend %q, fitted over [%g, %g]: want its exponent and its two models' range", r.Label, r.FitLo, r.FitHi)
	}
	if len(sp.Predictions) != 1 || sp.Predictions[0].X != 20e9 {
		t.Errorf("predictions %+v, want the runs' one at 20B only", sp.Predictions)
	}

	// An unknown reference is one line that names the known ones, before any run is read.
	_, err = scalefit(t, "plot", "--reference", "nope", "--out", filepath.Join(dir, "x.png"), filepath.Join(dir, "missing.parquet"))
	if err == nil || err.Error() != `plot: --reference: unknown reference "nope" (known: seed-pythia)` {
		t.Errorf("plot --reference nope: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); !os.IsNotExist(err) {
		t.Error("a failed plot left a file behind")
	}
}

// TestPlotSameModelTwice: two runs of one model are told apart by their file names.
func TestPlotSameModelTwice(t *testing.T) {
	dir := t.TempDir()
	a := plotTestRun(t, dir, "m", 1e8, 4, 3, 2)
	b := filepath.Join(dir, "m-other.parquet")
	if err := os.Rename(plotTestRun(t, t.TempDir(), "m", 1e8, 4, 3, 2.2), b); err != nil {
		t.Fatal(err)
	}
	profiles, err := readProfiles([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	fig, _, err := buildFigure(profiles, []string{a, b}, plotOptions{Y: "final_mlp_gain", X: "params", Resamples: 10, Confidence: 0.95, Panels: []plot.Panel{plot.PanelMLP}})
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{fig.MLP[0].Label, fig.MLP[1].Label}; got[0] != "m [m.parquet]" || got[1] != "m [m-other.parquet]" {
		t.Errorf("labels %q", got)
	}
}

func TestPlotCommandErrors(t *testing.T) {
	dir := t.TempDir()
	runs := plotTestRuns(t, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, "f.gif")}, "unknown figure extension"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--panel", "block"}, "unknown panel"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--y", "nope"}, "unknown metric"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--x", "flops"}, "unknown x"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--predict", "big"}, "neither a known model name nor a number"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--confidence", "95"}, "strictly between 0 and 1"},
		{[]string{"--resamples", "10"}, "--out is required"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--colour", "red"}, "flag provided but not defined"},
		{[]string{"--out", filepath.Join(dir, "f.png"), "--resamples", "many"}, `invalid value "many"`},
	} {
		_, err := scalefit(t, append(append([]string{"plot", "--resamples", "10"}, runs...), tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("plot %v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "f.png")); !os.IsNotExist(err) {
		t.Error("a failed plot left a file behind")
	}
}

// TestBuildScalingPanel checks that the scaling panel carries the fit: the exponent put into the runs, the line
// through the points, and the error bar of each point equal to the layer-bootstrap interval of its last mlp layer.
func TestBuildScalingPanel(t *testing.T) {
	dir := t.TempDir()
	runs := plotTestRuns(t, dir)
	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	opt := plotOptions{Y: "final_mlp_gain", X: "params", Predict: []string{"20B"}, Resamples: 300, Seed: 3, Confidence: 0.9}
	fig, _, err := buildFigure(profiles, runs, opt)
	if err != nil {
		t.Fatal(err)
	}
	sp := fig.Scaling
	if len(sp.Points) != 4 || len(sp.Predictions) != 1 || len(sp.LineX) == 0 || sp.BandLo == nil {
		t.Fatalf("scaling panel: %d points, %d predictions, %d line points, band %v", len(sp.Points), len(sp.Predictions), len(sp.LineX), sp.BandLo != nil)
	}
	// The per-sequence noise is small and nearly the same in every run, so the fitted exponent is close to 0.3.
	if !strings.HasPrefix(sp.LineLegend, "power law, b = 0.3") || !strings.HasSuffix(sp.LineLegend, ", n = 4") {
		t.Errorf("line legend %q, want an exponent of about 0.3 over 4 models", sp.LineLegend)
	}
	if sp.YLabel != "final-layer MLP gain" || sp.XLabel != "parameters" || sp.Title != "final-layer MLP gain vs parameters" {
		t.Errorf("labels %q, %q, title %q: want words", sp.YLabel, sp.XLabel, sp.Title)
	}
	if sp.FitLo != sp.Points[0].X || sp.FitHi != sp.Points[3].X || sp.LineX[len(sp.LineX)-1] <= sp.FitHi {
		t.Errorf("fitted over [%g, %g], line to %g: want the prediction at 20B drawn as an extrapolation", sp.FitLo, sp.FitHi, sp.LineX[len(sp.LineX)-1])
	}
	for i, pt := range sp.Points {
		p := profiles[i]
		iv := layers.Intervals(p, "mlp", 300, 0.9, 3)[p.NLayers-1]
		if pt.Label != p.Name() || pt.X != float64(p.NParams) || pt.Y != p.LayerGain("mlp", p.NLayers-1, nil) || pt.YLo != iv.Lo || pt.YHi != iv.Hi {
			t.Errorf("point %d = %+v, want %s at (%d, %v) with [%v, %v]", i, pt, p.Name(), p.NParams, iv.Gain, iv.Lo, iv.Hi)
		}
	}
	if pr := sp.Predictions[0]; pr.X != 20e9 || math.Abs(pr.Y/(2*math.Pow(200, 0.3))-1) > 0.05 || !(pr.YLo < pr.Y && pr.Y < pr.YHi) {
		t.Errorf("prediction %+v, want about %v at 20B inside its interval", pr, 2*math.Pow(200, 0.3))
	}
	if got := len(fig.MLP); got != 4 || fig.MLP[3].Label != "m-7b" || len(fig.MLP[3].Lo) != 32 {
		t.Errorf("mlp series: %d, want 4 with bands", got)
	}
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	runs := plotTestRuns(t, dir)[:2]

	// Rows as CSV on stdout read back equal to the run files' rows.
	stdout := mustScalefit(t, append([]string{"export", "--out", "-"}, runs...)...)
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want []schema.Row
	for _, path := range runs {
		r, err := schema.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.Rows...)
	}
	if len(recs) != len(want)+1 || strings.Join(recs[0], ",") != strings.Join(schema.ColumnNames(), ",") {
		t.Fatalf("%d csv records with header %v, want %d rows", len(recs), recs[0], len(want))
	}
	for i, rec := range recs[1:] {
		g, _ := strconv.ParseFloat(rec[13], 64)
		if rec[0] != want[i].Model || rec[10] != want[i].Component || g != want[i].GainMean {
			t.Fatalf("row %d = %v, want %+v", i, rec, want[i])
		}
	}

	// The summary as JSON Lines in a file: gains equal fit's layer gains.
	out := filepath.Join(dir, "summary.jsonl")
	mustScalefit(t, append(append([]string{"export"}, runs...), "--summary", "--resamples", "100", "--out", out)...)
	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Model     string   `json:"model"`
			Layer     int      `json:"layer"`
			Component string   `json:"component"`
			Gain      float64  `json:"gain"`
			GainLo    *float64 `json:"gain_lo"`
			GainHi    *float64 `json:"gain_hi"`
			NSeqs     int      `json:"n_seqs"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		p := profiles[0]
		if r.Model == profiles[1].Model {
			p = profiles[1]
		}
		if g := p.LayerGain(r.Component, r.Layer, nil); r.Gain != g || r.GainLo == nil || *r.GainLo > g || *r.GainHi < g || r.NSeqs != p.NSeq() {
			t.Fatalf("summary row %+v, want gain %v inside [lo, hi]", r, g)
		}
		n++
	}
	if wantN := (6 + 12) * len(schema.Components); n != wantN {
		t.Errorf("%d summary rows, want %d", n, wantN)
	}

	// Parquet of the rows, by extension; and the refusals.
	pq := filepath.Join(dir, "rows.parquet")
	mustScalefit(t, append([]string{"export", "--out", pq}, runs...)...)
	if back, err := schema.Read(pq); err != nil || len(back.Rows) != len(want) {
		t.Fatalf("exported parquet: %v, %d rows", err, len(back.Rows))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "parquet", "--out", "-"}, "binary format"},
		{[]string{"--out", filepath.Join(dir, "x.txt")}, "cannot tell the format"},
		{[]string{"--format", "xlsx"}, "unknown format"},
		{[]string{"--summary", "--confidence", "1.5"}, "confidence must be in (0, 1)"},
	} {
		_, err := scalefit(t, append(append([]string{"export"}, tc.args...), runs...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("export %v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
