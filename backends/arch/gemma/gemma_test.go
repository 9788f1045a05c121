package gemma

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

// base is a small Gemma-2 config with every size; tests add keys to it.
const base = `"model_type":"gemma2","hidden_size":32,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":16,"intermediate_size":64,"vocab_size":100`

func TestGemma2Config(t *testing.T) {
	m := mustNew(t, configtest.Registry(t, "gemma-2-2b"), arch.Options{})
	c := m.c
	if c.ModelType != "gemma2" || !c.Gemma2 || c.Hidden != 2304 || c.Layers != 26 || c.Heads != 8 || c.KVHeads != 4 ||
		c.HeadDim != 256 || c.FFN != 9216 || c.Vocab != 256000 || c.MaxPositions != 8192 || !c.TiedEmbeddings {
		t.Errorf("sizes: %+v", c.Config)
	}
	if c.Eps != 1e-6 || c.RopeTheta != 10000 || c.Activation != arch.GELUTanh || c.ActKey != "hidden_activation" ||
		c.QueryPreAttnScalar != 256 || c.AttnSoftCap != 50 || c.FinalSoftCap != 30 || c.Window != 4096 {
		t.Errorf("settings: %+v", *c)
	}
	for l, a := range m.attn {
		want := arch.Attention{Heads: 8, KVHeads: 4, HeadDim: 256, Scale: 1.0 / 16, SoftCap: 50}
		if l%2 == 0 {
			want.Window = 4096 // the even layers slide
		}
		if a != want {
			t.Errorf("layer %d: %+v, want %+v", l, a, want)
		}
	}
	if r := m.rope; r.Dims != 256 || len(r.InvFreq) != 128 || r.InvFreq[0] != 1 || r.AttentionScaling != 1 {
		t.Errorf("rotary %+v", r)
	}
}

// TestGemma2Settings covers the keys whose absence, null and value mean three different things.
func TestGemma2Settings(t *testing.T) {
	for _, tt := range []struct {
		name          string
		keys          string
		scale         float32
		attnCap, fCap float64
		windows       []int // per layer
	}{
		{"defaults", ``, float32(1 / 16.0), 50, 30, []int{4096, 0, 4096, 0}},
		{"null caps", `,"attn_logit_softcapping":null,"final_logit_softcapping":null`, 1 / 16.0, 0, 0, []int{4096, 0, 4096, 0}},
		{"caps and scalar", `,"attn_logit_softcapping":4.5,"final_logit_softcapping":3,"query_pre_attn_scalar":12`,
			float32(math.Pow(12, -0.5)), 4.5, 3, []int{4096, 0, 4096, 0}},
		{"window", `,"sliding_window":6`, 1 / 16.0, 50, 30, []int{6, 0, 6, 0}},
		{"layer_types", `,"sliding_window":5,"layer_types":["full_attention","sliding_attention","sliding_attention","full_attention"]`,
			1 / 16.0, 50, 30, []int{0, 5, 5, 0}},
		{"no layer slides, null window", `,"sliding_window":null,"layer_types":["full_attention","full_attention","full_attention","full_attention"]`,
			1 / 16.0, 50, 30, []int{0, 0, 0, 0}},
		{"null layer_types", `,"layer_types":null`, 1 / 16.0, 50, 30, []int{4096, 0, 4096, 0}},
	} {
		m := mustNew(t, `{`+base+tt.keys+`}`, arch.Options{})
		if m.c.AttnSoftCap != tt.attnCap || m.c.FinalSoftCap != tt.fCap {
			t.Errorf("%s: caps %g, %g", tt.name, m.c.AttnSoftCap, m.c.FinalSoftCap)
		}
		for l, a := range m.attn {
			if a.Scale != tt.scale || a.SoftCap != float32(tt.attnCap) || a.Window != tt.windows[l] {
				t.Errorf("%s: layer %d: %+v, want scale %g cap %g window %d", tt.name, l, a, tt.scale, tt.attnCap, tt.windows[l])
			}
		}
	}
}

// TestGemmaConfig: Gemma (v1) ignores Gemma-2's keys, scales scores by head_dim^−½ and has no caps or windows.
func TestGemmaConfig(t *testing.T) {
	js := `{"model_type":"gemma","hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,` +
		`"head_dim":24,"intermediate_size":96,"vocab_size":64,"sliding_window":4,"attn_logit_softcapping":5,"final_logit_softcapping":3}`
	m := mustNew(t, js, arch.Options{})
	if m.c.Gemma2 || m.c.FinalSoftCap != 0 || m.c.HeadDim != 24 || m.c.Activation != arch.GELUTanh {
		t.Errorf("%+v", *m.c)
	}
	for _, a := range m.attn {
		if a != (arch.Attention{Heads: 2, KVHeads: 1, HeadDim: 24, Scale: float32(math.Pow(24, -0.5))}) {
			t.Errorf("%+v", a)
		}
	}
	// rope_theta from every spelling.
	for keys, want := range map[string]float64{
		`"rope_theta":500`: 500,
		`"rope_scaling":{"rope_type":"default","rope_theta":700}`:                     700,
		`"rope_parameters":{"rope_type":"default","rope_theta":900},"rope_theta":900`: 900,
		`"rope_scaling":null`: 10000,
	} {
		js := `{"model_type":"gemma","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":1,"num_key_value_heads":1,"head_dim":8,"intermediate_size":8,"vocab_size":8,` + keys + `}`
		if m := mustNew(t, js, arch.Options{}); m.c.RopeTheta != want {
			t.Errorf("%s: rope_theta %g, want %g", keys, m.c.RopeTheta, want)
		}
	}
}

// TestActivation: hidden_activation before hidden_act (a null key counts as absent), gelu_pytorch_tanh without
// either, and --gelu replacing a GELU but not SiLU.
func TestActivation(t *testing.T) {
	erf := arch.GELU
	for _, tt := range []struct {
		keys     string
		override *arch.Activation
		want     arch.Activation
		key      string
		err      string
	}{
		{``, nil, arch.GELUTanh, "hidden_activation", ""},
		{`,"hidden_act":"gelu","hidden_activation":"gelu_pytorch_tanh"`, nil, arch.GELUTanh, "hidden_activation", ""}, // google/gemma-7b
		{`,"hidden_act":"gelu_pytorch_tanh","hidden_activation":null`, nil, arch.GELUTanh, "hidden_act", ""},
		{`,"hidden_act":"gelu"`, nil, arch.GELU, "hidden_act", ""},
		{`,"hidden_activation":"gelu"`, nil, arch.GELU, "hidden_activation", ""},
		{`,"hidden_activation":"gelu_pytorch_tanh"`, &erf, arch.GELU, "hidden_activation", ""},
		{`,"hidden_activation":"silu"`, nil, arch.SiLU, "hidden_activation", ""},
		{`,"hidden_activation":"silu"`, &erf, 0, "", `key "hidden_activation": "silu" is not a GELU`},
		{`,"hidden_act":"relu"`, nil, 0, "", `key "hidden_act": activation "relu" is not supported`},
		{`,"hidden_activation":"relu","hidden_act":"gelu"`, nil, 0, "", `key "hidden_activation": activation "relu"`},
	} {
		m, err := arch.New([]byte(`{`+base+tt.keys+`}`), arch.Options{Activation: tt.override})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.keys, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if c := m.(*model).c; c.Activation != tt.want || c.ActKey != tt.key {
			t.Errorf("%s: runs %v from %s, want %v from %s", tt.keys, c.Activation, c.ActKey, tt.want, tt.key)
		}
	}
}

// TestConfigErrors: every missing or invalid key and every unsupported value is refused with one line naming the key.
func TestConfigErrors(t *testing.T) {
	gemma2 := map[string]string{
		"model_type": `"gemma2"`, "hidden_size": "32", "num_hidden_layers": "4", "num_attention_heads": "4",
		"num_key_value_heads": "2", "head_dim": "16", "intermediate_size": "64", "vocab_size": "100",
	}
	for _, tt := range []struct {
		over map[string]string
		want string
	}{
		{map[string]string{"hidden_size": ""}, `key "hidden_size" is missing`},
		{map[string]string{"num_hidden_layers": ""}, `key "num_hidden_layers" is missing`},
		{map[string]string{"num_attention_heads": ""}, `key "num_attention_heads" is missing`},
		{map[string]string{"num_key_value_heads": ""}, `key "num_key_value_heads" is missing`},
		{map[string]string{"head_dim": ""}, `key "head_dim" is missing`},
		{map[string]string{"intermediate_size": ""}, `key "intermediate_size" is missing`},
		{map[string]string{"vocab_size": ""}, `key "vocab_size" is missing`},
		{map[string]string{"hidden_size": "0"}, `key "hidden_size": 0 is not positive`},
		{map[string]string{"head_dim": "-16"}, `key "head_dim": -16 is not positive`},
		{map[string]string{"head_dim": "8192"}, `key "head_dim": 8192 exceeds the limit`},
		{map[string]string{"head_dim": "15"}, `key "head_dim": 15 is odd`},
		{map[string]string{"num_key_value_heads": "3"}, `key "num_key_value_heads": 3 does not divide num_attention_heads 4`},
		{map[string]string{"vocab_size": `"100"`}, `key "vocab_size"`},
		{map[string]string{"max_position_embeddings": "0"}, `key "max_position_embeddings": 0 is not positive`},
		{map[string]string{"rms_norm_eps": "0"}, `key "rms_norm_eps": 0 is outside (0, 1)`},
		{map[string]string{"rms_norm_eps": "1"}, `key "rms_norm_eps"`},
		{map[string]string{"initializer_range": "-1"}, `key "initializer_range"`},
		{map[string]string{"attention_bias": "true"}, `key "attention_bias": true is not supported`},
		{map[string]string{"tie_word_embeddings": `"yes"`}, `key "tie_word_embeddings"`},
		{map[string]string{"rope_theta": "0"}, `key "rope_theta": 0 is not a positive finite number`},
		{map[string]string{"rope_scaling": `{"type":"linear","factor":2}`}, `key "rope_scaling": rope type "linear" is not supported for gemma2`},
		{map[string]string{"rope_parameters": `{"rope_type":"yarn"}`}, `key "rope_parameters": rope type "yarn"`},
		{map[string]string{"rope_scaling": `[1]`}, `key "rope_scaling"`},
		{map[string]string{"rope_theta": "100", "rope_parameters": `{"rope_theta":200}`}, `keys "rope_theta" (100) and "rope_parameters.rope_theta" (200) disagree`},
		{map[string]string{"query_pre_attn_scalar": "0"}, `key "query_pre_attn_scalar": 0 is not a positive finite number`},
		{map[string]string{"query_pre_attn_scalar": `"256"`}, `key "query_pre_attn_scalar"`},
		{map[string]string{"attn_logit_softcapping": "0"}, `key "attn_logit_softcapping": 0 is not a positive`},
		{map[string]string{"attn_logit_softcapping": `"50"`}, `key "attn_logit_softcapping": "\"50\"" is not a number`},
		{map[string]string{"final_logit_softcapping": "-30"}, `key "final_logit_softcapping": -30 is not a positive`},
		{map[string]string{"sliding_window": "0"}, `key "sliding_window": 0 is not positive`},
		{map[string]string{"sliding_window": "4.5"}, `key "sliding_window": "4.5" is not an integer`},
		{map[string]string{"sliding_window": "null"}, `key "sliding_window": null, but layers slide`},
		{map[string]string{"layer_types": `["full_attention","sliding_attention"]`}, `key "layer_types": 2 entries for num_hidden_layers 4`},
		{map[string]string{"layer_types": `["full_attention","chunked_attention","full_attention","full_attention"]`},
			`key "layer_types": entry 1 is "chunked_attention"; only "full_attention" and "sliding_attention" are supported`},
		{map[string]string{"layer_types": `"sliding"`}, `key "layer_types": not a list of strings`},
		{map[string]string{"hidden_size": "65536", "num_hidden_layers": "1024", "intermediate_size": "1000000"}, `parameters, beyond the limit`},
		// Gemma reads its own keys the same way.
		{map[string]string{"model_type": `"gemma"`, "head_dim": ""}, `key "head_dim" is missing`},
		{map[string]string{"model_type": `"gemma"`, "attention_bias": "true"}, `key "attention_bias": true is not supported (no released gemma model`},
	} {
		configtest.Refuses(t, configtest.Build(gemma2, tt.over), tt.want)
	}
}

// TestParams checks names, shapes and order, the four norms of Gemma-2, the tied and untied unembedding, and counts.
func TestParams(t *testing.T) {
	g1 := presetModel(t, "gemma-tiny", nil) // L=2, d=64, H=4, KV=1, hd=24, ff=256, V=512
	g2 := presetModel(t, "gemma2-tiny", nil)
	var names []string
	for _, s := range g1.LayerWeights(1) {
		names = append(names, s.Name)
	}
	want := []string{"model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
		"model.layers.1.self_attn.v_proj.weight", "model.layers.1.self_attn.o_proj.weight",
		"model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight",
		"model.layers.1.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight"}
	if !slices.Equal(names, want) {
		t.Errorf("gemma layer 1: %v", names)
	}
	shapes := map[string][]int{}
	for _, s := range g1.Params() {
		shapes[s.Name] = s.Shape
		if s.Layout != arch.OutIn {
			t.Errorf("%s: layout %v", s.Name, s.Layout)
		}
	}
	for name, s := range map[string][]int{
		"model.embed_tokens.weight":              {512, 64},
		"model.layers.0.self_attn.q_proj.weight": {96, 64},
		"model.layers.0.self_attn.k_proj.weight": {24, 64},
		"model.layers.0.self_attn.o_proj.weight": {64, 96},
		"model.layers.0.mlp.down_proj.weight":    {64, 256},
		"model.norm.weight":                      {64},
	} {
		if !slices.Equal(shapes[name], s) {
			t.Errorf("%s: %v, want %v", name, shapes[name], s)
		}
	}
	if _, ok := shapes[LMHead]; ok || len(shapes) != 2+2*9 {
		t.Errorf("gemma: %d tensors (lm_head listed: %v)", len(shapes), ok)
	}
	if h := g1.HeadWeights(); h[1].Name != EmbedTokens || h[1].Key != keyUnembed {
		t.Errorf("tied unembedding read from %q", h[1].Name)
	}
	total, nonEmbed := g1.ParamCounts()
	// Per layer: 64·24·(2·4 + 2·1) = 15360 attention, 3·64·256 = 49152 MLP, 2·64 norms.
	if wantNE := int64(2*(15360+49152+128) + 64); nonEmbed != wantNE || total != wantNE+512*64 || arch.CountValues(g1.Params()) != total {
		t.Errorf("gemma counts %d, %d; shapes sum to %d", total, nonEmbed, arch.CountValues(g1.Params()))
	}

	if ws := g2.LayerWeights(0); len(ws) != 11 || ws[9].Key != preFFNorm || ws[10].Key != postFFNorm {
		t.Errorf("gemma2 layer: %v", ws)
	}
	total, nonEmbed = g2.ParamCounts()
	if arch.CountValues(g2.Params()) != total || total-nonEmbed != 512*64 {
		t.Errorf("gemma2 counts %d, %d; shapes sum to %d", total, nonEmbed, arch.CountValues(g2.Params()))
	}

	untied := presetModel(t, "gemma2-tiny", map[string]any{"tie_word_embeddings": false})
	ps := untied.Params()
	if last := ps[len(ps)-1]; last.Name != LMHead || !slices.Equal(last.Shape, []int{512, 64}) {
		t.Errorf("untied: last tensor %+v", last)
	}
	if h := untied.HeadWeights(); h[1].Name != LMHead {
		t.Errorf("untied unembedding read from %q", h[1].Name)
	}
	ut, une := untied.ParamCounts()
	if une != nonEmbed || ut != total+512*64 || arch.CountValues(ps) != ut {
		t.Errorf("untied counts %d, %d", ut, une)
	}
}

func TestIsBuffer(t *testing.T) {
	tied := presetModel(t, "gemma2-tiny", nil)
	untied := presetModel(t, "gemma2-tiny", map[string]any{"tie_word_embeddings": false})
	for name, want := range map[string]bool{
		"model.layers.0.self_attn.rotary_emb.inv_freq": true,
		"model.rotary_emb.inv_freq":                    true,
		LMHead:                                         true, // beside a tied embedding
		"model.layers.0.self_attn.q_proj.weight":       false,
		"model.norm.weight":                            false,
		"model.layers.0.self_attn.q_proj.bias":         false,
	} {
		if got := tied.IsBuffer(name); got != want {
			t.Errorf("IsBuffer(%q) = %v, want %v", name, got, want)
		}
	}
	if untied.IsBuffer(LMHead) {
		t.Error("an untied lm_head is ignored")
	}
}

// TestInit: linear weights and the embedding draw normal(0, initializer_range); every norm starts at 0, since it
// scales by (1 + w).
func TestInit(t *testing.T) {
	m := presetModel(t, "gemma2-tiny", map[string]any{"initializer_range": 0.05, "tie_word_embeddings": false})
	for _, p := range m.Params() {
		got := m.Init(p.Name)
		norm := len(p.Shape) == 1
		if norm && got != (arch.Init{}) || !norm && got != (arch.Init{Std: 0.05}) {
			t.Errorf("Init(%s) = %+v", p.Name, got)
		}
	}
}

// TestSynthConfig: the tiny presets map back to their shapes; Gemma-2's scalar follows head_dim unless set; extra
// keys win; a head_dim is needed where d/H is not whole.
func TestSynthConfig(t *testing.T) {
	m := presetModel(t, "gemma2-tiny", map[string]any{"rms_norm_eps": 1e-5})
	if c := m.c; c.Layers != 3 || c.Hidden != 64 || c.Heads != 4 || c.KVHeads != 2 || c.HeadDim != 32 || c.FFN != 128 ||
		c.Vocab != 512 || c.QueryPreAttnScalar != 32 || c.Window != 8 || c.Eps != 1e-5 || c.AttnSoftCap != 50 {
		t.Errorf("gemma2-tiny: %+v", *c)
	}
	var doc map[string]any
	if err := json.Unmarshal(m.c.Raw, &doc); err != nil || doc["architectures"].([]any)[0] != "Gemma2ForCausalLM" ||
		doc["cache_implementation"] != "hybrid" || doc["model_type"] != "gemma2" {
		t.Errorf("%v\n%s", err, m.c.Raw)
	}
	g1 := presetModel(t, "gemma-tiny", nil)
	if c := g1.c; c.ModelType != "gemma" || c.HeadDim != 24 || c.KVHeads != 1 || c.Activation != arch.GELUTanh {
		t.Errorf("gemma-tiny: %+v", *c)
	}
	js, err := synthConfig("gemma2", arch.Shape{Layers: 1, Hidden: 48, Heads: 3, FFN: 8, Vocab: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := mustNew(t, string(js), arch.Options{}).c; c.HeadDim != 16 || c.KVHeads != 3 || c.QueryPreAttnScalar != 16 {
		t.Errorf("defaults: %+v", *c)
	}
	if _, err := synthConfig("gemma", arch.Shape{Layers: 1, Hidden: 50, Heads: 3, FFN: 8, Vocab: 8}, nil); err == nil ||
		!strings.Contains(err.Error(), "set head_dim") {
		t.Errorf("d/H not whole: %v", err)
	}
}
