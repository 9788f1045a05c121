package datasets

import (
	"sort"
	"strings"
)

// ReferenceModel is one model's published results: model-level metrics named as scalefit names them (docs/gains.md), the layer at
// which each extreme or final metric was observed, the layer counts behind the fractions, and a per-layer gain
// profile where one was published.
type ReferenceModel struct {
	Model          string // registry name, e.g. "pythia-6.9b"
	Params         int64
	ParamsNonembed int64
	Layers         int
	// Metrics maps a metric name (final_mlp_gain, min_attn_gain, frac_attn_contracting, lstar_depth, …) to its
	// value. Fractions are shares of layers, 24/24 = 1.
	Metrics map[string]float64
	// MetricLayer gives the 0-based layer of a metric that belongs to one layer (the final_* metrics, the
	// extremes).
	MetricLayer map[string]int
	// Counts gives the layer counts behind the fractions: attn_contracting, mlp_contracting, mlp_expanding,
	// net_contracting, net_expanding.
	Counts map[string]int
	// Profile maps a component (attn, mlp) to layer → gain. Nil where no profile was published.
	Profile map[string]map[int]float64
}

// ReferenceSet is a named collection of published results.
type ReferenceSet struct {
	Name        string
	Description string
	Provenance  string
	Models      []ReferenceModel
}

// Model returns the set's entry for a model name (any spelling Lookup accepts).
func (r ReferenceSet) Model(name string) (ReferenceModel, bool) {
	n := canonicalName(name)
	for _, m := range r.Models {
		if m.Model == n {
			return m, true
		}
	}
	return ReferenceModel{}, false
}

// SeedPythia is the name of the reference set with the seed note's Pythia-1.4B and Pythia-6.9B results.
const SeedPythia = "seed-pythia"

// seedPythia returns the seed note's §1 tables and §2 layer profile of Pythia-1.4B and 6.9B. Fractions are exact ratios of the counts; lstar_depth
// is L*/(n_layers − 1) with L* the layer of the attention minimum. The 6.9B profile is the seed note's §2 table,
// two decimals, at layers 0, 4, …, 28 and 31; its L0 attention value (0.99) is the rounded max_attn_gain (0.999).
func seedPythia() ReferenceSet {
	p14, _ := Lookup("pythia-1.4b")
	p69, _ := Lookup("pythia-6.9b")
	ref := func(m Model, metrics map[string]float64, layers map[string]int, counts map[string]int) ReferenceModel {
		n := float64(m.Layers)
		metrics["frac_attn_contracting"] = float64(counts["attn_contracting"]) / n
		metrics["frac_mlp_contracting"] = float64(counts["mlp_contracting"]) / n
		metrics["frac_net_expanding"] = float64(counts["net_expanding"]) / n
		metrics["lstar_depth"] = float64(layers["min_attn_gain"]) / (n - 1)
		return ReferenceModel{
			Model: m.Name, Params: m.Params, ParamsNonembed: m.ParamsNonembed, Layers: m.Layers,
			Metrics: metrics, MetricLayer: layers, Counts: counts,
		}
	}
	a := ref(p14,
		map[string]float64{
			"final_mlp_gain": 3.60, "final_attn_gain": 0.37, "final_combined_gain": 1.34,
			"min_attn_gain": 0.083, "max_attn_gain": 0.527,
			"min_mlp_gain": 0.261, "max_mlp_gain": 3.60,
		},
		map[string]int{
			"final_mlp_gain": 23, "final_attn_gain": 23, "final_combined_gain": 23,
			"min_attn_gain": 20, "max_attn_gain": 0,
			"min_mlp_gain": 1, "max_mlp_gain": 23,
		},
		map[string]int{
			"attn_contracting": 24, "mlp_contracting": 22, "mlp_expanding": 2,
			"net_contracting": 23, "net_expanding": 1,
		})
	b := ref(p69,
		map[string]float64{
			"final_mlp_gain": 6.24, "final_attn_gain": 0.27, "final_combined_gain": 1.71,
			"min_attn_gain": 0.079, "max_attn_gain": 0.999,
			"min_mlp_gain": 0.262, "max_mlp_gain": 6.24,
		},
		map[string]int{
			"final_mlp_gain": 31, "final_attn_gain": 31, "final_combined_gain": 31,
			"min_attn_gain": 23, "max_attn_gain": 0,
			"min_mlp_gain": 1, "max_mlp_gain": 31,
		},
		map[string]int{
			"attn_contracting": 32, "mlp_contracting": 18, "mlp_expanding": 14,
			"net_contracting": 30, "net_expanding": 2,
		})
	b.Profile = map[string]map[int]float64{
		"attn": {0: 0.99, 4: 0.33, 8: 0.29, 12: 0.39, 16: 0.35, 20: 0.21, 24: 0.09, 28: 0.10, 31: 0.27},
		"mlp":  {0: 1.30, 4: 2.07, 8: 0.70, 12: 0.95, 16: 1.04, 20: 1.04, 24: 0.90, 28: 0.87, 31: 6.24},
	}
	return ReferenceSet{
		Name: SeedPythia,
		Description: "attention and MLP gains of Pythia-1.4B and Pythia-6.9B measured with PyTorch forward hooks " +
			"(the seed's headline: final MLP gain 3.60 → 6.24)",
		Provenance: "seed note ffn-expansion-pythia-6.9b.md, 2026-01-05 (§1 tables, §2 layer profile); parameter counts from the Pythia model cards",
		Models:     []ReferenceModel{a, b},
	}
}

// Reference returns the reference set called name (case-insensitive).
func Reference(name string) (ReferenceSet, bool) {
	for _, r := range References() {
		if strings.EqualFold(r.Name, strings.TrimSpace(name)) {
			return r, true
		}
	}
	return ReferenceSet{}, false
}

// References returns every reference set, sorted by name. Each call builds fresh maps, so callers may modify
// them.
func References() []ReferenceSet {
	out := []ReferenceSet{seedPythia()}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
