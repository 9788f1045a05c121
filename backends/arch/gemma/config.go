package gemma

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

// Defaults of Hugging Face's GemmaConfig and Gemma2Config for the keys that may be left out of config.json. The sizes
// have no default here, head_dim and num_key_value_heads included: HF's (256, and 16 or 4 kv heads) fit only its own
// default model, and a config without them is broken.
const (
	defaultEps                = 1e-6
	defaultRopeTheta          = 10000.0
	defaultMaxPositions       = 8192
	defaultInitializerRange   = 0.02
	defaultActivation         = "gelu_pytorch_tanh" // when neither hidden_activation nor hidden_act is set
	defaultQueryPreAttnScalar = 256.0               // Gemma-2
	defaultAttnSoftCap        = 50.0                // Gemma-2's attn_logit_softcapping
	defaultFinalSoftCap       = 30.0                // Gemma-2's final_logit_softcapping
	defaultSlidingWindow      = 4096                // Gemma-2
)

// Gemma-2's layer_types values.
const (
	fullAttention    = "full_attention"
	slidingAttention = "sliding_attention"
)

// config is a Gemma or Gemma-2 config.json mapped: the shared part, and what only these families read.
type config struct {
	arch.Config
	Gemma2           bool    // model_type gemma2: four norms per layer, soft-caps, windows, query_pre_attn_scalar
	Eps              float64 // rms_norm_eps
	RopeTheta        float64 // rope_theta
	ActKey, ActName  string  // the key the activation came from and its value as written
	InitializerRange float64 // initializer_range: the std of synth's normal draws

	// Gemma-2 only; zero for Gemma.
	QueryPreAttnScalar float64 // scores are scaled by query_pre_attn_scalar^−½ (Gemma: head_dim^−½)
	AttnSoftCap        float64 // attn_logit_softcapping; 0 for none
	FinalSoftCap       float64 // final_logit_softcapping; 0 for none
	Window             int     // sliding_window; 0 when no layer slides
	Sliding            []bool  // per layer: whether it attends through the window
}

// rawConfig mirrors config.json. Pointers tell a key that is absent from one set to its zero value; the keys whose
// null differs from their absence (null soft-caps and windows mean none, absent ones HF's default) are kept raw.
type rawConfig struct {
	HiddenSize        *int            `json:"hidden_size"`
	NumLayers         *int            `json:"num_hidden_layers"`
	NumHeads          *int            `json:"num_attention_heads"`
	NumKVHeads        *int            `json:"num_key_value_heads"`
	HeadDim           *int            `json:"head_dim"`
	IntermediateSize  *int            `json:"intermediate_size"`
	VocabSize         *int            `json:"vocab_size"`
	MaxPositions      *int            `json:"max_position_embeddings"`
	RMSNormEps        *float64        `json:"rms_norm_eps"`
	HiddenAct         *string         `json:"hidden_act"`
	HiddenActivation  *string         `json:"hidden_activation"`
	TieWordEmbeddings *bool           `json:"tie_word_embeddings"`
	AttentionBias     *bool           `json:"attention_bias"`
	InitializerRange  *float64        `json:"initializer_range"`
	RopeTheta         *float64        `json:"rope_theta"`
	RopeScaling       json.RawMessage `json:"rope_scaling"`
	RopeParameters    json.RawMessage `json:"rope_parameters"`

	QueryPreAttnScalar *float64        `json:"query_pre_attn_scalar"`
	AttnSoftCap        json.RawMessage `json:"attn_logit_softcapping"`
	FinalSoftCap       json.RawMessage `json:"final_logit_softcapping"`
	SlidingWindow      json.RawMessage `json:"sliding_window"`
	LayerTypes         json.RawMessage `json:"layer_types"`
}

// parseConfig maps the bytes of a Gemma or Gemma-2 config.json: the sizes (required, positive, within arch's limits;
// num_key_value_heads dividing num_attention_heads; head_dim its own key), HF's defaults for the other keys, the
// activation (hidden_activation, else hidden_act, else gelu_pytorch_tanh) with opt applied, plain rotary embeddings,
// tied embeddings unless tie_word_embeddings is false, no attention biases, and for Gemma-2 the soft-caps, the
// score scalar and the windowed layers. modelType is "gemma" or "gemma2", the one arch.New dispatched on. Each error
// is one line naming the key.
func parseConfig(data []byte, modelType string, opt arch.Options) (*config, error) {
	var r rawConfig
	if err := arch.DecodeConfig(data, &r); err != nil {
		return nil, err
	}
	sizes, err := arch.RequireSizes(
		arch.Size{Key: "hidden_size", V: r.HiddenSize, Limit: arch.MaxHidden},
		arch.Size{Key: "num_hidden_layers", V: r.NumLayers, Limit: arch.MaxLayers},
		arch.Size{Key: "num_attention_heads", V: r.NumHeads, Limit: arch.MaxHeads},
		arch.Size{Key: "num_key_value_heads", V: r.NumKVHeads, Limit: arch.MaxHeads},
		arch.Size{Key: "head_dim", V: r.HeadDim, Limit: arch.MaxHeadDim},
		arch.Size{Key: "intermediate_size", V: r.IntermediateSize, Limit: arch.MaxFFN},
		arch.Size{Key: "vocab_size", V: r.VocabSize, Limit: arch.MaxVocab},
	)
	if err != nil {
		return nil, err
	}
	c := &config{
		Config: arch.Config{
			ModelType: modelType, Hidden: sizes[0], Layers: sizes[1], Heads: sizes[2], KVHeads: sizes[3],
			HeadDim: sizes[4], FFN: sizes[5], Vocab: sizes[6], MaxPositions: defaultMaxPositions, TiedEmbeddings: true,
			Raw: append([]byte(nil), data...),
		},
		Gemma2: modelType == "gemma2", Eps: defaultEps, RopeTheta: defaultRopeTheta,
		InitializerRange: defaultInitializerRange,
	}
	if c.HeadDim%2 != 0 {
		return nil, fmt.Errorf("key \"head_dim\": %d is odd, so rotary embeddings cannot rotate it", c.HeadDim)
	}
	if c.Heads%c.KVHeads != 0 {
		return nil, fmt.Errorf("key \"num_key_value_heads\": %d does not divide num_attention_heads %d", c.KVHeads, c.Heads)
	}
	if r.MaxPositions != nil {
		if err := arch.CheckSize("max_position_embeddings", *r.MaxPositions, arch.MaxPositions); err != nil {
			return nil, err
		}
		c.MaxPositions = *r.MaxPositions
	}
	if r.RMSNormEps != nil {
		c.Eps = *r.RMSNormEps
	}
	if err := arch.CheckEps("rms_norm_eps", c.Eps); err != nil {
		return nil, err
	}
	if r.InitializerRange != nil {
		if err := arch.CheckPositive("initializer_range", *r.InitializerRange); err != nil {
			return nil, err
		}
		c.InitializerRange = *r.InitializerRange
	}
	if r.TieWordEmbeddings != nil {
		c.TiedEmbeddings = *r.TieWordEmbeddings
	}
	if r.AttentionBias != nil && *r.AttentionBias {
		return nil, fmt.Errorf("key \"attention_bias\": true is not supported (no released %s model has attention biases)", c.ModelType)
	}
	if err := c.parseActivation(&r, opt); err != nil {
		return nil, err
	}
	if err := c.parseRope(&r); err != nil {
		return nil, err
	}
	if c.Gemma2 {
		if err := c.parseGemma2(&r); err != nil {
			return nil, err
		}
	}
	if total, _ := paramCounts(c); total > arch.MaxParams {
		return nil, arch.CheckParams(total)
	}
	return c, nil
}

// parseActivation takes the MLP's activation from hidden_activation, else hidden_act, else gelu_pytorch_tanh (a
// null key counts as absent), and lets opt's GELU form replace a GELU.
func (c *config) parseActivation(r *rawConfig, opt arch.Options) error {
	c.ActKey, c.ActName = "hidden_activation", defaultActivation
	switch {
	case r.HiddenActivation != nil:
		c.ActName = *r.HiddenActivation
	case r.HiddenAct != nil:
		c.ActKey, c.ActName = "hidden_act", *r.HiddenAct
	}
	var err error
	c.Activation, err = arch.ConfigActivation(c.ActKey, c.ActName, opt)
	return err
}

// parseRope reads rope_theta wherever it sits (top level, or inside rope_scaling or rope_parameters, which must all
// agree) and refuses any rope type but the default one: Gemma rotates the whole head_dim with plain rotary
// embeddings.
func (c *config) parseRope(r *rawConfig) error {
	blocks, err := arch.RopeBlocks(r.RopeParameters, r.RopeScaling)
	if err != nil {
		return err
	}
	theta := []arch.NamedFloat{{Key: "rope_theta", V: r.RopeTheta}}
	for _, b := range blocks {
		if b.Type != "default" {
			return fmt.Errorf("key %q: rope type %s is not supported for %s (only plain rotary embeddings)", b.Key, arch.Quote(b.Type, 32), c.ModelType)
		}
		theta = append(theta, arch.NamedFloat{Key: b.Key + ".rope_theta", V: b.Theta})
	}
	v, ok, err := arch.Agree(theta...)
	if err != nil {
		return err
	}
	if ok {
		c.RopeTheta = v
	}
	return arch.CheckPositive("rope_theta", c.RopeTheta)
}

// parseGemma2 reads Gemma-2's attention settings: query_pre_attn_scalar (default 256), the attention and final logit
// soft-caps (default 50 and 30; null for none), and which layers slide: those layer_types marks sliding_attention,
// or without layer_types the even ones (0, 2, …), through a window of sliding_window keys (default 4096).
func (c *config) parseGemma2(r *rawConfig) error {
	c.QueryPreAttnScalar = defaultQueryPreAttnScalar
	if r.QueryPreAttnScalar != nil {
		c.QueryPreAttnScalar = *r.QueryPreAttnScalar
	}
	if err := arch.CheckPositive("query_pre_attn_scalar", c.QueryPreAttnScalar); err != nil {
		return err
	}
	var err error
	if c.AttnSoftCap, err = softCap("attn_logit_softcapping", r.AttnSoftCap, defaultAttnSoftCap); err != nil {
		return err
	}
	if c.FinalSoftCap, err = softCap("final_logit_softcapping", r.FinalSoftCap, defaultFinalSoftCap); err != nil {
		return err
	}

	c.Sliding = make([]bool, c.Layers)
	if arch.IsNull(r.LayerTypes) {
		for l := range c.Sliding {
			c.Sliding[l] = l%2 == 0
		}
	} else {
		var types []string
		if err := json.Unmarshal(r.LayerTypes, &types); err != nil {
			return fmt.Errorf("key \"layer_types\": not a list of strings")
		}
		if len(types) != c.Layers {
			return fmt.Errorf("key \"layer_types\": %d entries for num_hidden_layers %d", len(types), c.Layers)
		}
		for l, t := range types {
			switch t {
			case slidingAttention:
				c.Sliding[l] = true
			case fullAttention:
			default:
				return fmt.Errorf("key \"layer_types\": entry %d is %s; only %q and %q are supported", l, arch.Quote(t, 32), fullAttention, slidingAttention)
			}
		}
	}
	slides := false
	for _, s := range c.Sliding {
		slides = slides || s
	}
	if !slides {
		return nil
	}
	switch {
	case len(r.SlidingWindow) == 0:
		c.Window = defaultSlidingWindow
	case arch.IsNull(r.SlidingWindow):
		return fmt.Errorf("key \"sliding_window\": null, but layers slide (layer_types, or the even layers without it)")
	default:
		if err := json.Unmarshal(r.SlidingWindow, &c.Window); err != nil {
			return fmt.Errorf("key \"sliding_window\": %s is not an integer", arch.Quote(string(r.SlidingWindow), 32))
		}
		if err := arch.CheckSize("sliding_window", c.Window, arch.MaxPositions); err != nil {
			return err
		}
	}
	return nil
}

// softCap reads a soft-cap key: absent is def, null is 0 (none), and a number must be positive and finite.
func softCap(key string, raw json.RawMessage, def float64) (float64, error) {
	if len(raw) == 0 {
		return def, nil
	}
	if arch.IsNull(raw) {
		return 0, nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("key %q: %s is not a number", key, arch.Quote(string(raw), 32))
	}
	if err := arch.CheckPositive(key, v); err != nil {
		return 0, err
	}
	return v, nil
}

// scale is what attention multiplies q·k by: query_pre_attn_scalar^−½ for Gemma-2, head_dim^−½ for Gemma, a Python
// float that torch rounds to float32.
func (c *config) scale() float32 {
	if c.Gemma2 {
		return float32(math.Pow(c.QueryPreAttnScalar, -0.5))
	}
	return float32(math.Pow(float64(c.HeadDim), -0.5))
}
