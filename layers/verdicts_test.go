package layers

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/scalefit/scalefit/layers/layerstest"
	"github.com/scalefit/scalefit/schema"
)

func mustProfile(t testing.TB, run *schema.Run) *Profile {
	t.Helper()
	p, err := NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seedProfiles(t testing.TB) []*Profile {
	small, large := layerstest.SeedRuns()
	return []*Profile{mustProfile(t, small), mustProfile(t, large)}
}

// testBands bootstraps the layer gains of components (default attn, mlp and combined) of every profile.
func testBands(t testing.TB, ps []*Profile, components ...string) []*Bands {
	t.Helper()
	if len(components) == 0 {
		components = Components
	}
	var out []*Bands
	for _, p := range ps {
		b, err := Bootstrap(p, components, BootConfig{Resamples: 2000, Confidence: 0.95, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestJudgeSeed(t *testing.T) {
	ps := seedProfiles(t)
	v, err := Judge(ps, testBands(t, ps), VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		holds                       bool
		count, sig, opposite, layer int
		value                       float64
		robust                      bool
	}
	want := []struct {
		id, status, trend string
		cells             [2]cell
	}{
		{PredAttnContracts, StatusUniversal, TrendFlat, [2]cell{
			{true, 24, 24, 0, -1, 1, true},
			{true, 32, 31, 0, -1, 1, false}}}, // L0 = 0.999 contracts, but not significantly
		{PredMLPMostly, StatusScaleDependent, TrendFalls, [2]cell{
			{true, 22, 21, 2, -1, 22.0 / 24, true},
			{false, 18, 17, 12, -1, 18.0 / 32, true}}},
		{PredLastMLPExpands, StatusUniversal, TrendRises, [2]cell{
			{true, -1, 1, 0, 23, 3.60, true},
			{true, -1, 1, 0, 31, 6.24, true}}},
		{PredLastMLPMax, StatusUniversal, TrendFalls, [2]cell{
			{true, -1, 1, 0, 23, 3.60 / 1.10, true},
			{true, -1, 1, 0, 31, 6.24 / 2.07, true}}},
		{PredNetOnlyLast, StatusScaleDependent, TrendRises, [2]cell{
			{true, 1, 1, 0, -1, 0, true},
			{false, 2, 2, 0, -1, 1.0 / 31, true}}},
	}
	if len(v.Predictions) != len(want) {
		t.Fatalf("%d predictions, want %d", len(v.Predictions), len(want))
	}
	for i, w := range want {
		p := v.Predictions[i]
		if p.ID != w.id || p.Status != w.status || p.Trend != w.trend {
			t.Errorf("%s: id %s status %s trend %s, want %s %s", w.id, p.ID, p.Status, p.Trend, w.status, w.trend)
		}
		for j, c := range w.cells {
			m := p.Models[j]
			if m.Holds != c.holds || m.Count != c.count || m.Significant != c.sig || m.Opposite != c.opposite ||
				m.Layer != c.layer || math.Abs(m.Value-c.value) > 1e-9 || m.Robust != c.robust || !m.Bootstrapped {
				t.Errorf("%s %s: got %+v\nwant %+v", w.id, m.Model, m, c)
			}
		}
	}
	// Prediction (4): the last layer's interval lies above every other layer's; the 6.9B's highest other is L4 (2.07).
	if m := v.Predictions[3].Models[1]; m.Relation != RelationAbove || m.Rival == nil || m.Rival.Layer != 4 || m.Interval.Layer != 31 {
		t.Errorf("last-max evidence of 6.9B: %+v", m)
	}
	// Prediction (5): 6.9B expands net at L0 and L31, L0 before the last layer and significantly.
	if m := v.Predictions[4].Models[1]; len(m.At) != 2 || m.At[0] != 0 || m.At[1] != 31 || m.Early != 1 || m.EarlySignificant != 1 {
		t.Errorf("net evidence of 6.9B: %+v", m)
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestJudgeOptions(t *testing.T) {
	ps := seedProfiles(t)
	tests := []struct {
		name   string
		opt    VerdictOptions
		id     string
		status string
		holds  [2]bool
	}{
		// 18/32 = 56 % contract in 6.9B: "mostly" at half the layers makes (2) universal.
		{"mostly 0.5", VerdictOptions{Mostly: 0.5}, PredMLPMostly, StatusUniversal, [2]bool{true, true}},
		// 22/24 = 92 %: a 95 % bar fails both.
		{"mostly 0.95", VerdictOptions{Mostly: 0.95}, PredMLPMostly, StatusFails, [2]bool{false, false}},
		// 6.9B's early net expansion is 1.2987 at L0: a tolerance of 0.3 ignores it but keeps L31 (1.71).
		{"net tolerance 0.3", VerdictOptions{NetTolerance: 0.3}, PredNetOnlyLast, StatusUniversal, [2]bool{true, true}},
		// A tolerance of 0.5 also drops 1.4B's 1.34 at L23: no net expansion left there.
		{"net tolerance 0.5", VerdictOptions{NetTolerance: 0.5}, PredNetOnlyLast, StatusScaleDependent, [2]bool{false, true}},
		// L0 is not among the last 2 layers either.
		{"last 2 layers", VerdictOptions{LastLayers: 2}, PredNetOnlyLast, StatusScaleDependent, [2]bool{true, false}},
	}
	for _, tt := range tests {
		v, err := Judge(ps, nil, tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Predictions {
			if p.ID != tt.id {
				continue
			}
			if p.Status != tt.status || p.Models[0].Holds != tt.holds[0] || p.Models[1].Holds != tt.holds[1] {
				t.Errorf("%s: status %s, holds %v %v; want %s %v", tt.name, p.Status, p.Models[0].Holds, p.Models[1].Holds, tt.status, tt.holds)
			}
			if p.Models[0].Bootstrapped || p.Models[0].Significant != 0 || p.Models[0].Robust {
				t.Errorf("%s: significance without a bootstrap: %+v", tt.name, p.Models[0])
			}
		}
	}

	for _, bad := range []VerdictOptions{{Mostly: 1.5}, {Mostly: -1}, {LastLayers: -1}, {NetTolerance: -0.1}, {NetTolerance: math.NaN()}} {
		if _, err := Judge(ps, nil, bad); err == nil {
			t.Errorf("Judge accepted options %+v", bad)
		}
	}
	if _, err := Judge(nil, nil, VerdictOptions{}); err == nil {
		t.Error("Judge accepted no models")
	}
	if _, err := Judge(ps, testBands(t, ps[:1]), VerdictOptions{}); err == nil {
		t.Error("Judge accepted one bootstrap for two models")
	}
	if _, err := Judge(ps, []*Bands{testBands(t, ps[1:])[0], nil}, VerdictOptions{}); err == nil {
		t.Error("Judge accepted the 6.9B bootstrap for the 1.4B model")
	}
}

// TestJudgeTrendAndMissing checks a mixed trend over three models and a prediction that applies to no model.
func TestJudgeTrendAndMissing(t *testing.T) {
	mk := func(name string, params int64, last float64) *Profile {
		mlp := []layerstest.LayerSpec{{Gain: 0.5, Spread: 0.01}, {Gain: 0.6, Spread: 0.01}, {Gain: last, Spread: 0.01}}
		attn := []layerstest.LayerSpec{{Gain: 0.5, Spread: 0.01}, {Gain: 0.4, Spread: 0.01}, {Gain: 0.3, Spread: 0.01}}
		return mustProfile(t, layerstest.SynthRun(name, params, 2, map[string][]layerstest.LayerSpec{"attn": attn, "mlp": mlp}))
	}
	ps := []*Profile{mk("c", 300, 2.0), mk("a", 100, 3.0), mk("b", 200, 1.5)}
	v, err := Judge(ps, nil, VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := v.Predictions[2] // last-layer MLP gain: 3.0, 1.5, 2.0 in order of params
	if p.Trend != TrendMixed {
		t.Errorf("trend %q", p.Trend)
	}
	if by := ByParams(p.Models); len(by) != 3 || by[0].Value != 3 || by[1].Value != 1.5 || by[2].Value != 2 {
		t.Errorf("models by params: %+v", by)
	}
	net := v.Predictions[4]
	if net.Status != StatusNA || net.Models[0].Applicable || net.Models[0].Count != -1 {
		t.Errorf("net expansion without combined rows: %+v", net)
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("json with NaN values: %v", err)
	}
}

// TestJudgeLastMaxRelation checks where the last layer's MLP interval lies with respect to the other layers': wholly
// below one of them (so the maximum is elsewhere, robustly), overlapping, or above all of them.
func TestJudgeLastMaxRelation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mlp      []float64
		holds    bool
		relation string
		rival    int
		robust   bool
	}{
		{"below", []float64{0.5, 5, 2}, false, RelationBelow, 1, true},
		{"overlaps", []float64{0.5, 2.01, 2}, false, RelationOverlaps, 1, false},
		{"above", []float64{0.5, 1.2, 4}, true, RelationAbove, 1, true},
	} {
		var specs []layerstest.LayerSpec
		for _, g := range tc.mlp {
			specs = append(specs, layerstest.LayerSpec{Gain: g, Spread: 0.02})
		}
		p := mustProfile(t, layerstest.SynthRun(tc.name, 1e6, 20, map[string][]layerstest.LayerSpec{"mlp": specs}))
		v, err := Judge([]*Profile{p}, testBands(t, []*Profile{p}, "mlp"), VerdictOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := v.Predictions[3].Models[0]
		if m.Holds != tc.holds || m.Relation != tc.relation || m.Rival == nil || m.Rival.Layer != tc.rival || m.Robust != tc.robust {
			t.Errorf("%s: %+v, rival %+v", tc.name, m, m.Rival)
		}
	}
}
