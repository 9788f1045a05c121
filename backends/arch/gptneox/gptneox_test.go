package gptneox

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/configtest"
)

// pythia70mConfig is EleutherAI/pythia-70m's config.json (old key style).
const pythia70mConfig = `{
  "architectures": ["GPTNeoXForCausalLM"],
  "bos_token_id": 0,
  "eos_token_id": 0,
  "hidden_act": "gelu",
  "hidden_size": 512,
  "initializer_range": 0.02,
  "intermediate_size": 2048,
  "layer_norm_eps": 1e-05,
  "max_position_embeddings": 2048,
  "model_type": "gpt_neox",
  "num_attention_heads": 8,
  "num_hidden_layers": 6,
  "rotary_emb_base": 10000,
  "rotary_pct": 0.25,
  "tie_word_embeddings": false,
  "torch_dtype": "float16",
  "transformers_version": "4.24.0",
  "use_cache": true,
  "use_parallel_residual": true,
  "vocab_size": 50304
}`

// presetModel builds the model of a preset through the family's own synth config, as synth does.
func presetModel(t *testing.T, name string, extra map[string]any) *model {
	t.Helper()
	for _, p := range presets {
		if p.Name == name {
			js, err := synthConfig(p.Shape, extra)
			if err != nil {
				t.Fatal(err)
			}
			m, err := arch.New(js, arch.Options{})
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, js)
			}
			return m.(*model)
		}
	}
	t.Fatalf("no preset %s", name)
	return nil
}

func TestParseConfigKeyStyles(t *testing.T) {
	base := `"model_type":"gpt_neox","hidden_size":256,"num_hidden_layers":3,"num_attention_heads":4,"intermediate_size":1024,"vocab_size":1000`
	tests := []struct {
		name     string
		json     string
		pct      float64
		rotBase  float64
		parallel bool
		tie      bool
		eps      float64
		act      arch.Activation
		maxPos   int
	}{
		{"pythia-70m", pythia70mConfig, 0.25, 10000, true, false, 1e-5, arch.GELU, 2048},
		{"defaults", `{` + base + `}`, 0.25, 10000, true, false, 1e-5, arch.GELU, 2048},
		{"old keys", `{` + base + `,"rotary_pct":0.5,"rotary_emb_base":500,"use_parallel_residual":false,"layer_norm_eps":1e-6,"max_position_embeddings":4096}`, 0.5, 500, false, false, 1e-6, arch.GELU, 4096},
		{"new keys", `{` + base + `,"partial_rotary_factor":0.5,"rope_theta":20000,"hidden_act":"gelu_new","tie_word_embeddings":true}`, 0.5, 20000, true, true, 1e-5, arch.GELUTanh, 2048},
		{"nested rope_parameters", `{` + base + `,"rope_parameters":{"rope_type":"default","rope_theta":30000,"partial_rotary_factor":1.0}}`, 1, 30000, true, false, 1e-5, arch.GELU, 2048},
		{"both styles agree", `{` + base + `,"rotary_pct":0.5,"partial_rotary_factor":0.5,"rope_theta":10000,"rotary_emb_base":10000,"rope_scaling":null}`, 0.5, 10000, true, false, 1e-5, arch.GELU, 2048},
		{"gpt-neox-20b activation", `{` + base + `,"hidden_act":"gelu_fast"}`, 0.25, 10000, true, false, 1e-5, arch.GELUTanh, 2048},
		{"silu", `{` + base + `,"hidden_act":"silu"}`, 0.25, 10000, true, false, 1e-5, arch.SiLU, 2048},
	}
	for _, tt := range tests {
		m, err := arch.New([]byte(tt.json), arch.Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		c := m.(*model).c
		if c.RotaryPct != tt.pct || c.RotaryBase != tt.rotBase || c.Parallel != tt.parallel ||
			c.TiedEmbeddings != tt.tie || c.Eps != tt.eps || c.Activation != tt.act || c.MaxPositions != tt.maxPos {
			t.Errorf("%s: got %+v", tt.name, *c)
		}
		if string(c.Raw) != tt.json {
			t.Errorf("%s: Raw not verbatim", tt.name)
		}
	}
	m, err := arch.New([]byte(pythia70mConfig), arch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*model).c
	if c.ModelType != "gpt_neox" || c.Hidden != 512 || c.Layers != 6 || c.Heads != 8 || c.KVHeads != 8 || c.FFN != 2048 || c.Vocab != 50304 {
		t.Errorf("pythia-70m sizes: %+v", *c)
	}
	if c.HeadDim != 64 || c.rotaryDims() != 16 {
		t.Errorf("HeadDim %d rotary dims %d, want 64 16", c.HeadDim, c.rotaryDims())
	}
	if r := m.(*model).rope; r.Dims != 16 || len(r.InvFreq) != 8 || r.InvFreq[0] != 1 || r.AttentionScaling != 1 {
		t.Errorf("rotary %+v", r)
	}
}

// TestActivationOverride: --gelu replaces the config's GELU form, and the config records the one that runs; a SiLU
// config refuses it.
func TestActivationOverride(t *testing.T) {
	tanh, erf := arch.GELUTanh, arch.GELU
	for _, tt := range []struct {
		hiddenAct string
		override  *arch.Activation
		want      arch.Activation
		err       string
	}{
		{"gelu", nil, arch.GELU, ""},
		{"gelu", &tanh, arch.GELUTanh, ""},
		{"gelu_fast", nil, arch.GELUTanh, ""},
		{"gelu_fast", &erf, arch.GELU, ""},
		{"gelu_pytorch_tanh", nil, arch.GELUTanh, ""},
		{"silu", &tanh, 0, `key "hidden_act": "silu" is not a GELU`},
		{"relu", nil, 0, `key "hidden_act": activation "relu" is not supported`},
	} {
		js := `{"model_type":"gpt_neox","hidden_size":16,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":16,"vocab_size":10,"hidden_act":"` + tt.hiddenAct + `"}`
		m, err := arch.New([]byte(js), arch.Options{Activation: tt.override})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.hiddenAct, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Config().Activation; got != tt.want {
			t.Errorf("%s with override %v: runs %v, want %v", tt.hiddenAct, tt.override, got, tt.want)
		}
	}
}

// TestParseConfigErrors checks that bad configs are refused with one line naming the key.
func TestParseConfigErrors(t *testing.T) {
	ok := map[string]string{
		"model_type": `"gpt_neox"`, "hidden_size": "512", "num_hidden_layers": "6", "num_attention_heads": "8",
		"intermediate_size": "2048", "vocab_size": "50304",
	}
	tests := []struct {
		over map[string]string
		want string // substrings of the error
	}{
		{map[string]string{"model_type": `"bert"`}, `model_type "bert" is not supported (supported: `},
		{map[string]string{"model_type": ""}, `"model_type" is missing`},
		{map[string]string{"hidden_size": ""}, `"hidden_size" is missing`},
		{map[string]string{"hidden_size": "0"}, `"hidden_size": 0 is not positive`},
		{map[string]string{"hidden_size": "-512"}, `"hidden_size": -512 is not positive`},
		{map[string]string{"hidden_size": "131072", "num_attention_heads": "8"}, `"hidden_size": 131072 exceeds the limit 65536`},
		{map[string]string{"num_hidden_layers": "2048"}, `"num_hidden_layers": 2048 exceeds`},
		{map[string]string{"vocab_size": "20000000"}, `"vocab_size": 20000000 exceeds`},
		{map[string]string{"intermediate_size": "2000000"}, `"intermediate_size": 2000000 exceeds`},
		{map[string]string{"max_position_embeddings": "0"}, `"max_position_embeddings": 0 is not positive`},
		{map[string]string{"num_attention_heads": "7"}, `"num_attention_heads": 7 does not divide hidden_size 512`},
		{map[string]string{"rotary_pct": "1.5"}, `"rotary_pct": 1.5 is outside [0, 1]`},
		{map[string]string{"rotary_pct": "-0.1"}, `"rotary_pct": -0.1 is outside`},
		{map[string]string{"rotary_pct": "0.0625", "num_attention_heads": "32"}, `rotary dimensions`}, // 16·0.0625 = 1
		{map[string]string{"rotary_emb_base": "0"}, `"rotary_emb_base"`},
		{map[string]string{"layer_norm_eps": "0"}, `"layer_norm_eps"`},
		{map[string]string{"hidden_act": `"gelu_10"`}, `"hidden_act"`},
		{map[string]string{"rotary_pct": "0.25", "partial_rotary_factor": "0.5"}, `"rotary_pct" (0.25) and "partial_rotary_factor" (0.5) disagree`},
		{map[string]string{"rope_scaling": `{"type":"linear","factor":2}`}, `"rope_scaling": rope type "linear" is not supported`},
		{map[string]string{"rope_scaling": `[1]`}, `"rope_scaling"`},
		{map[string]string{"hidden_size": `"512"`}, `key "hidden_size"`},
		{map[string]string{"hidden_size": "1e30"}, `key "hidden_size"`},
		// 1024 layers of d=65536 with ff=1e6: about 1.5e14 parameters.
		{map[string]string{"hidden_size": "65536", "num_hidden_layers": "1024", "intermediate_size": "1000000"}, `parameters, beyond the limit`},
	}
	for _, tt := range tests {
		configtest.Refuses(t, configtest.Build(ok, tt.over), tt.want)
	}
	if _, err := arch.New([]byte(`{"model_type": "gpt_neox",`), arch.Options{}); err == nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Errorf("truncated JSON: %v", err)
	}
}

// TestParamCountsPythia checks ParamCounts and Params against the Pythia model cards.
func TestParamCountsPythia(t *testing.T) {
	tests := []struct {
		preset          string
		total, nonEmbed int64
	}{
		{"pythia-70m", 70_426_624, 18_915_328},
		{"pythia-160m", 162_322_944, 85_056_000},
		{"pythia-410m", 405_334_016, 302_311_424},
		{"pythia-1b", 1_011_781_632, 805_736_448},
		{"pythia-1.4b", 1_414_647_808, 1_208_602_624},
		{"pythia-2.8b", 2_775_208_960, 2_517_652_480},
		{"pythia-6.9b", 6_857_302_016, 6_444_163_072},
		{"pythia-12b", 11_846_072_320, 11_327_027_200},
	}
	for _, tt := range tests {
		m := presetModel(t, tt.preset, nil)
		total, nonEmbed := m.ParamCounts()
		if total != tt.total || nonEmbed != tt.nonEmbed {
			t.Errorf("%s: ParamCounts = %d, %d; want %d, %d", tt.preset, total, nonEmbed, tt.total, tt.nonEmbed)
		}
		// Independently: sum the shapes.
		if sum := arch.CountValues(m.Params()); sum != tt.total {
			t.Errorf("%s: Params sums to %d, want %d", tt.preset, sum, tt.total)
		}
		if want := 12*m.c.Layers + 4; len(m.Params()) != want {
			t.Errorf("%s: %d tensors, want %d", tt.preset, len(m.Params()), want)
		}
	}
}

// TestParamsTiedAndBiasless checks names and shapes, the tied unembedding (listed once, read as embed_in), and
// attention without biases.
func TestParamsTiedAndBiasless(t *testing.T) {
	m := presetModel(t, "tiny", map[string]any{"tie_word_embeddings": true})
	shapes := map[string][]int{}
	for _, s := range m.Params() {
		shapes[s.Name] = s.Shape
	}
	if _, ok := shapes[EmbedOut]; ok {
		t.Error("tied: embed_out.weight listed")
	}
	if h := m.HeadWeights(); h[2].Name != EmbedIn || h[2].Key != keyUnembed {
		t.Errorf("tied: unembedding read from %q", h[2].Name)
	}
	if !m.IsBuffer(EmbedOut) {
		t.Error("tied: a stored embed_out.weight is not ignored")
	}
	total, nonEmbed := m.ParamCounts()
	if total-nonEmbed != 512*64 || arch.CountValues(m.Params()) != total {
		t.Errorf("tied: embedding parameters %d, want %d", total-nonEmbed, 512*64)
	}
	for name, s := range map[string][]int{
		"gpt_neox.layers.1.attention.query_key_value.weight": {192, 64},
		"gpt_neox.layers.1.attention.query_key_value.bias":   {192},
		"gpt_neox.layers.0.mlp.dense_h_to_4h.weight":         {256, 64},
		"gpt_neox.layers.0.mlp.dense_4h_to_h.weight":         {64, 256},
		"gpt_neox.embed_in.weight":                           {512, 64},
		"gpt_neox.final_layer_norm.bias":                     {64},
	} {
		if got := shapes[name]; len(got) != len(s) || got[0] != s[0] || (len(s) > 1 && got[1] != s[1]) {
			t.Errorf("%s: %v, want %v", name, got, s)
		}
	}
	if p := LayerPrefix(12); p != "gpt_neox.layers.12." {
		t.Errorf("LayerPrefix(12) = %q", p)
	}

	nb := presetModel(t, "tiny", map[string]any{"attention_bias": false})
	total, _ = nb.ParamCounts()
	if arch.CountValues(nb.Params()) != total || len(nb.LayerWeights(0)) != 10 {
		t.Errorf("attention_bias false: %d parameters, shapes sum to %d, %d tensors per layer", total, arch.CountValues(nb.Params()), len(nb.LayerWeights(0)))
	}
}

func TestIsBuffer(t *testing.T) {
	m := presetModel(t, "micro", nil)
	for name, want := range map[string]bool{
		"gpt_neox.layers.0.attention.bias":                 true,
		"gpt_neox.layers.11.attention.masked_bias":         true,
		"gpt_neox.layers.3.attention.rotary_emb.inv_freq":  true,
		"gpt_neox.rotary_emb.inv_freq":                     true,
		"attention.bias":                                   true,
		"gpt_neox.layers.0.attention.dense.bias":           false,
		"gpt_neox.layers.0.attention.query_key_value.bias": false,
		"gpt_neox.layers.0.mlp.dense_4h_to_h.bias":         false,
		"gpt_neox.layers.0.cross_attention.bias":           false,
		EmbedOut:                                           false,
	} {
		if got := m.IsBuffer(name); got != want {
			t.Errorf("IsBuffer(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestInit checks small_init and wang_init on the small preset (d=128, L=4) and the constants.
func TestInit(t *testing.T) {
	m := presetModel(t, "small", nil)
	small := math.Sqrt(2.0 / (5 * 128)) // 0.0559
	wang := 2 / (4 * math.Sqrt(128))    // 0.0442
	for name, want := range map[string]arch.Init{
		EmbedIn:  {Std: small},
		EmbedOut: {Std: small},
		"gpt_neox.layers.0.attention.query_key_value.weight": {Std: small},
		"gpt_neox.layers.3.mlp.dense_h_to_4h.weight":         {Std: small},
		"gpt_neox.layers.1.attention.dense.weight":           {Std: wang},
		"gpt_neox.layers.2.mlp.dense_4h_to_h.weight":         {Std: wang},
		"gpt_neox.layers.2.mlp.dense_4h_to_h.bias":           {},
		"gpt_neox.layers.2.input_layernorm.weight":           {Const: 1},
		"gpt_neox.layers.2.post_attention_layernorm.bias":    {},
		FinalNormW: {Const: 1},
		FinalNormB: {},
	} {
		if got := m.Init(name); math.Abs(got.Std-want.Std) > 1e-15 || got.Const != want.Const {
			t.Errorf("Init(%s) = %+v, want %+v", name, got, want)
		}
	}
}

// TestSynthConfig: every preset renders a config that maps back to its shape, in Pythia's key style; extra keys win.
func TestSynthConfig(t *testing.T) {
	for _, p := range presets {
		m := presetModel(t, p.Name, map[string]any{"use_parallel_residual": false})
		c := m.c
		if c.Layers != p.Shape.Layers || c.Hidden != p.Shape.Hidden || c.Heads != p.Shape.Heads || c.FFN != p.Shape.FFN ||
			c.Vocab != p.Shape.Vocab || c.Parallel || c.RotaryPct != 0.25 || c.Activation != arch.GELU {
			t.Errorf("%s: %+v", p.Name, *c)
		}
		var doc map[string]any
		if err := json.Unmarshal(c.Raw, &doc); err != nil || doc["rotary_pct"] != 0.25 || doc["architectures"] == nil {
			t.Errorf("%s: %v\n%s", p.Name, err, c.Raw)
		}
	}
	if _, err := synthConfig(arch.Shape{Layers: 1, Hidden: 8, Heads: 2, KVHeads: 1, FFN: 8, Vocab: 8}, nil); err == nil {
		t.Error("grouped-query attention accepted")
	}
}
