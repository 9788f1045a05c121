package llama

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/datasets"
)

// registryDir holds the released models' config.json files and golden.json, whose counts testdata/registry/gen.py
// computes independently and checks against the published totals.
const registryDir = "../../../testdata/registry"

type golden struct {
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
}

func sumShapes(specs []arch.WeightSpec) int64 {
	var sum int64
	for _, s := range specs {
		n := int64(1)
		for _, d := range s.Shape {
			n *= int64(d)
		}
		sum += n
	}
	return sum
}

// TestRegistryCounts feeds every llama, mistral and qwen2 config.json of the registry to its family and checks the
// shapes and both parameter counts against golden.json, and that Params' shapes sum to the total.
func TestRegistryCounts(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(registryDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Models []golden }
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, want := range g.Models {
		if want.Architecture != "llama" && want.Architecture != "mistral" && want.Architecture != "qwen2" {
			continue
		}
		js, err := os.ReadFile(filepath.Join(registryDir, want.Name, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		m := newModel(t, string(js), arch.Options{})
		c := m.c
		if c.ModelType != want.Architecture || c.Layers != want.Layers || c.Hidden != want.Hidden || c.Heads != want.Heads ||
			c.KVHeads != want.KVHeads || c.HeadDim != want.HeadDim || c.FFN != want.FFN || c.Vocab != want.Vocab ||
			c.MaxPositions != want.Positions || c.TiedEmbeddings != want.Tied {
			t.Errorf("%s: config maps to %+v, golden %+v", want.Name, *c, want)
		}
		total, nonEmbed := m.ParamCounts()
		if total != want.Params || nonEmbed != want.ParamsNonembed {
			t.Errorf("%s: ParamCounts = %d, %d; golden %d, %d", want.Name, total, nonEmbed, want.Params, want.ParamsNonembed)
		}
		if sum := sumShapes(m.Params()); sum != total {
			t.Errorf("%s: Params' shapes sum to %d, ParamCounts says %d", want.Name, sum, total)
		}
		if !slices.Equal(c.Windows, make([]int, c.Layers)) {
			t.Errorf("%s: windows %v, want none", want.Name, c.Windows)
		}
		checked[want.Architecture]++
	}
	// Llama-2 7B/13B/70B, Llama-3.2 1B/3B, Llama-3.1 8B/70B; Mistral-7B-v0.3; Qwen2.5 0.5B to 72B.
	if checked["llama"] != 7 || checked["mistral"] != 1 || checked["qwen2"] != 7 {
		t.Errorf("checked %v, want 7 llama, 1 mistral, 7 qwen2", checked)
	}
}

// presetModel builds the model of a preset through its family's synth config, as synth does.
func presetModel(t *testing.T, v *variant, p arch.Preset, extra map[string]any) *model {
	t.Helper()
	all := map[string]any{}
	for k, x := range p.Extra {
		all[k] = x
	}
	for k, x := range extra {
		all[k] = x
	}
	js, err := v.synthConfig(p.Shape, all)
	if err != nil {
		t.Fatal(err)
	}
	return newModel(t, string(js), arch.Options{})
}

// TestPresets checks that every preset renders a config of its shape, that the released models' presets render the
// published config (every key of the registry entry's Extra, the sizes, positions and tying) with the registry's
// counts, and that the tiny presets are valid.
func TestPresets(t *testing.T) {
	real := 0
	for _, v := range []*variant{llamaVariant, mistralVariant, qwen2Variant} {
		f, ok := arch.Lookup(v.modelType)
		if !ok || f.Name != v.modelType || len(f.Presets) != len(v.presets) || f.SynthConfig == nil {
			t.Fatalf("family %s registered as %+v", v.modelType, f)
		}
		for _, p := range v.presets {
			m := presetModel(t, v, p, nil)
			c := m.c
			if c.ModelType != v.modelType || c.Layers != p.Shape.Layers || c.Hidden != p.Shape.Hidden || c.Heads != p.Shape.Heads ||
				c.KVHeads != p.Shape.KVHeads || c.FFN != p.Shape.FFN || c.Vocab != p.Shape.Vocab || c.HeadDim != c.Hidden/c.Heads {
				t.Errorf("%s: %+v", p.Name, *c)
			}
			r, ok := datasets.Lookup(p.Name)
			if !ok {
				continue
			}
			real++
			total, nonEmbed := m.ParamCounts()
			if r.Architecture != v.modelType || total != r.Params || nonEmbed != r.ParamsNonembed || c.MaxPositions != r.Positions ||
				c.TiedEmbeddings != r.Tied || c.HeadDim != r.HeadDim {
				t.Errorf("%s: %s, %d/%d parameters, %d positions, tied %v; registry %+v", p.Name, c.ModelType, total, nonEmbed,
					c.MaxPositions, c.TiedEmbeddings, r)
			}
			var doc map[string]any
			if err := json.Unmarshal(c.Raw, &doc); err != nil {
				t.Fatal(err)
			}
			for k, want := range r.Extra {
				if got := doc[k]; !reflect.DeepEqual(jsonValue(t, got), jsonValue(t, want)) {
					t.Errorf("%s: %q = %v, published %v", p.Name, k, got, want)
				}
			}
		}
	}
	if real != 15 {
		t.Errorf("%d presets are registry models, want 15", real)
	}
}

// jsonValue normalises a value as a JSON round trip decodes it.
func jsonValue(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSynthConfigOverrides: the shape's keys win over the base, extra wins over both, head_dim follows an overridden
// width, and a shape without kv heads has as many as heads.
func TestSynthConfigOverrides(t *testing.T) {
	p := llamaPresets[3] // llama-3.2-1b
	p.Shape.Hidden, p.Shape.Heads = 1024, 16
	m := presetModel(t, llamaVariant, p, map[string]any{"tie_word_embeddings": false, "rope_scaling": nil})
	if c := m.c; c.Hidden != 1024 || c.HeadDim != 64 || c.TiedEmbeddings || c.Rope.Type != ropeDefault || c.Rope.Theta != 500000 {
		t.Errorf("overrides: %+v", *c)
	}
	js, err := qwen2Variant.synthConfig(arch.Shape{Layers: 1, Hidden: 32, Heads: 4, FFN: 8, Vocab: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m = newModel(t, string(js), arch.Options{})
	if m.c.KVHeads != 4 || !m.c.QKVBias {
		t.Errorf("qwen2 without kv heads: %+v", *m.c)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil || doc["head_dim"] != nil || doc["use_sliding_window"] != false {
		t.Errorf("qwen2 config: %v\n%s", err, js)
	}
}

// TestParams checks names, shapes and state-dict order, the biases of each family, and the tied unembedding.
func TestParams(t *testing.T) {
	m := presetModel(t, llamaVariant, llamaPresets[len(llamaPresets)-1], nil) // llama-tiny: d 64, 4 heads / 2 kv of 16, ff 176, tied
	want := []arch.WeightSpec{
		{Name: "model.layers.1.self_attn.q_proj.weight", Key: qW, Shape: []int{64, 64}},
		{Name: "model.layers.1.self_attn.k_proj.weight", Key: kW, Shape: []int{32, 64}},
		{Name: "model.layers.1.self_attn.v_proj.weight", Key: vW, Shape: []int{32, 64}},
		{Name: "model.layers.1.self_attn.o_proj.weight", Key: oW, Shape: []int{64, 64}},
		{Name: "model.layers.1.mlp.gate_proj.weight", Key: gateW, Shape: []int{176, 64}},
		{Name: "model.layers.1.mlp.up_proj.weight", Key: upW, Shape: []int{176, 64}},
		{Name: "model.layers.1.mlp.down_proj.weight", Key: downW, Shape: []int{64, 176}},
		{Name: "model.layers.1.input_layernorm.weight", Key: ln1, Shape: []int{64}},
		{Name: "model.layers.1.post_attention_layernorm.weight", Key: ln2, Shape: []int{64}},
	}
	if got := m.LayerWeights(1); !reflect.DeepEqual(got, want) {
		t.Errorf("LayerWeights(1) = %+v", got)
	}
	params := m.Params()
	if len(params) != 1+2*9+1 || params[0].Name != EmbedTokens || params[len(params)-1].Name != FinalNorm {
		t.Errorf("tied Params: %+v", params)
	}
	if h := m.HeadWeights(); h[1].Name != EmbedTokens || h[1].Key != keyUnembed || h[0].Name != FinalNorm {
		t.Errorf("tied HeadWeights: %+v", h)
	}
	total, nonEmbed := m.ParamCounts()
	if total-nonEmbed != 512*64 || sumShapes(params) != total {
		t.Errorf("tied: %d embedding parameters, want %d", total-nonEmbed, 512*64)
	}

	untied := presetModel(t, llamaVariant, llamaPresets[len(llamaPresets)-1], map[string]any{"tie_word_embeddings": false})
	params = untied.Params()
	if params[len(params)-1].Name != LMHead || untied.HeadWeights()[1].Name != LMHead {
		t.Errorf("untied: %+v", params[len(params)-1])
	}
	if total, nonEmbed := untied.ParamCounts(); total-nonEmbed != 2*512*64 || sumShapes(params) != total {
		t.Errorf("untied: %d embedding parameters", total-nonEmbed)
	}

	for _, tt := range []struct {
		name   string
		v      *variant
		extra  map[string]any
		biases []string
	}{
		{"llama", llamaVariant, nil, nil},
		{"llama attention_bias", llamaVariant, map[string]any{"attention_bias": true}, []string{qB, kB, vB, oB}},
		{"llama mlp_bias", llamaVariant, map[string]any{"mlp_bias": true}, []string{gateB, upB, downB}},
		{"mistral ignores attention_bias, as MistralConfig does", mistralVariant, map[string]any{"attention_bias": true}, nil},
		{"qwen2", qwen2Variant, nil, []string{qB, kB, vB}},
	} {
		m := presetModel(t, tt.v, arch.Preset{Shape: arch.Shape{Layers: 2, Hidden: 32, Heads: 4, KVHeads: 2, FFN: 48, Vocab: 40}}, tt.extra)
		var biases []string
		for _, s := range m.LayerWeights(0) {
			if len(s.Shape) == 1 && s.Key != ln1 && s.Key != ln2 {
				biases = append(biases, s.Key)
				if want := map[string]int{qB: 32, kB: 16, vB: 16, oB: 32, gateB: 48, upB: 48, downB: 32}[s.Key]; s.Shape[0] != want {
					t.Errorf("%s: %s has %v, want [%d]", tt.name, s.Key, s.Shape, want)
				}
			}
		}
		if !slices.Equal(biases, tt.biases) {
			t.Errorf("%s: biases %v, want %v", tt.name, biases, tt.biases)
		}
		if total, _ := m.ParamCounts(); sumShapes(m.Params()) != total {
			t.Errorf("%s: Params sum to %d, ParamCounts %d", tt.name, sumShapes(m.Params()), total)
		}
	}
}

func TestIsBuffer(t *testing.T) {
	tied := presetModel(t, llamaVariant, llamaPresets[len(llamaPresets)-1], nil)
	untied := presetModel(t, llamaVariant, llamaPresets[len(llamaPresets)-1], map[string]any{"tie_word_embeddings": false})
	for name, want := range map[string]bool{
		"model.layers.0.self_attn.rotary_emb.inv_freq": true,
		"model.rotary_emb.inv_freq":                    true,
		"rotary_emb.inv_freq":                          true,
		"model.layers.0.self_attn.q_proj.bias":         false,
		"model.layers.0.self_attn.inv_freq":            false,
		"model.layers.0.attention.bias":                false,
		EmbedTokens:                                    false,
	} {
		if got := tied.IsBuffer(name); got != want {
			t.Errorf("IsBuffer(%q) = %v, want %v", name, got, want)
		}
	}
	if !tied.IsBuffer(LMHead) || untied.IsBuffer(LMHead) {
		t.Error("lm_head.weight: ignored only beside a tied embedding")
	}
}

// TestInit checks HF's _init_weights: normal(0, initializer_range) for every linear and embedding weight, zero
// biases, RMSNorm weights one.
func TestInit(t *testing.T) {
	m := presetModel(t, qwen2Variant, qwen2Presets[len(qwen2Presets)-1], map[string]any{"initializer_range": 0.05})
	for name, want := range map[string]arch.Init{
		EmbedTokens:                                      {Std: 0.05},
		LMHead:                                           {Std: 0.05},
		"model.layers.1.self_attn.q_proj.weight":         {Std: 0.05},
		"model.layers.1.self_attn.q_proj.bias":           {},
		"model.layers.0.self_attn.o_proj.weight":         {Std: 0.05},
		"model.layers.0.mlp.down_proj.weight":            {Std: 0.05},
		"model.layers.0.mlp.gate_proj.bias":              {},
		"model.layers.1.input_layernorm.weight":          {Const: 1},
		"model.layers.1.post_attention_layernorm.weight": {Const: 1},
		FinalNorm: {Const: 1},
	} {
		if got := m.Init(name); math.Abs(got.Std-want.Std) > 0 || got.Const != want.Const {
			t.Errorf("Init(%s) = %+v, want %+v", name, got, want)
		}
	}
	for _, p := range m.Params() {
		if in := m.Init(p.Name); in.Std == 0 && in.Const == 0 && len(p.Shape) == 2 {
			t.Errorf("%s: a matrix initialised to zero", p.Name)
		}
	}
}
