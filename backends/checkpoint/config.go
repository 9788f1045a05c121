package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Config is the part of an HF config.json that scalefit needs, with both key styles normalised.
type Config struct {
	ModelType           string  // HF model_type, e.g. "gpt_neox"
	HiddenSize          int     // d
	NumLayers           int     // num_hidden_layers
	NumHeads            int     // num_attention_heads
	IntermediateSize    int     // ffn width
	VocabSize           int     // vocab_size
	MaxPositions        int     // max_position_embeddings
	RotaryPct           float64 // rotary_pct, or partial_rotary_factor
	RotaryBase          float64 // rotary_emb_base, or rope_theta
	LayerNormEps        float64 // layer_norm_eps
	UseParallelResidual bool    // use_parallel_residual (HF default true)
	TieWordEmbeddings   bool    // tie_word_embeddings (HF default false for gpt_neox)
	HiddenAct           string  // hidden_act as written ("gelu" for Pythia)
	Raw                 []byte  // config.json verbatim
}

// ConfigFile is the name of the model configuration inside a checkpoint directory.
const ConfigFile = "config.json"

// Defaults of Hugging Face's GPTNeoXConfig for the keys that may be left out of config.json.
const (
	DefaultRotaryPct    = 0.25
	DefaultRotaryBase   = 10000.0
	DefaultLayerNormEps = 1e-5
	DefaultHiddenAct    = "gelu"
	DefaultMaxPositions = 2048
)

// Limits beyond which Validate refuses a configuration as absurd. They sit far above any released GPT-NeoX model and
// exist so that a corrupt or hostile config.json cannot make a backend allocate terabytes.
const (
	MaxHiddenSize       = 65536
	MaxLayers           = 1024
	MaxHeads            = 65536
	MaxVocabSize        = 10_000_000
	MaxIntermediateSize = 1_000_000
	MaxPositionsLimit   = 1 << 24
	MaxTotalParams      = 1_000_000_000_000
)

// rawConfig mirrors config.json. Pointers tell a key that is absent from one set to its zero value.
type rawConfig struct {
	ModelType           *string         `json:"model_type"`
	HiddenSize          *int            `json:"hidden_size"`
	NumLayers           *int            `json:"num_hidden_layers"`
	NumHeads            *int            `json:"num_attention_heads"`
	IntermediateSize    *int            `json:"intermediate_size"`
	VocabSize           *int            `json:"vocab_size"`
	MaxPositions        *int            `json:"max_position_embeddings"`
	RotaryPct           *float64        `json:"rotary_pct"`
	PartialRotaryFactor *float64        `json:"partial_rotary_factor"`
	RotaryEmbBase       *float64        `json:"rotary_emb_base"`
	RopeTheta           *float64        `json:"rope_theta"`
	RopeScaling         json.RawMessage `json:"rope_scaling"`
	RopeParameters      json.RawMessage `json:"rope_parameters"`
	LayerNormEps        *float64        `json:"layer_norm_eps"`
	UseParallelResidual *bool           `json:"use_parallel_residual"`
	TieWordEmbeddings   *bool           `json:"tie_word_embeddings"`
	HiddenAct           *string         `json:"hidden_act"`
	AttentionBias       *bool           `json:"attention_bias"`
}

// ropeParameters is the nested rope block of newer transformers releases ("rope_parameters", or a "rope_scaling"
// that carries rope_theta).
type ropeParameters struct {
	RopeType            *string  `json:"rope_type"`
	Type                *string  `json:"type"`
	RopeTheta           *float64 `json:"rope_theta"`
	PartialRotaryFactor *float64 `json:"partial_rotary_factor"`
}

// LoadConfig reads dir/config.json, normalises its key styles and validates it. Errors name the file.
func LoadConfig(dir string) (*Config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checkpoint: model directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("checkpoint: model directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("checkpoint: %s is not a directory (want a Hugging Face model directory)", dir)
	}
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checkpoint: %s: no %s (not a Hugging Face model directory?)", dir, ConfigFile)
		}
		return nil, fmt.Errorf("checkpoint: read %s: %w", path, err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the bytes of a config.json. It accepts the old GPT-NeoX keys (rotary_pct, rotary_emb_base) and
// the newer ones (partial_rotary_factor, rope_theta, at the top level or nested in rope_parameters / rope_scaling),
// fills in Hugging Face's defaults for keys that are absent, and validates the result. Errors name the key.
func ParseConfig(data []byte) (*Config, error) {
	var r rawConfig
	if err := json.Unmarshal(data, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, fmt.Errorf("key %q: value of type %s is not a valid %s", te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	c := &Config{
		RotaryPct:           DefaultRotaryPct,
		RotaryBase:          DefaultRotaryBase,
		LayerNormEps:        DefaultLayerNormEps,
		UseParallelResidual: true,
		TieWordEmbeddings:   false,
		HiddenAct:           DefaultHiddenAct,
		MaxPositions:        DefaultMaxPositions,
		Raw:                 append([]byte(nil), data...),
	}
	if r.ModelType == nil {
		return nil, fmt.Errorf("key \"model_type\" is missing")
	}
	c.ModelType = *r.ModelType
	required := []struct {
		key string
		src *int
		dst *int
	}{
		{"hidden_size", r.HiddenSize, &c.HiddenSize},
		{"num_hidden_layers", r.NumLayers, &c.NumLayers},
		{"num_attention_heads", r.NumHeads, &c.NumHeads},
		{"intermediate_size", r.IntermediateSize, &c.IntermediateSize},
		{"vocab_size", r.VocabSize, &c.VocabSize},
	}
	for _, f := range required {
		if f.src == nil {
			return nil, fmt.Errorf("key %q is missing", f.key)
		}
		*f.dst = *f.src
	}
	if r.MaxPositions != nil {
		c.MaxPositions = *r.MaxPositions
	}
	if r.LayerNormEps != nil {
		c.LayerNormEps = *r.LayerNormEps
	}
	if r.UseParallelResidual != nil {
		c.UseParallelResidual = *r.UseParallelResidual
	}
	if r.TieWordEmbeddings != nil {
		c.TieWordEmbeddings = *r.TieWordEmbeddings
	}
	if r.HiddenAct != nil {
		c.HiddenAct = *r.HiddenAct
	}
	if r.AttentionBias != nil && !*r.AttentionBias {
		return nil, fmt.Errorf("key \"attention_bias\" is false: GPT-NeoX attention without biases is not supported")
	}

	// Rotary settings: collect every spelling, refuse disagreement, then apply.
	pct := []namedFloat{{"rotary_pct", r.RotaryPct}, {"partial_rotary_factor", r.PartialRotaryFactor}}
	base := []namedFloat{{"rotary_emb_base", r.RotaryEmbBase}, {"rope_theta", r.RopeTheta}}
	for _, nested := range []struct {
		key string
		raw json.RawMessage
	}{{"rope_parameters", r.RopeParameters}, {"rope_scaling", r.RopeScaling}} {
		if isJSONNull(nested.raw) {
			continue
		}
		var rp ropeParameters
		if err := json.Unmarshal(nested.raw, &rp); err != nil {
			return nil, fmt.Errorf("key %q: %w", nested.key, err)
		}
		kind := "default"
		if rp.RopeType != nil {
			kind = *rp.RopeType
		} else if rp.Type != nil {
			kind = *rp.Type
		}
		if kind != "default" {
			return nil, fmt.Errorf("key %q: rope type %q is not supported (only plain rotary embeddings)", nested.key, kind)
		}
		pct = append(pct, namedFloat{nested.key + ".partial_rotary_factor", rp.PartialRotaryFactor})
		base = append(base, namedFloat{nested.key + ".rope_theta", rp.RopeTheta})
	}
	if v, ok, err := agree(pct); err != nil {
		return nil, err
	} else if ok {
		c.RotaryPct = v
	}
	if v, ok, err := agree(base); err != nil {
		return nil, err
	} else if ok {
		c.RotaryBase = v
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

type namedFloat struct {
	key string
	v   *float64
}

// agree returns the value that all present keys share, whether any was present, and an error if two disagree.
func agree(keys []namedFloat) (float64, bool, error) {
	var first *namedFloat
	for i := range keys {
		k := &keys[i]
		if k.v == nil {
			continue
		}
		if first == nil {
			first = k
			continue
		}
		if *k.v != *first.v {
			return 0, false, fmt.Errorf("keys %q (%g) and %q (%g) disagree", first.key, *first.v, k.key, *k.v)
		}
	}
	if first == nil {
		return 0, false, nil
	}
	return *first.v, true, nil
}

func isJSONNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// Validate refuses a configuration that scalefit cannot run or that is absurd, before anything is allocated: an
// unsupported model_type, non-positive sizes, sizes beyond the Max* limits, heads that do not divide hidden_size, a
// rotary fraction outside [0, 1] or one giving an odd number of rotary dimensions, a non-positive rotary base or
// LayerNorm epsilon, and a total parameter count beyond MaxTotalParams. The error is one line naming the key.
func (c *Config) Validate() error {
	if c.ModelType != "gpt_neox" {
		return fmt.Errorf("key \"model_type\": %q is not supported (supported: \"gpt_neox\")", c.ModelType)
	}
	sizes := []struct {
		key      string
		v, limit int
	}{
		{"hidden_size", c.HiddenSize, MaxHiddenSize},
		{"num_hidden_layers", c.NumLayers, MaxLayers},
		{"num_attention_heads", c.NumHeads, MaxHeads},
		{"intermediate_size", c.IntermediateSize, MaxIntermediateSize},
		{"vocab_size", c.VocabSize, MaxVocabSize},
		{"max_position_embeddings", c.MaxPositions, MaxPositionsLimit},
	}
	for _, s := range sizes {
		if s.v <= 0 {
			return fmt.Errorf("key %q: %d is not positive", s.key, s.v)
		}
		if s.v > s.limit {
			return fmt.Errorf("key %q: %d exceeds the limit %d", s.key, s.v, s.limit)
		}
	}
	if c.HiddenSize%c.NumHeads != 0 {
		return fmt.Errorf("key \"num_attention_heads\": %d does not divide hidden_size %d", c.NumHeads, c.HiddenSize)
	}
	if math.IsNaN(c.RotaryPct) || c.RotaryPct < 0 || c.RotaryPct > 1 {
		return fmt.Errorf("key \"rotary_pct\": %g is outside [0, 1]", c.RotaryPct)
	}
	if r := c.RotaryDims(); r%2 != 0 {
		return fmt.Errorf("key \"rotary_pct\": %g gives %d rotary dimensions of head_dim %d; they must be even", c.RotaryPct, r, c.HeadDim())
	}
	if !(c.RotaryBase > 0) || math.IsInf(c.RotaryBase, 0) {
		return fmt.Errorf("key \"rotary_emb_base\": %g is not a positive finite number", c.RotaryBase)
	}
	if !(c.LayerNormEps > 0) || c.LayerNormEps >= 1 {
		return fmt.Errorf("key \"layer_norm_eps\": %g is outside (0, 1)", c.LayerNormEps)
	}
	if c.HiddenAct == "" {
		return fmt.Errorf("key \"hidden_act\" is empty")
	}
	if total, _ := ParamCounts(c); total > MaxTotalParams {
		return fmt.Errorf("the sizes give %d parameters, beyond the limit %d (check hidden_size, num_hidden_layers, intermediate_size, vocab_size)", total, int64(MaxTotalParams))
	}
	return nil
}

// HeadDim is hidden_size / num_attention_heads.
func (c *Config) HeadDim() int {
	if c.NumHeads <= 0 {
		return 0
	}
	return c.HiddenSize / c.NumHeads
}

// RotaryDims is the number of leading dimensions of each head that rotary embeddings rotate: int(HeadDim·RotaryPct),
// truncated as in Hugging Face's GPT-NeoX.
func (c *Config) RotaryDims() int {
	return int(float64(c.HeadDim()) * c.RotaryPct)
}
