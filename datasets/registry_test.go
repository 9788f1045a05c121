package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// registryDir holds the models' config.json files and golden.json, which testdata/registry/gen.py computes from them
// and checks against the published totals.
const registryDir = "../testdata/registry"

// goldenModel is one entry of golden.json.
type goldenModel struct {
	Name           string `json:"name"`
	Architecture   string `json:"architecture"`
	Layers         int    `json:"layers"`
	Hidden         int    `json:"hidden"`
	Heads          int    `json:"heads"`
	KVHeads        int    `json:"kv_heads"`
	HeadDim        int    `json:"head_dim"`
	FFN            int    `json:"ffn"`
	Vocab          int    `json:"vocab"`
	Positions      int    `json:"positions"`
	Tied           bool   `json:"tied"`
	Params         int64  `json:"params"`
	ParamsNonembed int64  `json:"params_nonembed"`
	NominalParams  int64  `json:"nominal_params"` // GPT-3's stated 175e9, which the registry carries
}

// TestRegistryGolden holds every registry entry to the counts and shapes that gen.py computed from its config.json.
func TestRegistryGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(registryDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct{ Models []goldenModel }
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	byName := map[string]goldenModel{}
	for _, g := range golden.Models {
		byName[g.Name] = g
	}
	if len(byName) != len(models) {
		t.Errorf("golden.json has %d models, the registry %d", len(byName), len(models))
	}
	for _, m := range Models() {
		g, ok := byName[m.Name]
		if !ok {
			t.Errorf("%s: not in golden.json", m.Name)
			continue
		}
		wantParams := g.Params
		if g.NominalParams != 0 {
			wantParams = g.NominalParams
		}
		got := goldenModel{m.Name, m.Architecture, m.Layers, m.Hidden, m.Heads, m.KVHeads, m.HeadDim, m.FFN, m.Vocab,
			m.Positions, m.Tied, m.Params, m.ParamsNonembed, g.NominalParams}
		want := g
		want.Params = wantParams
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", m.Name, got, want)
		}
		if m.Heads%m.KVHeads != 0 {
			t.Errorf("%s: %d heads, %d kv heads", m.Name, m.Heads, m.KVHeads)
		}
	}
}

// shapeKeys are the config.json keys that Model's typed fields hold; Extra holds the rest.
var shapeKeys = []string{"model_type", "hidden_size", "n_embd", "num_hidden_layers", "n_layer", "num_attention_heads",
	"n_head", "num_key_value_heads", "head_dim", "intermediate_size", "n_inner", "vocab_size",
	"max_position_embeddings", "n_positions", "tie_word_embeddings"}

// TestRegistryExtra checks that each entry's Extra is its config.json less the shape keys (and less the notes that
// testdata/registry adds under scalefit_ keys).
func TestRegistryExtra(t *testing.T) {
	for _, m := range Models() {
		data, err := os.ReadFile(filepath.Join(registryDir, m.Name, "config.json"))
		if err != nil {
			t.Error(err)
			continue
		}
		var cfg map[string]any
		if err := json.Unmarshal(data, &cfg); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if cfg["model_type"] != m.Architecture {
			t.Errorf("%s: model_type %v, Architecture %q", m.Name, cfg["model_type"], m.Architecture)
		}
		for k := range cfg {
			if slices.Contains(shapeKeys, k) || strings.HasPrefix(k, "scalefit_") {
				delete(cfg, k)
			}
		}
		want, _ := json.Marshal(cfg)
		got, err := json.Marshal(m.Extra)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: Extra = %s, config.json has %s (%v)", m.Name, got, want, err)
		}
	}
}

// TestRegistryCards pins published counts, independently of the shapes.
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
		{"llama-3.2-1b", 1_235_814_400, 973_146_112},
		{"llama-3.1-8b", 8_030_261_248, 6_979_588_096},
		{"mistral-7b-v0.3", 7_248_023_552, 6_979_588_096},
		{"qwen2.5-0.5b", 494_032_768, 357_898_112},
		{"gemma-2-2b", 2_614_341_888, 2_024_517_888},
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
		{"meta-llama/Llama-3.2-1B", "llama-3.2-1b"},
		{"meta-llama/Llama-3.2-3B-Instruct", "llama-3.2-3b"},
		{"meta-llama/Meta-Llama-3.1-8B", "llama-3.1-8b"},
		{"meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"},
		{"mistralai/Mistral-7B-v0.3", "mistral-7b-v0.3"},
		{"mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-v0.3"},
		{"Qwen/Qwen2.5-0.5B", "qwen2.5-0.5b"},
		{"Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b"},
		{"google/gemma-2-2b", "gemma-2-2b"},
		{"google/gemma-2-27b-it", "gemma-2-27b"},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.in)
		if !ok || m.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, m.Name, ok, tt.want)
		}
	}
	for _, name := range []string{"", "pythia", "pythia-7b", "pythia-1b-it", "gpt4", "llama-3-8b", "qwen2.5-8b", "gemma-2b", "EleutherAI/"} {
		if m, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, want not found", name, m.Name)
		}
	}
	ms := Models()
	if len(ms) != 31 {
		t.Errorf("Models() has %d entries, want 31", len(ms))
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
