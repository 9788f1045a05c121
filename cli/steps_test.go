package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/fit/fittest"
	"github.com/scalefit/scalefit/schema"
)

// sweepCheckpoint writes the run of model at revision rev as a sweep lays it out, OUT/ORG--NAME/REV.ext: 3 layers, 4
// sequences, attn, mlp and combined, with the last layer's MLP gain exactly finalMLP.
func sweepCheckpoint(t *testing.T, out, model, rev, ext string, params int64, finalMLP float64) string {
	t.Helper()
	gains := map[string][]float64{"attn": {0.6, 0.4, 0.3}, "mlp": {1.2, 0.8, finalMLP}, "combined": {0.7, 0.3, 0.9 * finalMLP}}
	run := &schema.Run{Meta: map[string]string{schema.MetaRevision: rev}}
	for _, c := range schema.Components {
		for l, x := range gains[c] {
			for s := 0; s < 4; s++ {
				sign := 1 - 2*float64(s%2)
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Revision: rev, Architecture: "gpt_neox", Backend: "test", NParams: params, NLayers: 3,
					HiddenSize: 8, Layer: int32(l), Depth: float64(l) / 2, Component: c, Seq: int32(s),
					NTokens: int32(10 * (1 + s/2)), GainMean: x * (1 + 0.01*sign),
				})
			}
		}
	}
	dir := filepath.Join(out, strings.ReplaceAll(model, "/", "--"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, rev+ext)
	if err := schema.Write(path, run); err != nil {
		t.Fatal(err)
	}
	return path
}

// sweepOut builds the output directory of a sweep over the checkpoints of steps.json's two models, as
// EleutherAI/pythia-small and EleutherAI/pythia-large (small's final MLP gain is 0.8·step^0.2·e^d at steps 1 …
// 65536, beside step 0 and main; large's two checkpoints lie on 1.5·step^0.1, beside step 0), with what else a sweep
// leaves there: Slurm's logs, a failed task's .error, a running task's .lock and the hidden temporary file of a run
// being written.
func sweepOut(t *testing.T) string {
	out := filepath.Join(t.TempDir(), "sweep-out")
	for _, m := range fittest.ReadSteps(t).Models {
		for _, r := range m.Runs {
			ext := ".parquet"
			if r.Revision == "step256" {
				ext = ".arrow" // a sweep may mix formats
			}
			sweepCheckpoint(t, out, "EleutherAI/pythia-"+m.Model, r.Revision, ext, int64(m.Params), r.Y)
		}
	}
	large := filepath.Join(out, "EleutherAI--pythia-large")
	for name, content := range map[string]string{
		filepath.Join(out, "slurm-logs", "77_0.log"):               "srun: task 0 done\n",
		filepath.Join(out, "slurm-logs", "77_1.parquet"):           "not a run file",
		filepath.Join(large, "step2000.error"):                     "out of memory\n",
		filepath.Join(large, "step3000.lock"):                      "host 1234\n",
		filepath.Join(large, ".step3000.parquet.tmp-4411"):         "half a file",
		filepath.Join(out, ".cache", "EleutherAI--x", "a.parquet"): "hidden",
	} {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestRunPaths: a directory stands for its run files at any depth and nothing else of a sweep's output; a pattern
// the shell left alone is expanded; a file named twice is listed twice (readRunFiles refuses it); an empty directory
// or a pattern matching nothing is an error.
func TestRunPaths(t *testing.T) {
	out := sweepOut(t)
	rel := func(ps []string) string {
		var r []string
		for _, p := range ps {
			q, _ := filepath.Rel(out, p)
			r = append(r, filepath.ToSlash(q))
		}
		return strings.Join(r, " ")
	}
	got, err := runPaths([]string{out, filepath.Join(out, "EleutherAI--pythia-large", "step0.parquet")})
	if err != nil {
		t.Fatal(err)
	}
	want := "EleutherAI--pythia-large/step0.parquet EleutherAI--pythia-large/step1000.parquet EleutherAI--pythia-large/step143000.parquet " +
		"EleutherAI--pythia-small/main.parquet EleutherAI--pythia-small/step0.parquet EleutherAI--pythia-small/step1.parquet " +
		"EleutherAI--pythia-small/step16.parquet EleutherAI--pythia-small/step256.arrow EleutherAI--pythia-small/step4096.parquet " +
		"EleutherAI--pythia-small/step65536.parquet EleutherAI--pythia-large/step0.parquet"
	if rel(got) != want {
		t.Errorf("runPaths(dir):\n got %s\nwant %s", rel(got), want)
	}
	got, err = runPaths([]string{filepath.Join(out, "*", "step1*.parquet")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "EleutherAI--pythia-large/step1000.parquet EleutherAI--pythia-large/step143000.parquet EleutherAI--pythia-small/step1.parquet EleutherAI--pythia-small/step16.parquet"; rel(got) != want {
		t.Errorf("runPaths(pattern):\n got %s\nwant %s", rel(got), want)
	}
	empty := filepath.Join(out, "EleutherAI--empty")
	os.MkdirAll(filepath.Join(empty, "slurm-logs"), 0o755)
	os.WriteFile(filepath.Join(empty, "slurm-logs", "1_0.parquet"), nil, 0o644)
	os.WriteFile(filepath.Join(empty, "step1.error"), []byte("failed\n"), 0o644)
	for _, tc := range []struct{ arg, want string }{
		{empty, "a directory without run files (.parquet, .arrow, .feather) in it"},
		{filepath.Join(out, "*", "step7*.parquet"), "no file matches the pattern"},
	} {
		if _, err := runPaths([]string{tc.arg}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runPaths(%s): %v, want %q", tc.arg, err, tc.want)
		}
	}
}

// TestDuplicateRuns: two files of one (model, revision) are refused by every analysis command, naming both files.
func TestDuplicateRuns(t *testing.T) {
	out := sweepOut(t)
	a := filepath.Join(out, "EleutherAI--pythia-large", "step1000.parquet")
	b := filepath.Join(t.TempDir(), "copy.parquet")
	data, _ := os.ReadFile(a)
	os.WriteFile(b, data, 0o644)
	want := `model "EleutherAI/pythia-large@step1000" appears twice (` + a + " and " + b + ")"
	for _, cmd := range [][]string{
		{"fit", out, b}, {"fit", "--x", "step", out, b}, {"compare", "--resamples", "0", out, b},
		{"report", "--resamples", "10", out, b}, {"plot", "--out", filepath.Join(t.TempDir(), "f.png"), out, b},
		{"export", "--out", filepath.Join(t.TempDir(), "x.csv"), out, b}, {"export", "--summary", "--out", filepath.Join(t.TempDir(), "s.csv"), out, b},
	} {
		_, err := scalefit(t, cmd...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\nwant an error containing %q", cmd[0], err, want)
		}
	}
}

// TestExportEmptyRuns: two run files without rows name no model, so the raw export takes them without calling them
// one model given twice.
func TestExportEmptyRuns(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"a.parquet", "b.parquet"} {
		p := filepath.Join(dir, name)
		if err := schema.Write(p, &schema.Run{Meta: map[string]string{}}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if out, err := scalefit(t, "export", "--out", filepath.Join(dir, "x.csv"), paths[0], paths[1]); err != nil {
		t.Errorf("export of two empty runs: %v\n%s", err, out)
	}
}

// TestFitSteps fits a law in steps per model from a sweep's directory: the numbers are numpy's OLS on (ln step,
// ln y) (fit's TestStepLaws), step 0 and main are left out and listed, and without --x step the law across sizes
// takes each model's last checkpoint.
func TestFitSteps(t *testing.T) {
	out := sweepOut(t)
	var res struct {
		By, X, Y string
		Laws     []struct {
			Group string
			Fit   *struct {
				N           int
				Exponent    float64
				ExponentCI  []float64 `json:"exponent_ci"`
				Predictions []struct{ Y float64 }
				Notes       []string
			}
			Left []struct{ Model, Reason string } `json:"left_out"`
		}
	}
	gold := fittest.ReadSteps(t)
	js := mustScalefit(t, "fit", out, "--x", "step", "--predict", strconv.FormatFloat(gold.Target, 'g', -1, 64), "--resamples", "100", "--json")
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if res.By != "model" || res.X != "step" || res.Y != "final_mlp_gain" || len(res.Laws) != 2 {
		t.Fatalf("fit --x step --json: %s", js)
	}
	small, large := res.Laws[0], res.Laws[1]
	if small.Group != "EleutherAI/pythia-small" || small.Fit == nil || small.Fit.N != 5 || len(small.Left) != 2 || large.Fit == nil {
		t.Fatalf("laws (the smaller model first): %+v", res.Laws)
	}
	gs, gl := gold.Models[0].Law, gold.Models[1].Law
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"exponent", small.Fit.Exponent, gs.Exponent}, {"CI lo", small.Fit.ExponentCI[0], gs.ExponentCI[0]},
		{"CI hi", small.Fit.ExponentCI[1], gs.ExponentCI[1]}, {"prediction", small.Fit.Predictions[0].Y, gs.Prediction},
		{"large: exponent", large.Fit.Exponent, gl.Exponent}, {"large: prediction", large.Fit.Predictions[0].Y, gl.Prediction},
	} {
		if math.Abs(c.got-c.want) > 1e-8*math.Abs(c.want) {
			t.Errorf("%s = %.12g, want %.12g (statsmodels)", c.what, c.got, c.want)
		}
	}
	if small.Left[0].Model != "EleutherAI/pythia-small@step0" || small.Left[1].Model != "EleutherAI/pythia-small@main" {
		t.Errorf("left out: %+v", small.Left)
	}

	text := mustScalefit(t, "fit", out, "--x", "step", "--resamples", "100")
	for _, want := range []string{
		"Laws final_mlp_gain = a·step^b, one per model",
		"EleutherAI/pythia-small  5     2         1 – 65,536       0.199       [0.187, 0.210]  0.999",
		"EleutherAI/pythia-small@step0 left out: step 0 cannot enter a log–log fit (ln 0 = −∞).",
		"EleutherAI/pythia-large: final_mlp_gain = a·step^b",
		"the checkpoints of one model lie on one training run",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("fit --x step text lacks %q:\n%s", want, text)
		}
	}

	// Across sizes: small@main (7.6) and large@step143000, the last checkpoint of each.
	var size struct {
		N        int
		Exponent float64
		Points   []struct{ Model string }
		Notes    []string
	}
	if err := json.Unmarshal([]byte(mustScalefit(t, "fit", out, "--resamples", "100", "--json")), &size); err != nil {
		t.Fatal(err)
	}
	if want := math.Log(gold.Models[1].Runs[1].Y/gold.Models[0].Runs[6].Y) / math.Log(10); size.N != 2 || math.Abs(size.Exponent-want) > 1e-9 ||
		size.Points[0].Model != "EleutherAI/pythia-small@main" || !strings.Contains(strings.Join(size.Notes, "\n"), "2 models were measured at several checkpoints: across sizes, each model counts with its last checkpoint") {
		t.Errorf("fit across sizes: %+v; want the law through small@main and large@step143000, b = %.6f", size, want)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fit", "--x", "step", "--reference", "seed-pythia", out}, "--points and --reference hold no training steps"},
		{[]string{"fit", "--x", "step", filepath.Join(out, "*", "main.parquet")}, "no model has two checkpoints at steps above 0"},
		{[]string{"fit", "--x", "step", "--predict", "pythia-12b", out}, "neither a known model name nor a number"},
	} {
		if _, err := scalefit(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestPlotSteps draws a sweep's checkpoints against training step: one line per model, smaller model first, each
// in training order with its final MLP gain as put into the runs and a band around it; step 0 and main are left
// out with a warning. Without --x step the figure across sizes takes each model's last checkpoint.
func TestPlotSteps(t *testing.T) {
	out := sweepOut(t)
	profiles, paths, err := readRunFiles([]string{out})
	if err != nil {
		t.Fatal(err)
	}
	profiles, paths = sizeOrdered(profiles, paths)
	fig, warnings, err := buildStepFigure(profiles, paths, plotOptions{Y: "final_mlp_gain", Resamples: 200, Confidence: 0.95, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The points of each model: its checkpoints at steps above 0, in steps.json's order, which is the order of steps.
	want := map[string][][2]float64{}
	for _, m := range fittest.ReadSteps(t).Models {
		for _, r := range m.Runs {
			if step, err := strconv.ParseFloat(strings.TrimPrefix(r.Revision, "step"), 64); err == nil && step > 0 {
				want["EleutherAI/pythia-"+m.Model] = append(want["EleutherAI/pythia-"+m.Model], [2]float64{step, r.Y})
			}
		}
	}
	if fig.Steps == nil || len(fig.Steps.Series) != 2 {
		t.Fatalf("figure: %+v", fig)
	}
	for _, s := range fig.Steps.Series {
		w := want[s.Label]
		if len(s.X) != len(w) || len(s.Lo) != len(w) {
			t.Errorf("%s: %d points, %d band values; want %d each", s.Label, len(s.X), len(s.Lo), len(w))
			continue
		}
		for i := range w {
			// The runs' sequences deviate by ±1 % with equal token weight on each side: the mean is the gain put in.
			if s.X[i] != w[i][0] || math.Abs(s.Y[i]-w[i][1]) > 1e-12*w[i][1] || !(s.Lo[i] < s.Y[i] && s.Y[i] < s.Hi[i] && s.Hi[i] < 1.011*s.Y[i]) {
				t.Errorf("%s point %d: step %g, y %.15g in [%g, %g]; want step %g, y %.15g inside a band within 1.1 %%",
					s.Label, i, s.X[i], s.Y[i], s.Lo[i], s.Hi[i], w[i][0], w[i][1])
			}
		}
	}
	if fig.Steps.Series[0].Label != "EleutherAI/pythia-small" {
		t.Errorf("first line %s, want the smaller model", fig.Steps.Series[0].Label)
	}
	if got := strings.Join(warnings, "\n"); !strings.Contains(got, "left out 2 checkpoints: step 0 has no place on a log axis of steps (EleutherAI/pythia-small@step0, EleutherAI/pythia-large@step0)") ||
		!strings.Contains(got, "left out 1 checkpoint: the revision names no training step (EleutherAI/pythia-small@main)") {
		t.Errorf("warnings:\n%s", got)
	}

	svg := filepath.Join(t.TempDir(), "dynamics.svg")
	if got := mustScalefit(t, "plot", out, "--x", "step", "--resamples", "50", "--out", svg); !strings.Contains(got, "(2 models, 10 checkpoints)") {
		t.Errorf("plot --x step: %s", got)
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"final-layer MLP gain vs training step", "training step", "EleutherAI/pythia-small", "EleutherAI/pythia-large"} {
		if !strings.Contains(string(data), ">"+want+"<") {
			t.Errorf("the SVG lacks the text %q", want)
		}
	}
	png := filepath.Join(t.TempDir(), "sizes.png")
	if got := mustScalefit(t, "plot", out, "--resamples", "0", "--out", png); !strings.Contains(got, "(2 models)") {
		t.Errorf("plot across sizes: %s", got)
	}
	if _, err := scalefit(t, "plot", out, "--x", "step", "--predict", "1e6", "--out", png); err == nil || !strings.Contains(err.Error(), "--predict does not apply") {
		t.Errorf("plot --x step --predict: %v", err)
	}
	if _, err := scalefit(t, "plot", out, "--panel", "steps", "--out", png); err == nil || !strings.Contains(err.Error(), "with --x step") {
		t.Errorf("plot --panel steps: %v", err)
	}
}

// TestReportCheckpoints: the report of a sweep's directory takes each model's last checkpoint across sizes and adds
// a section that follows the metric through training, with each model's law in steps (numpy's numbers, as in
// TestFitSteps) and its checkpoints in training order.
func TestReportCheckpoints(t *testing.T) {
	out := sweepOut(t)
	md := mustScalefit(t, "report", out, "--resamples", "100")
	for _, want := range []string{
		"## Training checkpoints",
		"2 models were measured at several checkpoints (10 runs in all)",
		"| EleutherAI/pythia-small | 5 | 2 | 1 – 65,536 | 0.199 | [0.187, 0.210] | 0.999 |",
		"- EleutherAI/pythia-small@main left out: the revision names no training step.",
		"<details><summary>EleutherAI/pythia-small: 7 checkpoints</summary>",
		"| step0 | 0 | 0.300 |",
		"| step65536 | 65,536 | 7.50 |",
		"| main | — | 7.60 |",
		"Caveat: the checkpoints of one model lie on one training run",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if i, j, k := strings.Index(md, "| step1000 | 1,000 |"), strings.Index(md, "| step143000 | 143,000 |"), strings.Index(md, "EleutherAI/pythia-large: 3 checkpoints"); !(k < i && i < j) {
		t.Errorf("pythia-large's checkpoints are not in training order after their heading (%d, %d, %d)", k, i, j)
	}
	// Across sizes, the layer tables and the law hold the two last checkpoints only.
	if strings.Count(md, "<details><summary>") != 4 || !strings.Contains(md, "EleutherAI/pythia-small@main: 3 layers") ||
		!strings.Contains(md, "EleutherAI/pythia-large@step143000: 3 layers") {
		t.Errorf("layer tables: want small@main and large@step143000 only\n%s", md)
	}
	if _, err := scalefit(t, "report", out, "--x", "step"); err == nil || !strings.Contains(err.Error(), "its section on training checkpoints fits the laws in steps") {
		t.Errorf("report --x step: %v", err)
	}
}

// TestExportSteps: the summary of a sweep's directory carries each checkpoint's training step, empty for main.
func TestExportSteps(t *testing.T) {
	out := sweepOut(t)
	csvOut := mustScalefit(t, "export", out, "--summary", "--resamples", "10", "--out", "-")
	lines := strings.Split(strings.TrimSpace(csvOut), "\n")
	if !strings.HasSuffix(lines[0], ",n_tokens,n_seqs,step") || len(lines) != 1+10*3*3 {
		t.Fatalf("export --summary: header %q and %d rows; want a step column last and 90 rows", lines[0], len(lines)-1)
	}
	steps := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		steps[f[0]+"@"+f[1]] = f[len(f)-1]
	}
	for rev, want := range map[string]string{
		"EleutherAI/pythia-small@step0": "0", "EleutherAI/pythia-small@step65536": "65536",
		"EleutherAI/pythia-small@main": "", "EleutherAI/pythia-large@step143000": "143000",
	} {
		if got, ok := steps[rev]; !ok || got != want {
			t.Errorf("%s: step %q (present %v), want %q", rev, got, ok, want)
		}
	}
}

// TestOutputInsideSweep: an --out that is one of the run files under a directory argument is refused before any work,
// as an --out naming a run file given directly is, and the run is left as it was.
func TestOutputInsideSweep(t *testing.T) {
	out := sweepOut(t)
	run := filepath.Join(out, "EleutherAI--pythia-small", "step16.parquet")
	before, err := os.ReadFile(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", out, "--out", run}, {"fit", out, "--out", run}, {"report", out, "--resamples", "10", "--out", run},
	} {
		if _, err := scalefit(t, args...); err == nil || !strings.Contains(err.Error(), "is also an input of this command") {
			t.Errorf("%s: %v, want the output refused as an input", args[0], err)
		}
	}
	if after, _ := os.ReadFile(run); string(after) != string(before) {
		t.Errorf("%s was changed", run)
	}
}
