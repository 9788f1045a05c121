package gpt2

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/configtest"
)

// mustNew and presetModel are configtest's, typed for this package.
func mustNew(t *testing.T, js string, opt arch.Options) *model {
	return configtest.New(t, js, opt).(*model)
}

func presetModel(t *testing.T, name string, extra map[string]any) *model {
	return configtest.Preset(t, name, extra).(*model)
}

const base = `"model_type":"gpt2","n_embd":32,"n_layer":3,"n_head":4,"n_positions":16,"vocab_size":100`

func TestConfig(t *testing.T) {
	m := mustNew(t, configtest.Registry(t, "gpt2"), arch.Options{})
	c := m.c
	if c.ModelType != "gpt2" || c.Hidden != 768 || c.Layers != 12 || c.Heads != 12 || c.KVHeads != 12 || c.HeadDim != 64 ||
		c.FFN != 3072 || c.Vocab != 50257 || c.MaxPositions != 1024 || !c.TiedEmbeddings || c.Eps != 1e-5 ||
		c.Activation != arch.GELUTanh || !c.ScaleWeights || c.ScaleByInverseLayer {
		t.Errorf("gpt2: %+v", *c)
	}
	for l, a := range m.attn {
		if a != (arch.Attention{Heads: 12, KVHeads: 12, HeadDim: 64, Scale: 0.125}) {
			t.Errorf("layer %d: %+v", l, a)
		}
	}
	s8 := float32(1 / math.Sqrt(8)) // head_dim 8
	for _, tt := range []struct {
		keys   string
		ffn    int
		act    arch.Activation
		scales []float32 // per layer
		tied   bool
	}{
		{``, 128, arch.GELUTanh, []float32{s8, s8, s8}, true},
		{`,"n_inner":null,"activation_function":null`, 128, arch.GELUTanh, []float32{s8, s8, s8}, true},
		{`,"n_inner":96,"activation_function":"gelu"`, 96, arch.GELU, []float32{s8, s8, s8}, true},
		{`,"scale_attn_by_inverse_layer_idx":true`, 128, arch.GELUTanh,
			[]float32{float32(1 / math.Sqrt(8)), float32(1 / (math.Sqrt(8) * 2)), float32(1 / (math.Sqrt(8) * 3))}, true},
		{`,"scale_attn_weights":false,"scale_attn_by_inverse_layer_idx":true`, 128, arch.GELUTanh, []float32{1, 0.5, float32(1.0 / 3)}, true},
		{`,"scale_attn_weights":false`, 128, arch.GELUTanh, []float32{1, 1, 1}, true},
		{`,"reorder_and_upcast_attn":true,"tie_word_embeddings":false`, 128, arch.GELUTanh, []float32{s8, s8, s8}, false},
		{`,"activation_function":"gelu_pytorch_tanh","hidden_size":32,"max_position_embeddings":16`, 128, arch.GELUTanh, []float32{s8, s8, s8}, true},
	} {
		m := mustNew(t, `{`+base+tt.keys+`}`, arch.Options{})
		if m.c.FFN != tt.ffn || m.c.Activation != tt.act || m.c.TiedEmbeddings != tt.tied || m.c.HeadDim != 8 {
			t.Errorf("%s: %+v", tt.keys, *m.c)
		}
		for l, a := range m.attn {
			if a.Scale != tt.scales[l] || a.Heads != 4 || a.KVHeads != 4 || a.HeadDim != 8 || a.SoftCap != 0 || a.Window != 0 {
				t.Errorf("%s: layer %d: %+v, want scale %g", tt.keys, l, a, tt.scales[l])
			}
		}
	}
	// HF's attribute names alone also map.
	m = mustNew(t, `{"model_type":"gpt2","hidden_size":32,"num_hidden_layers":3,"num_attention_heads":4,"max_position_embeddings":16,"vocab_size":100}`, arch.Options{})
	if c := m.c; c.Hidden != 32 || c.Layers != 3 || c.Heads != 4 || c.MaxPositions != 16 {
		t.Errorf("attribute names: %+v", *c)
	}
}

func TestActivationOverride(t *testing.T) {
	erf, tanh := arch.GELU, arch.GELUTanh
	if m := mustNew(t, `{`+base+`}`, arch.Options{Activation: &erf}); m.c.Activation != arch.GELU {
		t.Errorf("gelu_new with --gelu erf runs %v", m.c.Activation)
	}
	if m := mustNew(t, `{`+base+`,"activation_function":"gelu"}`, arch.Options{Activation: &tanh}); m.c.Activation != arch.GELUTanh {
		t.Errorf("gelu with --gelu tanh runs %v", m.c.Activation)
	}
	if _, err := arch.New([]byte(`{`+base+`,"activation_function":"silu"}`), arch.Options{Activation: &erf}); err == nil ||
		!strings.Contains(err.Error(), `key "activation_function": "silu" is not a GELU`) {
		t.Errorf("silu with --gelu: %v", err)
	}
}

// TestConfigErrors: every missing or invalid key and every unsupported value is refused with one line naming the key.
func TestConfigErrors(t *testing.T) {
	gpt2 := map[string]string{"model_type": `"gpt2"`, "n_embd": "32", "n_layer": "3", "n_head": "4", "n_positions": "16", "vocab_size": "100"}
	for _, tt := range []struct {
		over map[string]string
		want string
	}{
		{map[string]string{"n_embd": ""}, `key "n_embd" is missing`},
		{map[string]string{"n_layer": ""}, `key "n_layer" is missing`},
		{map[string]string{"n_head": ""}, `key "n_head" is missing`},
		{map[string]string{"n_positions": ""}, `key "n_positions" is missing`},
		{map[string]string{"vocab_size": ""}, `key "vocab_size" is missing`},
		{map[string]string{"n_embd": "0"}, `key "n_embd": 0 is not positive`},
		{map[string]string{"n_layer": "5000"}, `key "n_layer": 5000 exceeds the limit`},
		{map[string]string{"n_head": "5"}, `key "n_head": 5 does not divide n_embd 32`},
		{map[string]string{"n_positions": "-1"}, `key "n_positions": -1 is not positive`},
		{map[string]string{"n_inner": "0"}, `key "n_inner": 0 is not positive`},
		{map[string]string{"n_inner": "2000000"}, `key "n_inner": 2000000 exceeds`},
		{map[string]string{"n_inner": "64.5"}, `key "n_inner"`},
		{map[string]string{"hidden_size": "64"}, `keys "n_embd" (32) and "hidden_size" (64) disagree`},
		{map[string]string{"max_position_embeddings": "1024"}, `keys "n_positions" (16) and "max_position_embeddings" (1024) disagree`},
		{map[string]string{"layer_norm_epsilon": "0"}, `key "layer_norm_epsilon": 0 is outside (0, 1)`},
		{map[string]string{"initializer_range": "0"}, `key "initializer_range"`},
		{map[string]string{"activation_function": `"relu"`}, `key "activation_function": activation "relu" is not supported`},
		{map[string]string{"add_cross_attention": "true"}, `key "add_cross_attention": true is not supported`},
		{map[string]string{"scale_attn_weights": "1"}, `key "scale_attn_weights"`},
		{map[string]string{"scale_attn_by_inverse_layer_idx": `"true"`}, `key "scale_attn_by_inverse_layer_idx"`},
		{map[string]string{"n_embd": "65536", "n_layer": "1024", "n_head": "64"}, `parameters, beyond the limit`},
	} {
		configtest.Refuses(t, configtest.Build(gpt2, tt.over), tt.want)
	}
}

// TestParamsAndPrefix checks names, shapes, the Conv1D layout, order, the prefix a checkpoint's names choose, and the
// tied and untied unembedding.
func TestParamsAndPrefix(t *testing.T) {
	m := presetModel(t, "gpt2-tiny", nil) // L=2, d=64, ff=256, V=512, 64 positions
	var names []string
	for _, s := range m.LayerWeights(1) {
		names = append(names, strings.TrimPrefix(s.Name, "transformer.h.1."))
		if want := map[bool]arch.Layout{true: arch.InOut, false: arch.OutIn}[len(s.Shape) == 2]; s.Layout != want {
			t.Errorf("%s: layout %v", s.Name, s.Layout)
		}
	}
	if want := []string{ln1W, ln1B, cAttnW, cAttnB, attnOutW, attnOutB, ln2W, ln2B, fcW, fcB, mlpOutW, mlpOutB}; !slices.Equal(names, want) {
		t.Errorf("layer 1: %v", names)
	}
	shapes := map[string][]int{}
	for _, s := range m.Params() {
		shapes[s.Name] = s.Shape
	}
	for name, s := range map[string][]int{
		"transformer.wte.weight":             {512, 64},
		"transformer.wpe.weight":             {64, 64},
		"transformer.h.0.attn.c_attn.weight": {64, 192},
		"transformer.h.0.attn.c_attn.bias":   {192},
		"transformer.h.1.mlp.c_fc.weight":    {64, 256},
		"transformer.h.1.mlp.c_proj.weight":  {256, 64},
		"transformer.ln_f.bias":              {64},
	} {
		if !slices.Equal(shapes[name], s) {
			t.Errorf("%s: %v, want %v", name, shapes[name], s)
		}
	}
	if len(shapes) != 2+2*12+2 {
		t.Errorf("%d tensors", len(shapes))
	}
	total, nonEmbed := m.ParamCounts()
	// Per layer 4·64² + 2·64·256 + 9·64 + 256 = 49,984; two layers and ln_f: 100,096.
	if nonEmbed != 100_096 || total != nonEmbed+512*64+64*64 || arch.CountValues(m.Params()) != total {
		t.Errorf("counts %d, %d; shapes sum to %d", total, nonEmbed, arch.CountValues(m.Params()))
	}

	m.BindNames([]string{"h.0.attn.bias", "wpe.weight", "wte.weight"})
	if h := m.HeadWeights(); h[0].Name != "ln_f.weight" || h[2].Name != "wte.weight" || m.LayerWeights(0)[0].Name != "h.0.ln_1.weight" {
		t.Errorf("without prefix: %v", h)
	}
	m.BindNames([]string{"lm_head.weight", "transformer.wte.weight"})
	if h := m.HeadWeights(); h[2].Name != "transformer.wte.weight" || m.Params()[1].Name != "transformer.wpe.weight" {
		t.Errorf("with prefix: %v", h)
	}

	untied := presetModel(t, "gpt2-tiny", map[string]any{"tie_word_embeddings": false})
	ps := untied.Params()
	if last := ps[len(ps)-1]; last.Name != LMHead || !slices.Equal(last.Shape, []int{512, 64}) || last.Layout != arch.OutIn {
		t.Errorf("untied: last tensor %+v", last)
	}
	if ut, une := untied.ParamCounts(); une != nonEmbed || ut != total+512*64 || arch.CountValues(ps) != ut {
		t.Errorf("untied counts %d, %d", ut, une)
	}
}

func TestIsBuffer(t *testing.T) {
	m := presetModel(t, "gpt2-tiny", nil)
	untied := presetModel(t, "gpt2-tiny", map[string]any{"tie_word_embeddings": false})
	for name, want := range map[string]bool{
		"h.0.attn.bias":                       true,
		"transformer.h.11.attn.bias":          true,
		"transformer.h.3.attn.masked_bias":    true,
		"attn.bias":                           true,
		LMHead:                                true, // beside a tied wte
		"transformer.h.0.attn.c_attn.bias":    false,
		"transformer.h.0.attn.c_proj.bias":    false,
		"h.0.mlp.c_proj.bias":                 false,
		"transformer.h.0.crossattention.bias": false,
	} {
		if got := m.IsBuffer(name); got != want {
			t.Errorf("IsBuffer(%q) = %v, want %v", name, got, want)
		}
	}
	if untied.IsBuffer(LMHead) {
		t.Error("an untied lm_head is ignored")
	}
}

// TestInit checks GPT-2's _init_weights on the gpt2 preset (12 layers): σ = 0.02, the two c_proj weights σ/√24.
func TestInit(t *testing.T) {
	m := presetModel(t, "gpt2", map[string]any{"tie_word_embeddings": false})
	proj := 0.02 / math.Sqrt(24)
	for name, want := range map[string]arch.Init{
		"transformer.wte.weight":             {Std: 0.02},
		"transformer.wpe.weight":             {Std: 0.02},
		LMHead:                               {Std: 0.02},
		"transformer.h.0.attn.c_attn.weight": {Std: 0.02},
		"transformer.h.5.mlp.c_fc.weight":    {Std: 0.02},
		"transformer.h.3.attn.c_proj.weight": {Std: proj},
		"transformer.h.11.mlp.c_proj.weight": {Std: proj},
		"transformer.h.11.mlp.c_proj.bias":   {},
		"transformer.h.0.attn.c_attn.bias":   {},
		"transformer.h.2.ln_1.weight":        {Const: 1},
		"transformer.h.2.ln_2.weight":        {Const: 1},
		"transformer.h.2.ln_2.bias":          {},
		"transformer.ln_f.weight":            {Const: 1},
		"transformer.ln_f.bias":              {},
	} {
		if got := m.Init(name); math.Abs(got.Std-want.Std) > 1e-15 || got.Const != want.Const {
			t.Errorf("Init(%s) = %+v, want %+v", name, got, want)
		}
	}
	for _, p := range m.Params() {
		if got := m.Init(p.Name); got.Std == 0 && got.Const == 0 && !strings.HasSuffix(p.Name, ".bias") {
			t.Errorf("Init(%s) = 0", p.Name)
		}
	}
}

// TestEmbedLength: a sequence longer than n_positions is refused before any tensor is read.
func TestEmbedLength(t *testing.T) {
	m := presetModel(t, "gpt2-tiny", nil) // 64 positions
	_, err := m.Embed(nil, make([]int32, 70), &arch.Batch{Lens: []int{5, 65}})
	if err == nil || !strings.Contains(err.Error(), "a sequence of 65 tokens is longer than n_positions 64") {
		t.Errorf("err = %v", err)
	}
}

// TestSynthConfig: presets render openai-community/gpt2's keys, map back to their shapes, and write n_inner only for
// an MLP that is not 4d wide.
func TestSynthConfig(t *testing.T) {
	for _, p := range presets {
		m := presetModel(t, p.Name, nil)
		c := m.c
		if c.Layers != p.Shape.Layers || c.Hidden != p.Shape.Hidden || c.Heads != p.Shape.Heads || c.FFN != p.Shape.FFN ||
			c.Vocab != p.Shape.Vocab || c.Activation != arch.GELUTanh || !c.TiedEmbeddings {
			t.Errorf("%s: %+v", p.Name, *c)
		}
		var doc map[string]any
		if err := json.Unmarshal(c.Raw, &doc); err != nil || doc["architectures"] == nil || doc["eos_token_id"] != float64(p.Shape.Vocab-1) {
			t.Errorf("%s: %v\n%s", p.Name, err, c.Raw)
		}
		if _, ok := doc["n_inner"]; ok {
			t.Errorf("%s: n_inner written for a 4d MLP", p.Name)
		}
	}
	js, err := synthConfig(arch.Shape{Layers: 1, Hidden: 8, Heads: 2, FFN: 24, Vocab: 8}, nil)
	if err != nil || !strings.Contains(string(js), `"n_inner": 24`) {
		t.Errorf("%v\n%s", err, js)
	}
	if _, err := synthConfig(arch.Shape{Layers: 1, Hidden: 8, Heads: 2, KVHeads: 1, FFN: 8, Vocab: 8}, nil); err == nil {
		t.Error("grouped-query attention accepted")
	}
}
