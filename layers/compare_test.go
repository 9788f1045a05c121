package layers

import (
	"encoding/json"
	"testing"

	"github.com/scalefit/scalefit/layers/layerstest"
)

// TestCompareSeed checks the numbers behind the seed note's §1 tables (Pythia-1.4B vs 6.9B) on the synthetic
// seed-shaped runs, whose minima, maxima, last layers and counts are the note's. report's tests check the tables as
// printed.
func TestCompareSeed(t *testing.T) {
	c, err := Compare(seedProfiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		contracting, expanding, layers int
		min, max, last                 LayerValue
	}
	for mi, byComp := range []map[string]want{
		{
			"attn":     {24, 0, 24, LayerValue{0.083, 20, 20.0 / 23}, LayerValue{0.527, 0, 0}, LayerValue{0.37, 23, 1}},
			"mlp":      {22, 2, 24, LayerValue{0.261, 1, 1.0 / 23}, LayerValue{3.60, 23, 1}, LayerValue{3.60, 23, 1}},
			"combined": {23, 1, 24, LayerValue{}, LayerValue{1.34, 23, 1}, LayerValue{1.34, 23, 1}},
		},
		{
			"attn":     {32, 0, 32, LayerValue{0.079, 23, 23.0 / 31}, LayerValue{0.999, 0, 0}, LayerValue{0.27, 31, 1}},
			"mlp":      {18, 14, 32, LayerValue{0.262, 1, 1.0 / 31}, LayerValue{6.24, 31, 1}, LayerValue{6.24, 31, 1}},
			"combined": {30, 2, 32, LayerValue{}, LayerValue{1.71, 31, 1}, LayerValue{1.71, 31, 1}},
		},
	} {
		m := c.Models[mi]
		for comp, w := range byComp {
			cs := m.Stats(comp)
			if cs == nil || !cs.Present {
				t.Fatalf("%s: no %s", m.Model, comp)
			}
			near := func(a, b LayerValue) bool {
				return a.Layer == b.Layer && abs(a.Gain-b.Gain) < 1e-9 && abs(a.Depth-b.Depth) < 1e-12
			}
			if cs.Contracting != w.contracting || cs.Expanding != w.expanding || cs.Layers != w.layers ||
				!near(cs.Max, w.max) || !near(cs.Last, w.last) || (w.min != LayerValue{} && !near(cs.Min, w.min)) {
				t.Errorf("%s %s: %+v, want %+v", m.Model, comp, *cs, w)
			}
		}
	}
	if m := c.Models[1]; m.LStar == nil || m.LStar.Layer != 23 || m.LStar.Gain != 0.079 {
		t.Errorf("6.9B L* %+v", m.LStar)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Errorf("json: %v", err)
	}
}

func abs(x float64) float64 { return max(x, -x) }

// TestCompareErrors checks the comparisons that cannot be made.
func TestCompareErrors(t *testing.T) {
	p := mustProfile(t, layerstest.SynthRun("a", 1, 4, map[string][]layerstest.LayerSpec{"mlp": {{Gain: 0.5, Spread: 0.1}, {Gain: 2, Spread: 0.1}}}))
	ps := []*Profile{p}
	if _, err := Compare(ps, []string{"block"}); err == nil {
		t.Error("compared a component no run has")
	}
	if _, err := Compare(ps, []string{"mlp", "mlp"}); err == nil {
		t.Error("compared a component twice")
	}
	if _, err := Compare(nil, nil); err == nil {
		t.Error("compared no models")
	}
	c, err := Compare(ps, []string{"mlp", "attn"})
	if err == nil {
		t.Errorf("compared attn that no run has: %+v", c)
	}
}
