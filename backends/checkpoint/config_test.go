package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		act      string
		maxPos   int
	}{
		{"pythia-70m", pythia70mConfig, 0.25, 10000, true, false, 1e-5, "gelu", 2048},
		{"defaults", `{` + base + `}`, 0.25, 10000, true, false, 1e-5, "gelu", 2048},
		{"old keys", `{` + base + `,"rotary_pct":0.5,"rotary_emb_base":500,"use_parallel_residual":false,"layer_norm_eps":1e-6,"max_position_embeddings":4096}`, 0.5, 500, false, false, 1e-6, "gelu", 4096},
		{"new keys", `{` + base + `,"partial_rotary_factor":0.5,"rope_theta":20000,"hidden_act":"gelu_new","tie_word_embeddings":true}`, 0.5, 20000, true, true, 1e-5, "gelu_new", 2048},
		{"nested rope_parameters", `{` + base + `,"rope_parameters":{"rope_type":"default","rope_theta":30000,"partial_rotary_factor":1.0}}`, 1, 30000, true, false, 1e-5, "gelu", 2048},
		{"both styles agree", `{` + base + `,"rotary_pct":0.5,"partial_rotary_factor":0.5,"rope_theta":10000,"rotary_emb_base":10000,"rope_scaling":null}`, 0.5, 10000, true, false, 1e-5, "gelu", 2048},
	}
	for _, tt := range tests {
		c, err := ParseConfig([]byte(tt.json))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c.RotaryPct != tt.pct || c.RotaryBase != tt.rotBase || c.UseParallelResidual != tt.parallel ||
			c.TieWordEmbeddings != tt.tie || c.LayerNormEps != tt.eps || c.HiddenAct != tt.act || c.MaxPositions != tt.maxPos {
			t.Errorf("%s: got %+v", tt.name, *c)
		}
		if string(c.Raw) != tt.json {
			t.Errorf("%s: Raw not verbatim", tt.name)
		}
	}
	c, err := ParseConfig([]byte(pythia70mConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.HiddenSize != 512 || c.NumLayers != 6 || c.NumHeads != 8 || c.IntermediateSize != 2048 || c.VocabSize != 50304 {
		t.Errorf("pythia-70m sizes: %+v", *c)
	}
	if c.HeadDim() != 64 || c.RotaryDims() != 16 {
		t.Errorf("HeadDim %d RotaryDims %d, want 64 16", c.HeadDim(), c.RotaryDims())
	}
}

// TestParseConfigErrors checks that bad configs are refused with an error naming the key.
func TestParseConfigErrors(t *testing.T) {
	ok := map[string]string{
		"model_type": `"gpt_neox"`, "hidden_size": "512", "num_hidden_layers": "6", "num_attention_heads": "8",
		"intermediate_size": "2048", "vocab_size": "50304",
	}
	build := func(over map[string]string) string {
		parts := []string{}
		for k, v := range ok {
			if w, has := over[k]; has {
				v = w
			}
			if v != "" {
				parts = append(parts, `"`+k+`":`+v)
			}
		}
		for k, v := range over {
			if _, has := ok[k]; !has {
				parts = append(parts, `"`+k+`":`+v)
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct {
		over map[string]string
		want string // substrings of the error
	}{
		{map[string]string{"model_type": `"llama"`}, `"model_type": "llama" is not supported`},
		{map[string]string{"model_type": ""}, `"model_type" is missing`},
		{map[string]string{"hidden_size": ""}, `"hidden_size" is missing`},
		{map[string]string{"hidden_size": "0"}, `"hidden_size": 0 is not positive`},
		{map[string]string{"hidden_size": "-512"}, `"hidden_size": -512 is not positive`},
		{map[string]string{"hidden_size": "131072", "num_attention_heads": "8"}, `"hidden_size": 131072 exceeds the limit 65536`},
		{map[string]string{"num_hidden_layers": "2048"}, `"num_hidden_layers": 2048 exceeds`},
		{map[string]string{"vocab_size": "20000000"}, `"vocab_size": 20000000 exceeds`},
		{map[string]string{"intermediate_size": "2000000"}, `"intermediate_size": 2000000 exceeds`},
		{map[string]string{"num_attention_heads": "7"}, `"num_attention_heads": 7 does not divide hidden_size 512`},
		{map[string]string{"rotary_pct": "1.5"}, `"rotary_pct": 1.5 is outside [0, 1]`},
		{map[string]string{"rotary_pct": "-0.1"}, `"rotary_pct": -0.1 is outside`},
		{map[string]string{"rotary_pct": "0.0625", "num_attention_heads": "32"}, `rotary dimensions`}, // 16·0.0625 = 1
		{map[string]string{"rotary_emb_base": "0"}, `"rotary_emb_base"`},
		{map[string]string{"layer_norm_eps": "0"}, `"layer_norm_eps"`},
		{map[string]string{"rotary_pct": "0.25", "partial_rotary_factor": "0.5"}, `"rotary_pct" (0.25) and "partial_rotary_factor" (0.5) disagree`},
		{map[string]string{"rope_scaling": `{"type":"linear","factor":2}`}, `"rope_scaling": rope type "linear" is not supported`},
		{map[string]string{"attention_bias": "false"}, `"attention_bias"`},
		{map[string]string{"hidden_size": `"512"`}, `key "hidden_size"`},
		{map[string]string{"hidden_size": "1e30"}, `key "hidden_size"`},
		// 1024 layers of d=65536 with ff=1e6: about 1.5e14 parameters.
		{map[string]string{"hidden_size": "65536", "num_hidden_layers": "1024", "intermediate_size": "1000000"}, `parameters, beyond the limit`},
	}
	for _, tt := range tests {
		js := build(tt.over)
		_, err := ParseConfig([]byte(js))
		if err == nil {
			t.Errorf("%s: no error", js)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", js, err, tt.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", js, err)
		}
	}
	if _, err := ParseConfig([]byte(`{"model_type": "gpt_neox",`)); err == nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Errorf("truncated JSON: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(pythia70mConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.HiddenSize != 512 {
		t.Errorf("hidden %d", c.HiddenSize)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"model_type":"gpt_neox","hidden_size":512,"num_hidden_layers":6,"num_attention_heads":8,"intermediate_size":2048,"vocab_size":-1}`), 0o644)
	empty := t.TempDir()
	missing := filepath.Join(dir, "nope")
	file := filepath.Join(dir, "config.json")
	for _, tt := range []struct{ dir, want string }{
		{bad, filepath.Join(bad, "config.json") + `: key "vocab_size": -1 is not positive`},
		{empty, empty + ": no config.json"},
		{missing, missing + " does not exist"},
		{file, file + " is not a directory"},
	} {
		_, err := LoadConfig(tt.dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadConfig(%s) = %v, want %q", tt.dir, err, tt.want)
		}
	}
}
