package datasets

import (
	"fmt"
	"math"
	"testing"
)

func TestSeedPythia(t *testing.T) {
	ref, ok := Reference("Seed-Pythia")
	if !ok {
		t.Fatal("seed-pythia not found")
	}
	if len(ref.Models) != 2 {
		t.Fatalf("%d models, want 2", len(ref.Models))
	}
	// The seed note's §1 tables, row by row: value and layer (−1 where the table gives none).
	tests := []struct {
		model, metric string
		value         float64
		layer         int
	}{
		{"pythia-1.4b", "final_mlp_gain", 3.60, 23},
		{"pythia-1.4b", "final_attn_gain", 0.37, 23},
		{"pythia-1.4b", "final_combined_gain", 1.34, 23},
		{"pythia-1.4b", "min_attn_gain", 0.083, 20},
		{"pythia-1.4b", "max_attn_gain", 0.527, 0},
		{"pythia-1.4b", "min_mlp_gain", 0.261, 1},
		{"pythia-1.4b", "max_mlp_gain", 3.60, 23},
		{"pythia-1.4b", "frac_attn_contracting", 1, -1},
		{"pythia-1.4b", "frac_mlp_contracting", 22.0 / 24, -1},
		{"pythia-1.4b", "frac_net_expanding", 1.0 / 24, -1},
		{"pythia-1.4b", "lstar_depth", 20.0 / 23, -1},
		{"pythia-6.9b", "final_mlp_gain", 6.24, 31},
		{"pythia-6.9b", "final_attn_gain", 0.27, 31},
		{"pythia-6.9b", "final_combined_gain", 1.71, 31},
		{"pythia-6.9b", "min_attn_gain", 0.079, 23},
		{"pythia-6.9b", "max_attn_gain", 0.999, 0},
		{"pythia-6.9b", "min_mlp_gain", 0.262, 1},
		{"pythia-6.9b", "max_mlp_gain", 6.24, 31},
		{"pythia-6.9b", "frac_attn_contracting", 1, -1},
		{"pythia-6.9b", "frac_mlp_contracting", 18.0 / 32, -1},
		{"pythia-6.9b", "frac_net_expanding", 2.0 / 32, -1},
		{"pythia-6.9b", "lstar_depth", 23.0 / 31, -1},
	}
	for _, tt := range tests {
		m, ok := ref.Model(tt.model)
		if !ok {
			t.Fatalf("%s missing", tt.model)
		}
		v, ok := m.Metrics[tt.metric]
		if !ok || math.Abs(v-tt.value) > 1e-12 {
			t.Errorf("%s %s = %v (%v), want %v", tt.model, tt.metric, v, ok, tt.value)
		}
		layer, ok := m.MetricLayer[tt.metric]
		if tt.layer >= 0 && (!ok || layer != tt.layer) || tt.layer < 0 && ok {
			t.Errorf("%s %s layer = %d (%v), want %d", tt.model, tt.metric, layer, ok, tt.layer)
		}
	}
	for _, m := range ref.Models {
		reg, _ := Lookup(m.Model)
		if m.Params != reg.Params || m.ParamsNonembed != reg.ParamsNonembed || m.Layers != reg.Layers {
			t.Errorf("%s: counts differ from the registry", m.Model)
		}
		c := m.Counts
		if c["mlp_contracting"]+c["mlp_expanding"] != m.Layers || c["net_contracting"]+c["net_expanding"] != m.Layers ||
			c["attn_contracting"] != m.Layers {
			t.Errorf("%s: counts %v do not add up to %d layers", m.Model, c, m.Layers)
		}
		// The final-layer metrics are consistent: combined ≈ attn × mlp within 2%. Not exactly, because the
		// seed's combined is the token mean of per-token products, not the product of the means.
		f := m.Metrics
		if d := f["final_attn_gain"]*f["final_mlp_gain"]/f["final_combined_gain"] - 1; math.Abs(d) > 0.02 {
			t.Errorf("%s: final attn × mlp = %.3f, combined %.2f", m.Model, f["final_attn_gain"]*f["final_mlp_gain"], f["final_combined_gain"])
		}
	}
	// The seed note's §2 profile: nine layers per component, agreeing with the metrics at the shared layers.
	m, _ := ref.Model("pythia-6.9b")
	for _, comp := range []string{"attn", "mlp"} {
		p := m.Profile[comp]
		if len(p) != 9 {
			t.Errorf("profile %s has %d layers, want 9", comp, len(p))
		}
		for layer := range p {
			if layer != 31 && layer%4 != 0 {
				t.Errorf("profile %s has layer %d", comp, layer)
			}
		}
	}
	if p := m.Profile; p["mlp"][31] != m.Metrics["final_mlp_gain"] || p["attn"][31] != m.Metrics["final_attn_gain"] ||
		math.Abs(p["attn"][0]-m.Metrics["max_attn_gain"]) > 0.01 {
		t.Errorf("profile disagrees with the metrics: %v", p)
	}
	for _, v := range m.Profile["attn"] {
		if v >= 1 {
			t.Errorf("profile attn gain %v ≥ 1, but all 32 layers contract", v)
		}
	}
	if p, _ := ref.Model("pythia-1.4b"); p.Profile != nil {
		t.Error("pythia-1.4b has a profile; the seed published none")
	}
	if _, ok := Reference("nope"); ok {
		t.Error("Reference(nope) found")
	}
}

func ExampleReference() {
	ref, _ := Reference(SeedPythia)
	for _, m := range ref.Models {
		fmt.Printf("%s: final MLP gain %.2f at layer %d\n", m.Model, m.Metrics["final_mlp_gain"], m.MetricLayer["final_mlp_gain"])
	}
	// Output:
	// pythia-1.4b: final MLP gain 3.60 at layer 23
	// pythia-6.9b: final MLP gain 6.24 at layer 31
}
