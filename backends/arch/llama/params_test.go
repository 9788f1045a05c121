package llama

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/configtest"
)

// preset builds the model of a named preset through its family's synth config, as synth does.
func preset(t *testing.T, name string, extra map[string]any) *model {
	t.Helper()
	return configtest.Preset(t, name, extra).(*model)
}

// shapeModel builds the model of shape s in family v's synth config, with extra's keys over it.
func shapeModel(t *testing.T, v *variant, s arch.Shape, extra map[string]any) *model {
	t.Helper()
	js, err := v.synthConfig(s, extra)
	if err != nil {
		t.Fatal(err)
	}
	return newModel(t, string(js), arch.Options{})
}

// TestPresets checks that every preset renders a config of its shape with head_dim d/heads. (Those named like registry
// models are checked against the published configs and counts by arch/all's TestRegistryPresets; the test shapes'
// random-init loss by synth's TestRandomInitLoss.)
func TestPresets(t *testing.T) {
	for _, v := range []*variant{llamaVariant, mistralVariant, qwen2Variant} {
		f, ok := arch.Lookup(v.modelType)
		if !ok || f.Name != v.modelType || len(f.Presets) != len(v.presets) || f.SynthConfig == nil {
			t.Fatalf("family %s registered as %+v", v.modelType, f)
		}
		for _, p := range v.presets {
			c := preset(t, p.Name, nil).c
			if c.ModelType != v.modelType || c.Layers != p.Shape.Layers || c.Hidden != p.Shape.Hidden || c.Heads != p.Shape.Heads ||
				c.KVHeads != p.Shape.KVHeads || c.FFN != p.Shape.FFN || c.Vocab != p.Shape.Vocab || c.HeadDim != c.Hidden/c.Heads {
				t.Errorf("%s: %+v", p.Name, *c)
			}
		}
	}
	if m := preset(t, "mistral-tiny", nil); m.c.Windows[1] != 16 {
		t.Errorf("mistral-tiny: windows %v, want 16", m.c.Windows)
	}
}

// TestSynthConfigOverrides: the shape's keys win over the base, extra wins over both, head_dim follows an overridden
// width, and a shape without kv heads has as many as heads.
func TestSynthConfigOverrides(t *testing.T) {
	s := llamaPresets[3].Shape // llama-3.2-1b
	s.Hidden, s.Heads = 1024, 16
	m := shapeModel(t, llamaVariant, s, map[string]any{"tie_word_embeddings": false, "rope_scaling": nil})
	if c := m.c; c.Hidden != 1024 || c.HeadDim != 64 || c.TiedEmbeddings || c.Rope.Type != ropeDefault || c.Rope.Theta != 500000 {
		t.Errorf("overrides: %+v", *c)
	}
	m = shapeModel(t, qwen2Variant, arch.Shape{Layers: 1, Hidden: 32, Heads: 4, FFN: 8, Vocab: 8}, nil)
	if m.c.KVHeads != 4 || !m.c.QKVBias {
		t.Errorf("qwen2 without kv heads: %+v", *m.c)
	}
	var doc map[string]any
	if err := json.Unmarshal(m.c.Raw, &doc); err != nil || doc["head_dim"] != nil || doc["use_sliding_window"] != false {
		t.Errorf("qwen2 config: %v\n%s", err, m.c.Raw)
	}
}

// TestParams checks names, shapes and state-dict order, the biases of each family, and the tied unembedding.
func TestParams(t *testing.T) {
	m := preset(t, "llama-tiny", nil) // llama-tiny: d 64, 4 heads / 2 kv of 16, ff 176, tied
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
	if total-nonEmbed != 512*64 || arch.CountValues(params) != total {
		t.Errorf("tied: %d embedding parameters, want %d", total-nonEmbed, 512*64)
	}

	untied := preset(t, "llama-tiny", map[string]any{"tie_word_embeddings": false})
	params = untied.Params()
	if params[len(params)-1].Name != LMHead || untied.HeadWeights()[1].Name != LMHead {
		t.Errorf("untied: %+v", params[len(params)-1])
	}
	if total, nonEmbed := untied.ParamCounts(); total-nonEmbed != 2*512*64 || arch.CountValues(params) != total {
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
		m := shapeModel(t, tt.v, arch.Shape{Layers: 2, Hidden: 32, Heads: 4, KVHeads: 2, FFN: 48, Vocab: 40}, tt.extra)
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
		if total, _ := m.ParamCounts(); arch.CountValues(m.Params()) != total {
			t.Errorf("%s: Params sum to %d, ParamCounts %d", tt.name, arch.CountValues(m.Params()), total)
		}
	}
}

func TestIsBuffer(t *testing.T) {
	tied := preset(t, "llama-tiny", nil)
	untied := preset(t, "llama-tiny", map[string]any{"tie_word_embeddings": false})
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
	m := preset(t, "qwen2-tiny", map[string]any{"initializer_range": 0.05})
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
