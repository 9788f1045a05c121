package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalefit/scalefit/schema"
)

// TestDemo runs the demo end to end, at its full size, and checks every file it writes against numbers recomputed
// here from the run files alone.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the full demo takes about 40 s")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	start := time.Now()
	stdout := mustScalefit(t, "demo", "--out", dir, "--quiet")
	t.Logf("scalefit demo: %.1fs wall time", time.Since(start).Seconds())

	// The run files: one per model, complete, and spanning at least 10× in parameters.
	var xs, ys []float64
	for _, m := range demoSuite {
		run, err := schema.Read(filepath.Join(dir, "runs", m.Name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		r0 := run.Rows[0]
		if r0.Model != m.Name || int(r0.NLayers) != m.Layers || int(r0.HiddenSize) != m.Hidden {
			t.Errorf("%s: run file holds %s with %d layers, d=%d", m.Name, r0.Model, r0.NLayers, r0.HiddenSize)
		}
		if got := run.Meta[schema.MetaDataset]; got != "corpus:mixed" {
			t.Errorf("%s: dataset %q, want the embedded corpus", m.Name, got)
		}
		// final_mlp_gain recomputed from the rows: the token-weighted mean of the last layer's mlp gain_mean.
		var num, den float64
		for _, r := range run.Rows {
			if r.Component == "mlp" && int(r.Layer) == m.Layers-1 {
				num += float64(r.NTokens) * r.GainMean
				den += float64(r.NTokens)
			}
		}
		if den != demoTokens {
			t.Errorf("%s: %v tokens counted, want %d", m.Name, den, demoTokens)
		}
		xs, ys = append(xs, float64(r0.NParams)), append(ys, num/den)
	}
	if span := xs[len(xs)-1] / xs[0]; span < 10 {
		t.Errorf("the suite spans %.1f× in parameters, want ≥ 10×", span)
	}

	// fit.json: the power law of final_mlp_gain against params, whose exponent is the OLS slope of ln y on ln x.
	var fj struct {
		X, Y       string
		N          int
		Exponent   float64
		ExponentCI []float64 `json:"exponent_ci"`
		Points     []struct {
			Model string
			X, Y  float64
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "fit.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &fj); err != nil {
		t.Fatalf("fit.json: %v", err)
	}
	if fj.X != "params" || fj.Y != "final_mlp_gain" || fj.N != len(demoSuite) {
		t.Errorf("fit.json fits %s against %s over %d models, want final_mlp_gain against params over %d", fj.Y, fj.X, fj.N, len(demoSuite))
	}
	var mt, mu float64
	for i := range xs {
		mt += math.Log(xs[i]) / float64(len(xs))
		mu += math.Log(ys[i]) / float64(len(xs))
	}
	var stu, stt float64
	for i := range xs {
		stu += (math.Log(xs[i]) - mt) * (math.Log(ys[i]) - mu)
		stt += (math.Log(xs[i]) - mt) * (math.Log(xs[i]) - mt)
	}
	slope := stu / stt
	if math.Abs(fj.Exponent-slope) > 1e-9*math.Abs(slope) {
		t.Errorf("fit.json exponent %v, OLS slope from the run files %v", fj.Exponent, slope)
	}
	if len(fj.ExponentCI) != 2 || !(fj.ExponentCI[0] < slope && slope < fj.ExponentCI[1]) {
		t.Errorf("fit.json exponent interval %v does not bracket the exponent %v", fj.ExponentCI, slope)
	}
	for i, p := range fj.Points {
		if p.X != xs[i] || math.Abs(p.Y-ys[i]) > 1e-12*ys[i] {
			t.Errorf("fit.json point %d is (%v, %v), the run file gives (%v, %v)", i, p.X, p.Y, xs[i], ys[i])
		}
	}

	// report.md: labelled as untrained controls, with the seed's law beside, the figure linked, every model tabled.
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"> **Untrained controls.**",
		"## Scaling law: final_mlp_gain against params",
		"### Beside the reference: seed-pythia",
		"![Attention, MLP and combined gain per layer, and the scaling law](figure.png)",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	// The exponent the report prints, to its three significant digits.
	_, after, ok := strings.Cut(string(md), "| Exponent b (95 % CI) | ")
	var printed float64
	if _, err := fmt.Sscan(after, &printed); !ok || err != nil || math.Abs(printed-slope) > 0.005*math.Abs(slope) {
		t.Errorf("report.md prints the exponent as %v (%v), the run files give %.4g", printed, err, slope)
	}
	for _, m := range demoSuite {
		if !strings.Contains(string(md), "<details><summary>"+m.Name+": ") {
			t.Errorf("report.md has no layer table of %s", m.Name)
		}
	}

	// figure.png: a PNG large enough to read at paper size.
	f, err := os.Open(filepath.Join(dir, "figure.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" || cfg.Width < 1000 || cfg.Height < 800 {
		t.Errorf("figure.png: %s %dx%d, %v; want a PNG of at least 1000x800", format, cfg.Width, cfg.Height, err)
	}

	for _, want := range []string{"report.md", "figure.png", "fit.json", "What to look at"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output does not mention %q:\n%s", want, stdout)
		}
	}
	checkNoTemporaries(t, dir)
}

// TestDemoDeterministic runs a reduced demo twice with one seed and once with another: the same seed must give the
// same bytes in report.md and fit.json and the same rows in every run file; another seed must change the numbers.
func TestDemoDeterministic(t *testing.T) {
	root := t.TempDir()
	run := func(name, seed string) string {
		dir := filepath.Join(root, name)
		mustScalefit(t, "demo", "--out", dir, "--quiet", "--tokens", "512", "--seed", seed)
		return dir
	}
	a, b, c := run("a", "7"), run("b", "7"), run("c", "8")
	read := func(dir, name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, name := range []string{"report.md", "fit.json"} {
		if !bytes.Equal(read(a, name), read(b, name)) {
			t.Errorf("%s differs between two demos with the same seed", name)
		}
		if bytes.Equal(read(a, name), read(c, name)) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
	for _, m := range demoSuite {
		ra, err := schema.Read(filepath.Join(a, "runs", m.Name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		rb, err := schema.Read(filepath.Join(b, "runs", m.Name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ra.Rows) != len(rb.Rows) {
			t.Fatalf("%s: %d and %d rows", m.Name, len(ra.Rows), len(rb.Rows))
		}
		for i := range ra.Rows {
			if ra.Rows[i] != rb.Rows[i] {
				t.Fatalf("%s: row %d differs between two demos with the same seed:\n%+v\n%+v", m.Name, i, ra.Rows[i], rb.Rows[i])
			}
		}
	}
}

// TestDemoInterrupted cancels the demo once its first run file exists and checks that it stops with an error and
// leaves only complete files: every run file present reads back, and no report, figure, fit or temporary file exists.
func TestDemoInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := filepath.Join(dir, "runs", demoSuite[0].Name+".parquet")
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(first); err == nil {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var out bytes.Buffer
	err := runDemo(ctx, demoOptions{Out: dir, Seed: 1, Quiet: true, Tokens: 2048}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("the interrupted demo returned %v, want an error saying it was interrupted", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "runs"))
	if len(entries) == 0 || len(entries) == len(demoSuite) {
		t.Fatalf("the demo was not interrupted in the middle: %d run files", len(entries))
	}
	for _, e := range entries {
		if _, err := schema.Read(filepath.Join(dir, "runs", e.Name())); err != nil {
			t.Errorf("interrupted demo left an unreadable file: %v", err)
		}
	}
	for _, name := range []string{"report.md", "figure.png", "fit.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("interrupted demo wrote %s", name)
		}
	}
	checkNoTemporaries(t, dir)
}

// checkNoTemporaries fails when a temporary file of schema.WriteAtomic is left under dir.
func checkNoTemporaries(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}
