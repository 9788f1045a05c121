package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// archTestRun is plotTestRun with the rows' architecture set to family.
func archTestRun(t *testing.T, dir, family, model string, nParams int64, nLayers int, finalMLP float64) string {
	t.Helper()
	path := plotTestRun(t, dir, model, nParams, nLayers, 4, finalMLP)
	run, err := schema.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range run.Rows {
		run.Rows[i].Architecture = family
	}
	if err := schema.Write(path, run); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFitByArchitecture fits two families whose final MLP gains follow params^0.3 (gpt_neox) and params^0.1 (llama)
// beside one gpt2 model: the exponents come back per family, the F test rejects one common exponent, the gpt2 model
// gets a warning rather than a law, and llama-3.1-70b is predicted by the llama law alone.
func TestFitByArchitecture(t *testing.T) {
	dir := t.TempDir()
	var runs []string
	sizes := []int64{70_000_000, 400_000_000, 1_000_000_000, 7_000_000_000}
	for i, n := range sizes {
		x := float64(n) / 1e8
		runs = append(runs,
			archTestRun(t, dir, "gpt_neox", "neox-"+string(rune('a'+i)), n, 6+2*i, 2*math.Pow(x, 0.3)),
			archTestRun(t, dir, "llama", "llama-"+string(rune('a'+i)), n*2, 8+2*i, 1.5*math.Pow(2*x, 0.1)))
	}
	runs = append(runs, archTestRun(t, dir, "gpt2", "gpt2-small", 124_000_000, 12, 3))

	var stdout, stderr bytes.Buffer
	args := append(append([]string{"scalefit", "fit"}, runs...), "--by", "architecture", "--predict", "llama-3.1-70b",
		"--resamples", "50", "--json", "--out", filepath.Join(dir, "by.parquet"))
	if err := App(&stdout, &stderr).Run(interspersed(args)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "warning: gpt2 has no law (one model") {
		t.Errorf("no warning about the one gpt2 model on stderr:\n%s", stderr.String())
	}
	var j struct {
		By       string
		Families []struct {
			Architecture string
			N            int
			Fit          *struct {
				Exponent    float64
				Predictions []struct{ Label string }
			}
		}
		Test *struct {
			DF1, DF2    int
			P           float64
			Significant bool
		} `json:"equal_exponents_test"`
		Warnings []string
	}
	if err := json.Unmarshal(stdout.Bytes(), &j); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if j.By != "architecture" || len(j.Families) != 3 {
		t.Fatalf("JSON: %s", stdout.String())
	}
	want := map[string]float64{"gpt_neox": 0.3, "llama": 0.1}
	for _, f := range j.Families {
		if f.Architecture == "gpt2" {
			if f.Fit != nil || f.N != 1 {
				t.Errorf("gpt2: n = %d, law %+v; want one model and no law", f.N, f.Fit)
			}
			continue
		}
		if f.Fit == nil || math.Abs(f.Fit.Exponent-want[f.Architecture]) > 0.005 {
			t.Errorf("%s: law %+v, want exponent %v ± 0.005", f.Architecture, f.Fit, want[f.Architecture])
			continue
		}
		preds := len(f.Fit.Predictions)
		if (f.Architecture == "llama") != (preds == 1) {
			t.Errorf("%s predicts %d targets; llama-3.1-70b belongs to llama alone", f.Architecture, preds)
		}
	}
	if j.Test == nil || j.Test.DF1 != 1 || j.Test.DF2 != 4 || !j.Test.Significant || j.Test.P > 1e-6 {
		t.Errorf("test of equal exponents: %+v; want (1, 4) df and p < 1e-6", j.Test)
	}
	for _, p := range []string{"by.parquet", "by.predictions.parquet"} {
		if _, err := schema.FormatOf(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}

	// The text: the families' table and the test's sentence.
	text := mustScalefit(t, append(append([]string{"fit"}, runs...), "--by", "architecture", "--bootstrap", "none")...)
	for _, s := range []string{"Scaling laws by architecture", "gpt_neox", "llama", "Test of equal exponents", "the exponents differ", "No law: one model"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}

	// A --by other than architecture is a usage error.
	if _, err := scalefit(t, "fit", runs[0], runs[1], "--by", "size"); err == nil || !strings.Contains(err.Error(), "want architecture") {
		t.Errorf("--by size: %v", err)
	}
}

// TestFitByCSV reads the families from a --points CSV's architecture column, and refuses one without it.
func TestFitByCSV(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "p.csv")
	writeTestFile(t, csv, "model,x,y,architecture\na1,1e8,1.0,gpt_neox\na2,1e9,2.1,gpt_neox\na3,1e10,3.9,gpt_neox\n"+
		"b1,1e8,1.0,llama\nb2,1e9,1.4,llama\nb3,1e10,2.1,llama\nb4,1e11,2.9,llama\n")
	out := mustScalefit(t, "fit", "--points", csv, "--by", "architecture", "--json")
	var j struct {
		Test struct{ F, P float64 } `json:"equal_exponents_test"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	// fit's ExampleEqualSlopes on the same points, checked there against statsmodels (F = 118.53, p = 0.00166).
	if math.Abs(j.Test.F-118.5328337667546) > 1e-8 || math.Abs(j.Test.P-0.0016583549416712682) > 1e-12 {
		t.Errorf("F = %v, p = %v; statsmodels 118.5328337667546, 0.0016583549416712682", j.Test.F, j.Test.P)
	}
	bare := filepath.Join(dir, "bare.csv")
	writeTestFile(t, bare, "model,x,y\na,1e8,1\nb,1e9,2\n")
	if _, err := scalefit(t, "fit", "--points", bare, "--by", "architecture"); err == nil || !strings.Contains(err.Error(), "has no architecture") {
		t.Errorf("CSV without architecture: %v", err)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPlotMixedArchitectures draws runs of two families: every label names its family, and the layer panels use
// normalised depth, so that a 6-layer and a 16-layer model both end at 1.
func TestPlotMixedArchitectures(t *testing.T) {
	dir := t.TempDir()
	runs := []string{
		archTestRun(t, dir, "gpt_neox", "neox-small", 70_000_000, 6, 2),
		archTestRun(t, dir, "llama", "llama-small", 100_000_000, 16, 1.5),
	}
	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	fig, _, err := buildFigure(profiles, runs, plotOptions{Y: "final_mlp_gain", X: "params", Resamples: 20, Seed: 1, Confidence: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	if !fig.Depth || len(fig.MLP) != 2 {
		t.Fatalf("depth %v, %d MLP series", fig.Depth, len(fig.MLP))
	}
	for i, want := range []string{"neox-small (gpt_neox)", "llama-small (llama)"} {
		s := fig.MLP[i]
		if s.Label != want || s.X[len(s.X)-1] != 1 {
			t.Errorf("series %d: %q ending at x = %v, want %q ending at depth 1", i, s.Label, s.X[len(s.X)-1], want)
		}
	}
	mustScalefit(t, append([]string{"plot", "--resamples", "20", "--out", filepath.Join(dir, "mixed.png")}, runs...)...)
}
