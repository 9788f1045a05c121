package checkpoint

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Preset is a named GPT-NeoX shape that Synth can build.
type Preset struct {
	Name         string
	Layers       int
	Hidden       int
	Heads        int
	Intermediate int
	Vocab        int
	Note         string // one line for --help
}

// presets are the Pythia suite (DESIGN.md §6, exact shapes) followed by tiny shapes for tests and demos.
var presets = []Preset{
	{"pythia-70m", 6, 512, 8, 2048, 50304, "Pythia-70M shape"},
	{"pythia-160m", 12, 768, 12, 3072, 50304, "Pythia-160M shape"},
	{"pythia-410m", 24, 1024, 16, 4096, 50304, "Pythia-410M shape"},
	{"pythia-1b", 16, 2048, 8, 8192, 50304, "Pythia-1B shape"},
	{"pythia-1.4b", 24, 2048, 16, 8192, 50304, "Pythia-1.4B shape"},
	{"pythia-2.8b", 32, 2560, 32, 10240, 50304, "Pythia-2.8B shape"},
	{"pythia-6.9b", 32, 4096, 32, 16384, 50432, "Pythia-6.9B shape"},
	{"pythia-12b", 36, 5120, 40, 20480, 50688, "Pythia-12B shape"},
	{"micro", 1, 32, 2, 128, 256, "smallest test model"},
	{"tiny", 2, 64, 4, 256, 512, "tiny test/demo model"},
	{"small", 4, 128, 4, 512, 1024, "small test/demo model"},
}

// Presets lists the shapes Synth knows: the Pythia suite, then the tiny test shapes.
func Presets() []Preset {
	return append([]Preset(nil), presets...)
}

// LookupPreset finds a preset by name (case-insensitive).
func LookupPreset(name string) (Preset, bool) {
	for _, p := range presets {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// SynthOptions describes a random-init checkpoint. Preset gives the shape; any non-zero size field overrides the
// preset's. With no preset, all five sizes are required. DType is F16 (the default, as Pythia ships), BF16 or F32.
// MaxPositions defaults to 2048 and RotaryPct to 0.25 (a zero value means the default). Sequential selects the
// sequential residual (use_parallel_residual false).
type SynthOptions struct {
	Preset                                     string
	Layers, Hidden, Heads, Intermediate, Vocab int
	Sequential                                 bool
	DType                                      string
	Seed                                       int64
	MaxPositions                               int
	RotaryPct                                  float64
}

// synthChunk is the number of values generated, converted and written at a time, and the unit of random streams.
const synthChunk = 1 << 20

// Synth writes a random-init Hugging Face GPT-NeoX checkpoint into dir (created if needed): model.safetensors,
// tokenizer.json (tokenizerJSON verbatim; skipped when it is empty) and, last, config.json in the old key style of
// Pythia's own config (rotary_pct, rotary_emb_base, "architectures": ["GPTNeoXForCausalLM"]). It returns the config.
//
// The initialisation is GPT-NeoX's for Pythia (init_method "small_init", output_layer_init_method "wang_init"):
//
//	embed_in, query_key_value, dense_h_to_4h, embed_out weights: normal(0, σ), σ = sqrt(2/(5d))   (small_init)
//	attention.dense, dense_4h_to_h weights:                      normal(0, σ), σ = 2/(L·sqrt(d))  (wang_init)
//	every bias: 0;  every LayerNorm: weight 1, bias 0
//
// with d the hidden size and L the number of layers. For the tiny preset (d=64, L=2) σ is 0.0791 and 0.125.
//
// Values are deterministic for a seed and independent of the dtype: chunk k (of 2^20 values) of a tensor is drawn
// from its own PCG stream, seeded by (Seed, FNV-1a(name) + k), with math/rand/v2's NormFloat64. Tensors are generated
// and streamed to the file a chunk at a time, so memory stays at a few megabytes whatever the model's size.
func Synth(dir string, opt SynthOptions, tokenizerJSON []byte) (*Config, error) {
	cfg, dtype, err := synthConfig(opt)
	if err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	raw, err := synthConfigJSON(cfg, dtype, opt)
	if err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	cfg.Raw = raw
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	meta := map[string]string{
		"format":         "pt",
		"scalefit.synth": fmt.Sprintf("preset=%s seed=%d init=small_init,wang_init", opt.Preset, opt.Seed),
	}
	if err := synthWeights(filepath.Join(dir, SafetensorsFile), cfg, dtype, opt.Seed, meta); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	if len(tokenizerJSON) > 0 {
		if err := writeFileAtomic(filepath.Join(dir, "tokenizer.json"), tokenizerJSON); err != nil {
			return nil, fmt.Errorf("synth %s: %w", dir, err)
		}
	}
	if err := writeFileAtomic(filepath.Join(dir, ConfigFile), raw); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	return cfg, nil
}

// synthConfig resolves the preset and overrides into a validated Config and a dtype.
func synthConfig(opt SynthOptions) (*Config, string, error) {
	var p Preset
	if opt.Preset != "" {
		var ok bool
		if p, ok = LookupPreset(opt.Preset); !ok {
			names := make([]string, len(presets))
			for i, q := range presets {
				names[i] = q.Name
			}
			return nil, "", fmt.Errorf("unknown preset %q (known: %s)", opt.Preset, strings.Join(names, ", "))
		}
	}
	override := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	override(&p.Layers, opt.Layers)
	override(&p.Hidden, opt.Hidden)
	override(&p.Heads, opt.Heads)
	override(&p.Intermediate, opt.Intermediate)
	override(&p.Vocab, opt.Vocab)
	dtype := F16
	if opt.DType != "" {
		var err error
		if dtype, err = ParseDType(opt.DType); err != nil {
			return nil, "", err
		}
	}
	c := &Config{
		ModelType:           "gpt_neox",
		HiddenSize:          p.Hidden,
		NumLayers:           p.Layers,
		NumHeads:            p.Heads,
		IntermediateSize:    p.Intermediate,
		VocabSize:           p.Vocab,
		MaxPositions:        DefaultMaxPositions,
		RotaryPct:           DefaultRotaryPct,
		RotaryBase:          DefaultRotaryBase,
		LayerNormEps:        DefaultLayerNormEps,
		UseParallelResidual: !opt.Sequential,
		HiddenAct:           DefaultHiddenAct,
	}
	if opt.MaxPositions != 0 {
		c.MaxPositions = opt.MaxPositions
	}
	if opt.RotaryPct != 0 {
		c.RotaryPct = opt.RotaryPct
	}
	if err := c.Validate(); err != nil {
		if opt.Preset == "" {
			return nil, "", fmt.Errorf("no preset given, so set every size: %w", err)
		}
		return nil, "", err
	}
	return c, dtype, nil
}

// SynthKey is the config.json key under which Synth records how a checkpoint was made. Its presence marks an
// untrained control; transformers ignores keys it does not know.
const SynthKey = "scalefit_synth"

// SynthRecord is what Synth writes under SynthKey.
type SynthRecord struct {
	Preset string `json:"preset"`
	Seed   int64  `json:"seed"`
	Init   string `json:"init"`
}

// synthConfigJSON renders c as Pythia's config.json does, with the old key style, plus the SynthKey record.
func synthConfigJSON(c *Config, dtype string, opt SynthOptions) ([]byte, error) {
	torchDType := map[string]string{F32: "float32", F16: "float16", BF16: "bfloat16"}[dtype]
	// Fields in alphabetical order, as transformers writes them.
	doc := struct {
		Architectures       []string    `json:"architectures"`
		BOSTokenID          int         `json:"bos_token_id"`
		EOSTokenID          int         `json:"eos_token_id"`
		HiddenAct           string      `json:"hidden_act"`
		HiddenSize          int         `json:"hidden_size"`
		InitializerRange    float64     `json:"initializer_range"`
		IntermediateSize    int         `json:"intermediate_size"`
		LayerNormEps        float64     `json:"layer_norm_eps"`
		MaxPositions        int         `json:"max_position_embeddings"`
		ModelType           string      `json:"model_type"`
		NumHeads            int         `json:"num_attention_heads"`
		NumLayers           int         `json:"num_hidden_layers"`
		RotaryEmbBase       float64     `json:"rotary_emb_base"`
		RotaryPct           float64     `json:"rotary_pct"`
		Synth               SynthRecord `json:"scalefit_synth"`
		TieWordEmbeddings   bool        `json:"tie_word_embeddings"`
		TorchDType          string      `json:"torch_dtype"`
		UseCache            bool        `json:"use_cache"`
		UseParallelResidual bool        `json:"use_parallel_residual"`
		VocabSize           int         `json:"vocab_size"`
	}{
		Architectures: []string{"GPTNeoXForCausalLM"}, HiddenAct: c.HiddenAct, HiddenSize: c.HiddenSize,
		InitializerRange: 0.02, IntermediateSize: c.IntermediateSize, LayerNormEps: c.LayerNormEps,
		MaxPositions: c.MaxPositions, ModelType: c.ModelType, NumHeads: c.NumHeads, NumLayers: c.NumLayers,
		RotaryEmbBase: c.RotaryBase, RotaryPct: c.RotaryPct, TieWordEmbeddings: c.TieWordEmbeddings,
		Synth:      SynthRecord{Preset: opt.Preset, Seed: opt.Seed, Init: "gpt-neox small_init + wang_init"},
		TorchDType: torchDType, UseCache: true, UseParallelResidual: c.UseParallelResidual, VocabSize: c.VocabSize,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// InitStd returns the standard deviation Synth draws the parameter name from, for a model with config c: 0 for
// biases and LayerNorm parameters (which are constant), wang_init's 2/(L·sqrt(d)) for attention.dense and
// dense_4h_to_h weights, and small_init's sqrt(2/(5d)) for every other weight.
func InitStd(c *Config, name string) float64 {
	d, l := float64(c.HiddenSize), float64(c.NumLayers)
	switch {
	case strings.HasSuffix(name, ".bias"), strings.Contains(name, "layernorm"), strings.Contains(name, "layer_norm"):
		return 0
	case strings.HasSuffix(name, "attention.dense.weight"), strings.HasSuffix(name, "mlp.dense_4h_to_h.weight"):
		return 2 / (l * math.Sqrt(d))
	}
	return math.Sqrt(2 / (5 * d))
}

// synthWeights streams every parameter of c, in state-dict order, to a safetensors file at path.
func synthWeights(path string, c *Config, dtype string, seed int64, meta map[string]string) error {
	specs := ParamSpecs(c)
	w, err := CreateSafetensors(path, specs, dtype, meta)
	if err != nil {
		return err
	}
	buf := make([]float32, synthChunk)
	for i, s := range specs {
		n := int(w.numels[i])
		fill := func(v []float32, _ uint64) {
			for i := range v {
				v[i] = 0
			}
		}
		if std := InitStd(c, s.Name); std > 0 {
			h := fnv.New64a()
			h.Write([]byte(s.Name))
			stream := h.Sum64()
			fill = func(v []float32, chunk uint64) {
				r := rand.New(rand.NewPCG(uint64(seed), stream+chunk))
				for i := range v {
					v[i] = float32(r.NormFloat64() * std)
				}
			}
		} else if strings.HasSuffix(s.Name, ".weight") {
			fill = func(v []float32, _ uint64) { // LayerNorm gain
				for i := range v {
					v[i] = 1
				}
			}
		}
		for k := uint64(0); n > 0; k++ {
			v := buf[:min(n, synthChunk)]
			fill(v, k)
			if err := w.Write(v); err != nil {
				w.Abort()
				return err
			}
			n -= len(v)
		}
	}
	return w.Close()
}

// IsSynthetic reports whether a config.json was written by Synth, i.e. whether the checkpoint is a random-init
// control rather than a trained model.
func IsSynthetic(configJSON []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(configJSON, &doc) != nil {
		return false
	}
	_, ok := doc[SynthKey]
	return ok
}
