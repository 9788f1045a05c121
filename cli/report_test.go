package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/report"
)

// TestReportCommand runs scalefit report on the run files of a reduced demo, with the flags after the run files as
// the README writes them, and checks the report against report.Build on the same runs and options, the figure it
// draws, and the link between them.
func TestReportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustScalefit(t, "demo", "--out", dir, "--quiet", "--tokens", "512")
	var runs []string
	for _, m := range demoSuite {
		runs = append(runs, filepath.Join(dir, "runs", m.Name+".parquet"))
	}
	out := filepath.Join(dir, "out", "report.md")
	figure := filepath.Join(dir, "figures", "law.svg")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(figure), 0o755); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"report"}, runs...)
	args = append(args, "--out", out, "--figure", figure, "--predict", "pythia-12b,175e9", "--reference", "seed-pythia",
		"--resamples", "300", "--seed", "3", "--mostly", "0.5", "--untrained")
	stdout := mustScalefit(t, args...)
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("report did not say where it wrote: %q", stdout)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}

	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.Build(profiles, report.Options{Sources: runs, Untrained: true, Predict: []string{"pythia-12b", "175e9"},
		Reference: "seed-pythia", Resamples: 300, Seed: 3, Figure: "../figures/law.svg",
		Verdicts: layers.VerdictOptions{Mostly: 0.5, LastLayers: 1}, Phases: layers.PhaseOptions{Component: "mlp", ExpandAbove: 1.25, ContractBelow: 0.8}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.Markdown() {
		t.Error("scalefit report wrote something other than report.Build gives for the same runs and options")
	}
	if !strings.Contains(string(got), "](../figures/law.svg)") {
		t.Error("report does not link the figure by its path relative to the report")
	}
	svg, err := os.ReadFile(figure)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg[:min(len(svg), 512)]), "<svg") || len(svg) < 10000 {
		t.Errorf("figure is not a non-trivial SVG (%d bytes)", len(svg))
	}
	// The figure draws the reference law the report fitted, with its exponent in its legend entry.
	if want := fmt.Sprintf("seed-pythia (trained), b = %s", textfmt.Num(want.Scaling.RefFit.Exponent)); !strings.Contains(string(svg), want) {
		t.Errorf("the figure does not show the reference law (%q in its legend entry)", want)
	}

	// Markdown to stdout, and the errors a user can make.
	if md := mustScalefit(t, "report", "--resamples", "50", runs[0]); !strings.HasPrefix(md, "# Sublayer gains of "+demoSuite[0].Name) {
		t.Errorf("report to stdout starts %q", md[:min(len(md), 80)])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "give at least one run file"},
		{[]string{"report", runs[0], "--y", "nope"}, `unknown metric "nope"`},
		{[]string{"report", runs[0], "--x", "nope"}, `unknown x "nope"`},
		{[]string{"report", runs[0], "--predict", "gpt-9"}, "neither a known model name nor a number"},
		{[]string{"report", runs[0], "--reference", "nope"}, `--reference: unknown reference "nope" (known: seed-pythia)`},
		{[]string{"report", runs[0], "--confidence", "1"}, "--confidence 1"},
		{[]string{"report", runs[0], "--figure", "f.gif"}, "--figure"},
		{[]string{"report", runs[0], "--out", filepath.Join(runs[0], "r.md")}, "cannot create directory"},
		{[]string{"report", runs[0], runs[0]}, "appears twice"},
	} {
		_, err := scalefit(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("scalefit %s: error %v, want one containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestDatasetsCommand checks that scalefit datasets lists the embedded corpus and the seed's reference results.
func TestDatasetsCommand(t *testing.T) {
	out := mustScalefit(t, "datasets")
	for _, want := range []string{"KIND", "corpus     mixed", "reference  seed-pythia", "model      pythia-6.9b"} {
		if !strings.Contains(out, want) {
			t.Errorf("scalefit datasets lacks %q:\n%s", want, out)
		}
	}
	js := mustScalefit(t, "datasets", "--json")
	if !strings.Contains(js, `"kind": "reference"`) || !strings.Contains(js, `"name": "seed-pythia"`) {
		t.Errorf("scalefit datasets --json lacks the seed-pythia reference:\n%s", js)
	}
}

// TestReportOrderAndPhases: runs given in glob order (m-1b before m-400m, as a shell sorts them) come out by size, the
// order they are given with --keep-order, and --phases none leaves the phases out.
func TestReportOrderAndPhases(t *testing.T) {
	runs := plotTestRuns(t, t.TempDir())
	glob := []string{runs[2], runs[1], runs[3], runs[0]} // m-1b m-400m m-7b m-70m
	out := mustScalefit(t, append([]string{"report", "--resamples", "20", "--phases", "none"}, glob...)...)
	if !strings.Contains(out, "| Metric | m-70m | m-400m | Change | m-1b | Change | m-7b | Change |") {
		t.Errorf("report does not order the runs by size:\n%s", out)
	}
	if strings.Contains(out, "## Phases") {
		t.Error("--phases none still wrote the phases")
	}
	out = mustScalefit(t, append([]string{"report", "--resamples", "20", "--keep-order"}, glob...)...)
	if !strings.Contains(out, "| Metric | m-1b | m-400m | Change | m-7b | Change | m-70m | Change |") || !strings.Contains(out, "## Phases") {
		t.Errorf("--keep-order did not keep the order given, or phases are missing:\n%s", out)
	}
	out = mustScalefit(t, append([]string{"summary"}, glob...)...)
	if i, j := strings.Index(out, "m-70m  ("), strings.Index(out, "m-1b  ("); i < 0 || j < 0 || i > j {
		t.Errorf("summary does not order the runs by size:\n%s", out)
	}
}
