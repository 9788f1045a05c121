package layers

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// metricsRun builds a 4-layer run with two sequences of 3 and 1 tokens. Every component has per-sequence gains
// gain[layer] and gain[layer]+0.4, so its token-weighted layer gain is gain[layer] + 0.4·1/4 = gain[layer] + 0.1.
func metricsRun(gains map[string][]float64) *schema.Run {
	run := &schema.Run{}
	for c, g := range gains {
		for l, v := range g {
			for s, n := range []int32{3, 1} {
				run.Rows = append(run.Rows, schema.Row{Model: "m", NParams: 1000, NParamsNonembed: 600, NLayers: int32(len(g)),
					HiddenSize: 8, Layer: int32(l), Component: c, Seq: int32(s), NTokens: n, GainMean: v + 0.4*float64(s)})
			}
		}
	}
	return run
}

func TestMetrics(t *testing.T) {
	run := metricsRun(map[string][]float64{
		"attn":     {0.5, 0.2, 0.1, 0.3},  // layer gains 0.6 0.3 0.2 0.4
		"mlp":      {0.3, 0.95, 1.2, 3.4}, // layer gains 0.4 1.05 1.3 3.5
		"combined": {0.1, 0.3, 0.95, 1.3}, // layer gains 0.2 0.4 1.05 1.4
	})
	p, err := NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]MetricValue{
		"final_mlp_gain":        {Value: 3.5, Layer: 3},
		"final_attn_gain":       {Value: 0.4, Layer: 3},
		"final_combined_gain":   {Value: 1.4, Layer: 3},
		"max_mlp_gain":          {Value: 3.5, Layer: 3},
		"min_mlp_gain":          {Value: 0.4, Layer: 0},
		"max_attn_gain":         {Value: 0.6, Layer: 0},
		"min_attn_gain":         {Value: 0.2, Layer: 2},
		"lstar_depth":           {Value: 2.0 / 3, Layer: 2},
		"frac_attn_contracting": {Value: 1, Layer: -1},
		"frac_mlp_contracting":  {Value: 0.25, Layer: -1},
		"frac_net_expanding":    {Value: 0.5, Layer: -1},
	}
	got := ComputeMetrics(p)
	if len(got) != len(want) {
		t.Fatalf("got %d metrics, want %d", len(got), len(want))
	}
	const tol = 1e-12
	for _, m := range got {
		w := want[m.Name]
		if math.Abs(m.Value-w.Value) > tol || m.Layer != w.Layer {
			t.Errorf("%s = %v (layer %d), want %v (layer %d)", m.Name, m.Value, m.Layer, w.Value, w.Layer)
		}
	}
	// Bootstrap weights: counting only the second sequence gives its gains exactly.
	m, _ := MetricByName("final_mlp_gain")
	if v, _ := m.Eval(p, []float64{0, 2}); math.Abs(v-3.8) > tol {
		t.Errorf("final_mlp_gain with weights (0,2) = %v, want 3.8", v)
	}
}

func TestNewProfileErrors(t *testing.T) {
	complete := metricsRun(map[string][]float64{"mlp": {1, 2}})
	for _, tc := range []struct {
		name string
		edit func(*schema.Run)
		want string
	}{
		{"empty", func(r *schema.Run) { r.Rows = nil }, "no rows"},
		{"two models", func(r *schema.Run) { r.Rows[1].Model = "other" }, "mixes models"},
		{"missing row", func(r *schema.Run) { r.Rows = r.Rows[1:] }, "no row for layer 0, mlp, seq 0"},
		{"duplicate", func(r *schema.Run) { r.Rows[1] = r.Rows[0] }, "duplicate row"},
		{"bad layer", func(r *schema.Run) { r.Rows[0].Layer = 7 }, "out of range"},
		{"bad component", func(r *schema.Run) { r.Rows[0].Component = "ffn" }, "unknown component"},
		{"n_tokens disagree", func(r *schema.Run) { r.Rows[0].NTokens = 0 }, "seq 0 has n_tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &schema.Run{Rows: append([]schema.Row(nil), complete.Rows...)}
			tc.edit(run)
			_, err := NewProfile(run)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestMetricLabels checks that every metric says what it is in words, for axes and sentences.
func TestMetricLabels(t *testing.T) {
	for _, m := range Metrics() {
		if m.Label == "" || strings.Contains(m.Label, "_") {
			t.Errorf("metric %s has label %q", m.Name, m.Label)
		}
	}
}
