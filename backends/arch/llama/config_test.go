package llama

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/configtest"
)

// llama32Config is meta-llama/Llama-3.2-1B's config.json.
const llama32Config = `{
  "architectures": ["LlamaForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": 128001,
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 8192,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 16,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
}`

// newModel maps js through arch.New, as a backend does.
func newModel(t *testing.T, js string, opt arch.Options) *model {
	t.Helper()
	return configtest.New(t, js, opt).(*model)
}

// sizes are the keys every test config needs: d = 64, 4 heads of 16, 3 layers.
const sizes = `"hidden_size":64,"num_hidden_layers":3,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100`

func TestParseConfigLlama32(t *testing.T) {
	m := newModel(t, llama32Config, arch.Options{})
	c := m.c
	if c.ModelType != "llama" || c.Layers != 16 || c.Hidden != 2048 || c.Heads != 32 || c.KVHeads != 8 || c.HeadDim != 64 ||
		c.FFN != 8192 || c.Vocab != 128256 || c.MaxPositions != 131072 || !c.TiedEmbeddings || c.Activation != arch.SiLU ||
		c.Eps != 1e-5 || c.QKVBias || c.OBias || c.MLPBias || c.InitRange != 0.02 {
		t.Errorf("Llama-3.2-1B: %+v", *c)
	}
	want := rope{Type: ropeLlama3, Theta: 500000, Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192}
	if c.Rope != want {
		t.Errorf("rope %+v, want %+v", c.Rope, want)
	}
	if !slices.Equal(c.Windows, make([]int, 16)) || m.attn[3].Window != 0 || m.attn[3].KVHeads != 8 {
		t.Errorf("windows %v, attention %+v", c.Windows, m.attn[3])
	}
	if a := m.attn[0]; a.Scale != 0.125 || a.Heads != 32 || a.HeadDim != 64 || a.SoftCap != 0 {
		t.Errorf("attention %+v", a)
	}
	if r := m.rope; r.Dims != 64 || len(r.InvFreq) != 32 || r.InvFreq[0] != 1 || r.AttentionScaling != 1 {
		t.Errorf("rotary %+v", r)
	}
	if string(c.Raw) != llama32Config {
		t.Error("Raw not verbatim")
	}
}

// TestParseConfigDefaults checks each family's HF defaults for absent keys and the meaning of null.
func TestParseConfigDefaults(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		kv, hd  int
		maxPos  int
		eps     float64
		tied    bool
		windows []int
		qkvBias bool
	}{
		{"llama defaults", `{"model_type":"llama",` + sizes + `}`, 4, 16, 2048, 1e-6, false, []int{0, 0, 0}, false},
		{"mistral defaults: 8 kv heads, window 4096", `{"model_type":"mistral",` + sizes + `,"num_attention_heads":8}`, 8, 8, 131072, 1e-6, false, []int{4096, 4096, 4096}, false},
		{"mistral null kv heads and window", `{"model_type":"mistral",` + sizes + `,"num_key_value_heads":null,"sliding_window":null}`, 4, 16, 131072, 1e-6, false, []int{0, 0, 0}, false},
		{"qwen2 defaults: 32 kv heads, no window", `{"model_type":"qwen2","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":32,"intermediate_size":96,"vocab_size":100}`, 32, 2, 32768, 1e-6, false, []int{0, 0, 0}, true},
		{"head_dim null", `{"model_type":"llama",` + sizes + `,"head_dim":null,"num_key_value_heads":2}`, 2, 16, 2048, 1e-6, false, []int{0, 0, 0}, false},
		{"head_dim apart from d/heads", `{"model_type":"mistral",` + sizes + `,"head_dim":24,"num_key_value_heads":1,"tie_word_embeddings":true,"rms_norm_eps":1e-5,"max_position_embeddings":64}`, 1, 24, 64, 1e-5, true, []int{4096, 4096, 4096}, false},
		{"qwen2 window inert without use_sliding_window", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":131072,"max_window_layers":0,"use_sliding_window":false}`, 2, 16, 32768, 1e-6, false, []int{0, 0, 0}, true},
		{"qwen2 window from max_window_layers", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":8,"max_window_layers":1,"use_sliding_window":true}`, 2, 16, 32768, 1e-6, false, []int{0, 8, 8}, true},
		{"qwen2 window default max_window_layers 28", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":8,"use_sliding_window":true}`, 2, 16, 32768, 1e-6, false, []int{0, 0, 0}, true},
		{"qwen2 window default size", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"max_window_layers":2,"use_sliding_window":true}`, 2, 16, 32768, 1e-6, false, []int{0, 0, 4096}, true},
		{"qwen2 null window", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":null,"max_window_layers":0,"use_sliding_window":true}`, 2, 16, 32768, 1e-6, false, []int{0, 0, 0}, true},
		{"qwen2 layer_types", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":5,"max_window_layers":0,"use_sliding_window":true,"layer_types":["sliding_attention","full_attention","sliding_attention"]}`, 2, 16, 32768, 1e-6, false, []int{5, 0, 5}, true},
		{"qwen2 layer_types without use_sliding_window", `{"model_type":"qwen2",` + sizes + `,"num_key_value_heads":2,"sliding_window":5,"layer_types":["sliding_attention","full_attention","sliding_attention"]}`, 2, 16, 32768, 1e-6, false, []int{0, 0, 0}, true},
		{"mistral uniform layer_types", `{"model_type":"mistral",` + sizes + `,"num_key_value_heads":2,"sliding_window":7,"layer_types":["sliding_attention","sliding_attention","sliding_attention"]}`, 2, 16, 131072, 1e-6, false, []int{7, 7, 7}, false},
		{"llama ignores windows, as LlamaConfig does", `{"model_type":"llama",` + sizes + `,"sliding_window":4,"use_sliding_window":true}`, 4, 16, 2048, 1e-6, false, []int{0, 0, 0}, false},
		{"llama attention_bias", `{"model_type":"llama",` + sizes + `,"attention_bias":true}`, 4, 16, 2048, 1e-6, false, []int{0, 0, 0}, true},
	}
	for _, tt := range tests {
		m := newModel(t, tt.json, arch.Options{})
		c := m.c
		if c.KVHeads != tt.kv || c.HeadDim != tt.hd || c.MaxPositions != tt.maxPos || c.Eps != tt.eps ||
			c.TiedEmbeddings != tt.tied || !slices.Equal(c.Windows, tt.windows) || c.QKVBias != tt.qkvBias ||
			c.Rope != (rope{Type: ropeDefault, Theta: 10000}) || c.Activation != arch.SiLU {
			t.Errorf("%s: got %+v", tt.name, *c)
		}
		for l, a := range m.attn {
			if a.Window != tt.windows[l] || a.KVHeads != tt.kv || a.HeadDim != tt.hd {
				t.Errorf("%s: layer %d attention %+v", tt.name, l, a)
			}
		}
	}
}

// TestParseRope checks every place the rope settings may sit, and their precedence.
func TestParseRope(t *testing.T) {
	llama3 := func(theta, factor, orig float64) rope {
		return rope{Type: ropeLlama3, Theta: theta, Factor: factor, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: orig}
	}
	bands := `"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0`
	tests := []struct {
		name string
		keys string
		want rope
	}{
		{"none", ``, rope{Type: ropeDefault, Theta: 10000}},
		{"rope_theta", `,"rope_theta":500000.0,"rope_scaling":null`, rope{Type: ropeDefault, Theta: 500000}},
		{"rope_type", `,"rope_theta":500000.0,"rope_scaling":{` + bands + `,"original_max_position_embeddings":8192,"rope_type":"llama3"}`, llama3(500000, 8, 8192)},
		{"older type key", `,"rope_theta":500000.0,"rope_scaling":{` + bands + `,"original_max_position_embeddings":8192,"type":"llama3"}`, llama3(500000, 8, 8192)},
		{"both type keys agree", `,"rope_scaling":{` + bands + `,"rope_type":"llama3","type":"llama3"}`, llama3(10000, 8, 4096)},
		{"original_max defaults to max_position_embeddings", `,"rope_scaling":{` + bands + `,"rope_type":"llama3"}`, llama3(10000, 8, 4096)},
		{"v5 rope_parameters with theta inside", `,"rope_parameters":{"rope_type":"llama3","rope_theta":50000.0,` + bands + `,"original_max_position_embeddings":64}`, llama3(50000, 8, 64)},
		{"rope_parameters default", `,"rope_parameters":{"rope_type":"default","rope_theta":1000000.0}`, rope{Type: ropeDefault, Theta: 1e6}},
		{"both blocks agree", `,"rope_theta":20000,"rope_parameters":{"rope_type":"linear","factor":2},"rope_scaling":{"type":"linear","factor":2}`, rope{Type: ropeLinear, Theta: 20000, Factor: 2}},
		{"linear", `,"rope_scaling":{"type":"linear","factor":4.0}`, rope{Type: ropeLinear, Theta: 10000, Factor: 4}},
		{"default ignores a factor", `,"rope_scaling":{"type":"default","factor":4.0}`, rope{Type: ropeDefault, Theta: 10000}},
		{"partial_rotary_factor 1", `,"partial_rotary_factor":1.0`, rope{Type: ropeDefault, Theta: 10000}},
	}
	for _, tt := range tests {
		m := newModel(t, `{"model_type":"llama",`+sizes+`,"max_position_embeddings":4096`+tt.keys+`}`, arch.Options{})
		if m.c.Rope != tt.want {
			t.Errorf("%s: rope %+v, want %+v", tt.name, m.c.Rope, tt.want)
		}
	}
}

// TestInvFreq checks the scaled inverse frequencies against their definitions evaluated in float64, to float32
// rounding, and that each llama3 band occurs where its wavelength puts it: head_dim 16, θ = 10000, factor 8, the
// original 128 positions (bands at wavelengths 32 and 128).
func TestInvFreq(t *testing.T) {
	r := rope{Type: ropeLlama3, Theta: 10000, Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 128}
	got := r.invFreq(16)
	bands := map[string]int{}
	for i, f := range got {
		base := math.Pow(10000, -float64(2*i)/16)
		wavelen := 2 * math.Pi / base
		var want float64
		switch {
		case wavelen > 128:
			want, bands["divided"] = base/8, bands["divided"]+1
		case wavelen < 32:
			want, bands["kept"] = base, bands["kept"]+1
		default:
			s := (128/wavelen - 1) / 3
			want, bands["interpolated"] = (1-s)*base/8+s*base, bands["interpolated"]+1
		}
		if math.Abs(float64(f)/want-1) > 1e-6 {
			t.Errorf("llama3 inv_freq[%d] = %.9g, want %.9g", i, f, want)
		}
	}
	if bands["divided"] == 0 || bands["kept"] == 0 || bands["interpolated"] == 0 {
		t.Errorf("bands %v: each should occur", bands)
	}
	lin := rope{Type: ropeLinear, Theta: 10000, Factor: 4}.invFreq(8)
	def := rope{Type: ropeDefault, Theta: 10000}.invFreq(8)
	for i := range lin {
		if lin[i] != def[i]/4 {
			t.Errorf("linear inv_freq[%d] = %g, want %g / 4", i, lin[i], def[i])
		}
	}
	if !slices.Equal(def, arch.RopeInvFreq(8, 10000)) {
		t.Error("default rope differs from arch.RopeInvFreq")
	}
}

// TestActivation: hidden_act picks the gated MLP's activation; --gelu replaces a GELU form; a SiLU model refuses it.
func TestActivation(t *testing.T) {
	tanh := arch.GELUTanh
	for _, tt := range []struct {
		hiddenAct string
		override  *arch.Activation
		want      arch.Activation
		err       string
	}{
		{`"silu"`, nil, arch.SiLU, ""},
		{`null`, nil, arch.SiLU, ""},
		{`"swish"`, nil, arch.SiLU, ""},
		{`"gelu"`, nil, arch.GELU, ""},
		{`"gelu"`, &tanh, arch.GELUTanh, ""},
		{`"gelu_pytorch_tanh"`, nil, arch.GELUTanh, ""},
		{`"silu"`, &tanh, 0, `key "hidden_act": "silu" is not a GELU`},
		{`"relu"`, nil, 0, `key "hidden_act": activation "relu" is not supported`},
	} {
		for _, mt := range []string{"llama", "mistral", "qwen2"} {
			js := `{"model_type":"` + mt + `",` + sizes + `,"num_key_value_heads":4,"hidden_act":` + tt.hiddenAct + `}`
			m, err := arch.New([]byte(js), arch.Options{Activation: tt.override})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("%s %s: err = %v, want %q", mt, tt.hiddenAct, err, tt.err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Config().Activation; got != tt.want {
				t.Errorf("%s %s with override %v: runs %v, want %v", mt, tt.hiddenAct, tt.override, got, tt.want)
			}
		}
	}
}

// TestParseConfigErrors checks that every key missing, invalid or unsupported is refused with one line naming it.
func TestParseConfigErrors(t *testing.T) {
	base := map[string]string{
		"hidden_size": "64", "num_hidden_layers": "3", "num_attention_heads": "4", "intermediate_size": "96",
		"vocab_size": "100", "num_key_value_heads": "2",
	}
	build := func(modelType string, over map[string]string) string {
		base["model_type"] = `"` + modelType + `"`
		return configtest.Build(base, over)
	}
	llama3 := func(fields string) string {
		return `{"rope_type":"llama3"` + fields + `}`
	}
	tests := []struct {
		families string // model types, space-separated
		over     map[string]string
		want     string
	}{
		{"llama mistral qwen2", map[string]string{"hidden_size": ""}, `key "hidden_size" is missing`},
		{"llama mistral qwen2", map[string]string{"num_hidden_layers": ""}, `key "num_hidden_layers" is missing`},
		{"llama mistral qwen2", map[string]string{"num_attention_heads": ""}, `key "num_attention_heads" is missing`},
		{"llama mistral qwen2", map[string]string{"intermediate_size": ""}, `key "intermediate_size" is missing`},
		{"llama mistral qwen2", map[string]string{"vocab_size": ""}, `key "vocab_size" is missing`},
		{"llama mistral qwen2", map[string]string{"hidden_size": "0"}, `key "hidden_size": 0 is not positive`},
		{"llama mistral qwen2", map[string]string{"hidden_size": `"64"`}, `key "hidden_size"`},
		{"llama mistral qwen2", map[string]string{"num_hidden_layers": "5000"}, `key "num_hidden_layers": 5000 exceeds`},
		{"llama mistral qwen2", map[string]string{"vocab_size": "-3"}, `key "vocab_size": -3 is not positive`},
		{"llama mistral qwen2", map[string]string{"max_position_embeddings": "0"}, `key "max_position_embeddings": 0 is not positive`},
		{"llama mistral qwen2", map[string]string{"num_key_value_heads": "3"}, `key "num_key_value_heads": 3 does not divide num_attention_heads 4`},
		{"llama mistral qwen2", map[string]string{"num_key_value_heads": "0"}, `key "num_key_value_heads": 0 is not positive`},
		{"llama mistral qwen2", map[string]string{"num_key_value_heads": "2.5"}, `key "num_key_value_heads": "2.5" is not an integer`},
		{"mistral", map[string]string{"num_attention_heads": "6", "hidden_size": "48", "num_key_value_heads": ""}, `key "num_key_value_heads": 8 does not divide num_attention_heads 6`}, // MistralConfig's default of 8
		{"llama", map[string]string{"num_attention_heads": "5"}, `key "num_attention_heads": 5 does not divide hidden_size 64`},
		{"llama mistral qwen2", map[string]string{"head_dim": "0"}, `key "head_dim": 0 is not positive`},
		{"llama mistral qwen2", map[string]string{"head_dim": "15"}, `key "head_dim": 15 is odd`},
		{"llama mistral qwen2", map[string]string{"head_dim": "8192"}, `key "head_dim": 8192 exceeds`},
		{"llama mistral qwen2", map[string]string{"head_dim": `"x"`}, `key "head_dim": "\"x\"" is not an integer`},
		{"llama mistral qwen2", map[string]string{"rms_norm_eps": "0"}, `key "rms_norm_eps": 0 is outside (0, 1)`},
		{"llama mistral qwen2", map[string]string{"rms_norm_eps": "1.5"}, `key "rms_norm_eps"`},
		{"llama mistral qwen2", map[string]string{"initializer_range": "-0.1"}, `key "initializer_range": -0.1 is outside [0, 1]`},
		{"llama mistral qwen2", map[string]string{"hidden_act": `"gelu_10"`}, `key "hidden_act": activation "gelu_10" is not supported`},
		{"llama mistral qwen2", map[string]string{"hidden_act": `3`}, `key "hidden_act"`},
		{"llama mistral qwen2", map[string]string{"tie_word_embeddings": `"yes"`}, `key "tie_word_embeddings"`},
		{"llama", map[string]string{"attention_bias": `1`}, `key "attention_bias"`},
		{"llama", map[string]string{"mlp_bias": `"no"`}, `key "mlp_bias"`},
		{"llama mistral qwen2", map[string]string{"rope_theta": "0"}, `key "rope_theta": 0 is not a positive finite number`},
		{"llama mistral qwen2", map[string]string{"rope_theta": `"big"`}, `key "rope_theta"`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"yarn","factor":4}`}, `key "rope_scaling": rope type "yarn" is not supported (supported: default, linear, llama3)`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"rope_type":"dynamic","factor":2}`}, `key "rope_scaling": rope type "dynamic" is not supported`},
		{"llama mistral qwen2", map[string]string{"rope_parameters": `{"rope_type":"longrope","rope_theta":10000}`}, `key "rope_parameters": rope type "longrope" is not supported`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"rope_type":"llama3","type":"linear","factor":2}`}, `key "rope_scaling": "low_freq_factor" is missing for rope type "llama3"`}, // rope_type wins, as in HF
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"rope_type":"default","mrope_section":[1,2]}`}, `key "rope_scaling": field "mrope_section" is not supported`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"yarn","factor":4,"beta_fast":32}`}, `key "rope_scaling": field "beta_fast" is not supported`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `[1, 2]`}, `key "rope_scaling": not an object of rope settings`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"linear","factor":"2"}`}, `key "rope_scaling": field "factor": value of type string`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"linear","rope_theta":"2"}`}, `key "rope_scaling": field "rope_theta": value of type string`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"linear"}`}, `key "rope_scaling": "factor" is missing for rope type "linear"`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"linear","factor":0}`}, `key "rope_scaling.factor": 0 is not a positive finite number`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"low_freq_factor":1,"high_freq_factor":4`)}, `key "rope_scaling": "factor" is missing for rope type "llama3"`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"factor":8,"high_freq_factor":4`)}, `key "rope_scaling": "low_freq_factor" is missing`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"factor":8,"low_freq_factor":1`)}, `key "rope_scaling": "high_freq_factor" is missing`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"factor":8,"low_freq_factor":4,"high_freq_factor":4`)}, `key "rope_scaling": high_freq_factor 4 is not above low_freq_factor 4`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":-1`)}, `key "rope_scaling.original_max_position_embeddings": -1 is not a positive`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": llama3(`,"factor":-8,"low_freq_factor":1,"high_freq_factor":4`)}, `key "rope_scaling.factor": -8 is not a positive`},
		{"llama mistral qwen2", map[string]string{"rope_scaling": `{"type":"linear","factor":2}`, "rope_parameters": `{"rope_type":"linear","factor":3}`}, `keys "rope_parameters" and "rope_scaling" disagree`},
		{"llama mistral qwen2", map[string]string{"rope_theta": "10000", "rope_parameters": `{"rope_type":"default","rope_theta":500000}`}, `keys "rope_theta" (10000) and "rope_parameters.rope_theta" (500000) disagree`},
		{"llama mistral qwen2", map[string]string{"partial_rotary_factor": "0.5"}, `key "partial_rotary_factor": 0.5 is not supported`},
		{"llama mistral qwen2", map[string]string{"rope_parameters": `{"rope_type":"default","partial_rotary_factor":0.25}`}, `key "partial_rotary_factor": 0.25 is not supported`},
		{"mistral", map[string]string{"sliding_window": "0"}, `key "sliding_window": 0 is not positive`},
		{"mistral", map[string]string{"sliding_window": `"4096"`}, `key "sliding_window": "\"4096\"" is not an integer`},
		{"mistral", map[string]string{"layer_types": `["sliding_attention","full_attention","sliding_attention"]`}, `key "layer_types": layer 1 is "full_attention", but mistral applies sliding_window (4096) to every layer`},
		{"mistral", map[string]string{"sliding_window": "null", "layer_types": `["full_attention","full_attention","sliding_attention"]`}, `key "layer_types": layer 2 is "sliding_attention", but mistral applies sliding_window (null)`},
		{"qwen2", map[string]string{"use_sliding_window": "true", "sliding_window": "-4"}, `key "sliding_window": -4 is not positive`},
		{"qwen2", map[string]string{"use_sliding_window": `"true"`}, `key "use_sliding_window"`},
		{"qwen2", map[string]string{"max_window_layers": "-1"}, `key "max_window_layers": -1 is negative`},
		{"qwen2", map[string]string{"max_window_layers": "1.5"}, `key "max_window_layers": "1.5" is not an integer`},
		{"qwen2 mistral", map[string]string{"layer_types": `["full_attention","chunked_attention","full_attention"]`}, `key "layer_types": layer 1 is "chunked_attention" (supported: full_attention, sliding_attention)`},
		{"qwen2 mistral", map[string]string{"layer_types": `["full_attention"]`}, `key "layer_types": 1 entries for num_hidden_layers 3`},
		{"qwen2 mistral", map[string]string{"layer_types": `"full_attention"`}, `key "layer_types": not a list of strings`},
		// 1024 layers of d = 65536 with ff = 10⁶: about 2·10¹⁴ parameters.
		{"llama mistral qwen2", map[string]string{"hidden_size": "65536", "num_attention_heads": "512", "num_hidden_layers": "1024", "intermediate_size": "1000000"}, `parameters, beyond the limit`},
	}
	for _, tt := range tests {
		for _, mt := range strings.Fields(tt.families) {
			configtest.Refuses(t, build(mt, tt.over), tt.want)
		}
	}
}
