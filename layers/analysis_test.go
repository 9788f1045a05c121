package layers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers/layerstest"
)

// TestAnalyzeOneSequence checks the run that once made compare print "up to NaN×": a run of a single sequence has no
// layer intervals, so its verdicts must rest on the point estimates alone, with no undefined number anywhere.
func TestAnalyzeOneSequence(t *testing.T) {
	spec := func(gs ...float64) []layerstest.LayerSpec {
		out := make([]layerstest.LayerSpec, len(gs))
		for i, g := range gs {
			out[i] = layerstest.LayerSpec{Gain: g}
		}
		return out
	}
	run := layerstest.SynthRun("one", 1e6, 1, map[string][]layerstest.LayerSpec{
		"attn": spec(0.5, 0.4, 0.3), "mlp": spec(0.8, 0.7, 3), "combined": spec(0.4, 0.3, 0.9),
	})
	run.Rows = run.Rows[:0:0]
	for _, r := range layerstest.SynthRun("one", 1e6, 2, map[string][]layerstest.LayerSpec{
		"attn": spec(0.5, 0.4, 0.3), "mlp": spec(0.8, 0.7, 3), "combined": spec(0.4, 0.3, 0.9),
	}).Rows {
		if r.Seq == 0 {
			run.Rows = append(run.Rows, r)
		}
	}
	p := mustProfile(t, run)
	if p.NSeq() != 1 {
		t.Fatalf("%d sequences", p.NSeq())
	}
	a, err := Analyze([]*Profile{p}, AnalysisOptions{Resamples: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "1 sequence:") {
		t.Errorf("warnings %q", a.Warnings)
	}
	for _, pr := range a.Verdicts.Predictions {
		m := pr.Models[0]
		if m.Bootstrapped || m.Significant != 0 || m.Interval != nil || m.Robust {
			t.Errorf("%s: significance from a single sequence: %+v", pr.ID, m)
		}
	}
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "NaN") {
		t.Errorf("analysis mentions NaN: %s", js)
	}
	if len(a.Phases) != 1 || a.Bands[0] == nil || a.Bands[0].NSeq != 1 {
		t.Errorf("phases %d, bands %+v", len(a.Phases), a.Bands)
	}
}

// TestAnalyzeSkips checks that Analyze leaves a run out of what it lacks the components for, with a warning, and that
// --phases none skips the segmentation.
func TestAnalyzeSkips(t *testing.T) {
	ps := seedProfiles(t)
	noMLP := mustProfile(t, layerstest.SynthRun("attn-only", 5e9, 4, map[string][]layerstest.LayerSpec{
		"attn": {{Gain: 0.5, Spread: 0.01}, {Gain: 0.4, Spread: 0.01}},
	}))
	a, err := Analyze(append(ps, noMLP), AnalysisOptions{Resamples: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Phases) != 2 || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "attn-only has no mlp rows") {
		t.Errorf("phases %d, warnings %q", len(a.Phases), a.Warnings)
	}
	a, err = Analyze(ps, AnalysisOptions{Phases: PhaseOptions{Component: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Phases != nil || a.Bands != nil || a.Verdicts.Resamples != 0 {
		t.Errorf("phases %v, bands %v without asking", a.Phases, a.Bands)
	}
	for _, bad := range []AnalysisOptions{{Resamples: -1}, {Confidence: 1.5}} {
		if _, err := Analyze(ps, bad); err == nil {
			t.Errorf("Analyze accepted %+v", bad)
		}
	}
	if _, err := Analyze(nil, AnalysisOptions{}); err == nil {
		t.Error("Analyze accepted no runs")
	}
}
