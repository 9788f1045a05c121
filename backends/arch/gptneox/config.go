package gptneox

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

// Defaults of Hugging Face's GPTNeoXConfig for the keys that may be left out of config.json. The sizes have no
// default here: a config without them is broken, and HF's (a 20B-sized model) would only fail later on the shapes.
const (
	defaultRotaryPct    = 0.25
	defaultRotaryBase   = 10000.0
	defaultLayerNormEps = 1e-5
	defaultHiddenAct    = "gelu"
	defaultMaxPositions = 2048
)

// config is a GPT-NeoX config.json mapped: the shared part, and what only this family reads.
type config struct {
	arch.Config
	RotaryPct  float64 // rotary_pct (partial_rotary_factor): the share of each head that rotary embeddings rotate
	RotaryBase float64 // rotary_emb_base (rope_theta)
	Eps        float64 // layer_norm_eps
	Parallel   bool    // use_parallel_residual
	AttnBias   bool    // attention_bias: query_key_value and dense have biases
	HiddenAct  string  // hidden_act as written
}

// rawConfig mirrors config.json. Pointers tell a key that is absent from one set to its zero value.
type rawConfig struct {
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

// parseConfig maps the bytes of a GPT-NeoX config.json. It accepts the old keys (rotary_pct, rotary_emb_base) and the
// newer ones (partial_rotary_factor, rope_theta, at the top level or nested in rope_parameters / rope_scaling),
// fills in HF's defaults for keys that are absent, applies opt, and validates the result: sizes present, positive
// and below arch's limits, heads dividing hidden_size, a rotary fraction in [0, 1] giving an even number of rotary
// dims, a positive rotary base, a LayerNorm epsilon in (0, 1), a known activation, no rope scaling, and at most
// arch.MaxParams parameters. Each error is one line naming the key.
func parseConfig(data []byte, opt arch.Options) (*config, error) {
	var r rawConfig
	if err := arch.DecodeConfig(data, &r); err != nil {
		return nil, err
	}
	sizes, err := arch.RequireSizes(
		arch.Size{Key: "hidden_size", V: r.HiddenSize, Limit: arch.MaxHidden},
		arch.Size{Key: "num_hidden_layers", V: r.NumLayers, Limit: arch.MaxLayers},
		arch.Size{Key: "num_attention_heads", V: r.NumHeads, Limit: arch.MaxHeads},
		arch.Size{Key: "intermediate_size", V: r.IntermediateSize, Limit: arch.MaxFFN},
		arch.Size{Key: "vocab_size", V: r.VocabSize, Limit: arch.MaxVocab},
	)
	if err != nil {
		return nil, err
	}
	c := &config{
		Config: arch.Config{
			ModelType: "gpt_neox", Hidden: sizes[0], Layers: sizes[1], Heads: sizes[2], KVHeads: sizes[2],
			FFN: sizes[3], Vocab: sizes[4], MaxPositions: defaultMaxPositions, Raw: append([]byte(nil), data...),
		},
		RotaryPct: defaultRotaryPct, RotaryBase: defaultRotaryBase, Eps: defaultLayerNormEps, Parallel: true,
		AttnBias: true, HiddenAct: defaultHiddenAct,
	}
	if c.Hidden%c.Heads != 0 {
		return nil, fmt.Errorf("key \"num_attention_heads\": %d does not divide hidden_size %d", c.Heads, c.Hidden)
	}
	c.HeadDim = c.Hidden / c.Heads
	if r.MaxPositions != nil {
		if err := arch.CheckSize("max_position_embeddings", *r.MaxPositions, arch.MaxPositions); err != nil {
			return nil, err
		}
		c.MaxPositions = *r.MaxPositions
	}
	if r.LayerNormEps != nil {
		c.Eps = *r.LayerNormEps
	}
	if err := arch.CheckEps("layer_norm_eps", c.Eps); err != nil {
		return nil, err
	}
	if r.UseParallelResidual != nil {
		c.Parallel = *r.UseParallelResidual
	}
	if r.TieWordEmbeddings != nil {
		c.TiedEmbeddings = *r.TieWordEmbeddings
	}
	if r.AttentionBias != nil {
		c.AttnBias = *r.AttentionBias
	}
	if r.HiddenAct != nil {
		c.HiddenAct = *r.HiddenAct
	}
	if c.Activation, err = arch.ConfigActivation("hidden_act", c.HiddenAct, opt); err != nil {
		return nil, err
	}
	if err := c.parseRotary(&r); err != nil {
		return nil, err
	}
	if total, _ := paramCounts(c); total > arch.MaxParams {
		return nil, arch.CheckParams(total)
	}
	return c, nil
}

// parseRotary collects every spelling of the rotary settings, refuses disagreement and rope scaling, and applies
// them.
func (c *config) parseRotary(r *rawConfig) error {
	pct := []arch.NamedFloat{{Key: "rotary_pct", V: r.RotaryPct}, {Key: "partial_rotary_factor", V: r.PartialRotaryFactor}}
	base := []arch.NamedFloat{{Key: "rotary_emb_base", V: r.RotaryEmbBase}, {Key: "rope_theta", V: r.RopeTheta}}
	blocks, err := arch.RopeBlocks(r.RopeParameters, r.RopeScaling)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		if b.Type != "default" {
			return fmt.Errorf("key %q: rope type %s is not supported for gpt_neox (only plain rotary embeddings)", b.Key, arch.Quote(b.Type, 32))
		}
		pct = append(pct, arch.NamedFloat{Key: b.Key + ".partial_rotary_factor", V: b.PartialRotaryFactor})
		base = append(base, arch.NamedFloat{Key: b.Key + ".rope_theta", V: b.Theta})
	}
	if v, ok, err := arch.Agree(pct...); err != nil {
		return err
	} else if ok {
		c.RotaryPct = v
	}
	if v, ok, err := arch.Agree(base...); err != nil {
		return err
	} else if ok {
		c.RotaryBase = v
	}
	if math.IsNaN(c.RotaryPct) || c.RotaryPct < 0 || c.RotaryPct > 1 {
		return fmt.Errorf("key \"rotary_pct\": %g is outside [0, 1]", c.RotaryPct)
	}
	if r := c.rotaryDims(); r%2 != 0 {
		return fmt.Errorf("key \"rotary_pct\": %g gives %d rotary dimensions of head_dim %d; they must be even", c.RotaryPct, r, c.HeadDim)
	}
	return arch.CheckPositive("rotary_emb_base", c.RotaryBase)
}

// rotaryDims is the number of leading dims of each head that rotary embeddings rotate: int(head_dim·rotary_pct),
// truncated as in HF's GPT-NeoX.
func (c *config) rotaryDims() int {
	return int(float64(c.HeadDim) * c.RotaryPct)
}
