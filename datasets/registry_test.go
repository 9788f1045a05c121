package datasets

import (
	"fmt"
	"math"
	"testing"
)

// countParams computes a model's parameter counts from its shapes, layer by layer, the way the Hugging Face
// implementations allocate them. ctx is the number of learned positions (GPT-2 and GPT-3 only).
func countParams(m Model, ctx int64) (total, nonembed int64) {
	d, f, v, l := int64(m.Hidden), int64(m.FFN), int64(m.Vocab), int64(m.Layers)
	switch m.Architecture {
	case "gpt_neox", "gpt2":
		// Two LayerNorms (weight and bias), fused QKV and output projection with biases, MLP with biases.
		layer := 2*2*d + (d*3*d + 3*d) + (d*d + d) + (d*f + f) + (f*d + d)
		nonembed = l*layer + 2*d // final LayerNorm
		if m.Architecture == "gpt_neox" {
			return nonembed + 2*v*d, nonembed // untied embed_in and embed_out
		}
		return nonembed + v*d + ctx*d, nonembed // wte tied with lm_head, plus wpe
	case "llama":
		kv := int64(m.KVHeads) * (d / int64(m.Heads)) // width of k and v under grouped-query attention
		layer := 2*d + (d*d + 2*d*kv + d*d) + 3*d*f   // two RMSNorms, q k v o, gate up down; no biases
		nonembed = l*layer + d                        // final RMSNorm
		return nonembed + 2*v*d, nonembed             // untied embedding and lm_head
	}
	panic("unknown architecture " + m.Architecture)
}

func TestRegistryCounts(t *testing.T) {
	ctx := map[string]int64{"gpt2": 1024, "gpt2-medium": 1024, "gpt2-large": 1024, "gpt2-xl": 1024, "gpt3-175b": 2048}
	for _, m := range Models() {
		total, nonembed := countParams(m, ctx[m.Name])
		if nonembed != m.ParamsNonembed {
			t.Errorf("%s: ParamsNonembed = %d, shapes give %d", m.Name, m.ParamsNonembed, nonembed)
		}
		if m.Name == "gpt3-175b" {
			// The paper's 175e9 is nominal; the shapes give 174.6e9.
			if rel := math.Abs(float64(total)-float64(m.Params)) / float64(m.Params); rel > 0.005 {
				t.Errorf("%s: shapes give %d, %.2f%% from the nominal %d", m.Name, total, 100*rel, m.Params)
			}
			continue
		}
		if total != m.Params {
			t.Errorf("%s: Params = %d, shapes give %d", m.Name, m.Params, total)
		}
		if m.Hidden%m.Heads != 0 || m.Heads%m.KVHeads != 0 {
			t.Errorf("%s: heads %d, kv heads %d do not divide hidden %d", m.Name, m.Heads, m.KVHeads, m.Hidden)
		}
	}
}

// TestRegistryCards pins the counts quoted in the brief and DESIGN.md §6, independently of the shapes.
func TestRegistryCards(t *testing.T) {
	tests := []struct {
		name             string
		params, nonembed int64
	}{
		{"pythia-70m", 70_426_624, 18_915_328},
		{"pythia-1.4b", 1_414_647_808, 1_208_602_624},
		{"pythia-6.9b", 6_857_302_016, 6_444_163_072},
		{"pythia-12b", 11_846_072_320, 11_327_027_200},
		{"gpt2", 124_439_808, 85_056_000},
		{"gpt2-xl", 1_557_611_200, 1_475_561_600},
		{"llama-2-70b", 68_976_648_192, 68_452_360_192},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.name)
		if !ok || m.Params != tt.params || m.ParamsNonembed != tt.nonembed {
			t.Errorf("Lookup(%s) = %d/%d, %v; want %d/%d", tt.name, m.Params, m.ParamsNonembed, ok, tt.params, tt.nonembed)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pythia-1.4b", "pythia-1.4b"},
		{"EleutherAI/pythia-1.4b", "pythia-1.4b"},
		{"EleutherAI/Pythia-6.9B-deduped", "pythia-6.9b"},
		{" PYTHIA-70M ", "pythia-70m"},
		{"openai-community/gpt2", "gpt2"},
		{"gpt2-small", "gpt2"},
		{"GPT2-XL", "gpt2-xl"},
		{"GPT-3", "gpt3-175b"},
		{"meta-llama/Llama-2-7b-hf", "llama-2-7b"},
		{"llama2-70b", "llama-2-70b"},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.in)
		if !ok || m.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, m.Name, ok, tt.want)
		}
	}
	for _, name := range []string{"", "pythia", "pythia-7b", "gpt4", "llama-3-8b", "EleutherAI/"} {
		if m, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, want not found", name, m.Name)
		}
	}
	ms := Models()
	if len(ms) != 16 {
		t.Errorf("Models() has %d entries, want 16", len(ms))
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Params < ms[i-1].Params {
			t.Errorf("Models() not sorted: %s before %s", ms[i-1].Name, ms[i].Name)
		}
	}
}

func ExampleLookup() {
	m, ok := Lookup("EleutherAI/pythia-1.4b")
	fmt.Println(ok, m.Name, m.Params, m.Layers, m.Hidden)
	// Output: true pythia-1.4b 1414647808 24 2048
}
