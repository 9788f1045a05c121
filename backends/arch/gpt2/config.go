package gpt2

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

// Defaults of Hugging Face's GPT2Config for the keys that may be left out of config.json. The sizes, n_positions
// included (it is the number of rows of the position embedding), have no default here: a config without them is
// broken.
const (
	defaultEps              = 1e-5
	defaultActivation       = "gelu_new"
	defaultInitializerRange = 0.02
)

// config is a GPT-2 config.json mapped: the shared part, and what only this family reads.
type config struct {
	arch.Config
	Eps                 float64 // layer_norm_epsilon
	ActName             string  // activation_function as written
	ScaleWeights        bool    // scale_attn_weights: scores divided by √head_dim
	ScaleByInverseLayer bool    // scale_attn_by_inverse_layer_idx: scores of layer l also divided by l + 1
	InitializerRange    float64 // initializer_range: the std of synth's normal draws
}

// rawConfig mirrors config.json. Pointers tell a key that is absent from one set to its zero value.
type rawConfig struct {
	NEmbd                      *int     `json:"n_embd"`
	NLayer                     *int     `json:"n_layer"`
	NHead                      *int     `json:"n_head"`
	NInner                     *int     `json:"n_inner"` // null: 4·n_embd
	NPositions                 *int     `json:"n_positions"`
	VocabSize                  *int     `json:"vocab_size"`
	LayerNormEpsilon           *float64 `json:"layer_norm_epsilon"`
	ActivationFunction         *string  `json:"activation_function"`
	ScaleAttnWeights           *bool    `json:"scale_attn_weights"`
	ScaleAttnByInverseLayerIdx *bool    `json:"scale_attn_by_inverse_layer_idx"`
	AddCrossAttention          *bool    `json:"add_cross_attention"`
	TieWordEmbeddings          *bool    `json:"tie_word_embeddings"`
	InitializerRange           *float64 `json:"initializer_range"`
	ReorderAndUpcastAttn       *bool    `json:"reorder_and_upcast_attn"` // accepted: in float32 it changes only the rounding

	// GPT2Config's attribute_map: the same sizes under the names other families use.
	HiddenSize   *int `json:"hidden_size"`
	NumLayers    *int `json:"num_hidden_layers"`
	NumHeads     *int `json:"num_attention_heads"`
	MaxPositions *int `json:"max_position_embeddings"`
}

// parseConfig maps the bytes of a GPT-2 config.json: the sizes n_embd, n_layer, n_head, n_positions and vocab_size
// (required, positive, within arch's limits, n_head dividing n_embd; HF's attribute names hidden_size,
// num_hidden_layers, num_attention_heads and max_position_embeddings are read too and must agree), n_inner (null or
// absent: 4·n_embd), HF's defaults for the other keys, the activation from activation_function with opt applied,
// and no cross-attention. Each error is one line naming the key.
func parseConfig(data []byte, opt arch.Options) (*config, error) {
	var r rawConfig
	if err := arch.DecodeConfig(data, &r); err != nil {
		return nil, err
	}
	for _, alias := range []struct {
		key, alias string
		v          **int
		av         *int
	}{
		{"n_embd", "hidden_size", &r.NEmbd, r.HiddenSize},
		{"n_layer", "num_hidden_layers", &r.NLayer, r.NumLayers},
		{"n_head", "num_attention_heads", &r.NHead, r.NumHeads},
		{"n_positions", "max_position_embeddings", &r.NPositions, r.MaxPositions},
	} {
		switch {
		case alias.av == nil:
		case *alias.v == nil:
			*alias.v = alias.av
		case **alias.v != *alias.av:
			return nil, fmt.Errorf("keys %q (%d) and %q (%d) disagree", alias.key, **alias.v, alias.alias, *alias.av)
		}
	}
	sizes, err := arch.RequireSizes(
		arch.Size{Key: "n_embd", V: r.NEmbd, Limit: arch.MaxHidden},
		arch.Size{Key: "n_layer", V: r.NLayer, Limit: arch.MaxLayers},
		arch.Size{Key: "n_head", V: r.NHead, Limit: arch.MaxHeads},
		arch.Size{Key: "n_positions", V: r.NPositions, Limit: arch.MaxPositions},
		arch.Size{Key: "vocab_size", V: r.VocabSize, Limit: arch.MaxVocab},
	)
	if err != nil {
		return nil, err
	}
	c := &config{
		Config: arch.Config{
			ModelType: "gpt2", Hidden: sizes[0], Layers: sizes[1], Heads: sizes[2], KVHeads: sizes[2],
			MaxPositions: sizes[3], Vocab: sizes[4], FFN: 4 * sizes[0], TiedEmbeddings: true,
			Raw: append([]byte(nil), data...),
		},
		Eps: defaultEps, ActName: defaultActivation, ScaleWeights: true, InitializerRange: defaultInitializerRange,
	}
	if c.Hidden%c.Heads != 0 {
		return nil, fmt.Errorf("key \"n_head\": %d does not divide n_embd %d", c.Heads, c.Hidden)
	}
	c.HeadDim = c.Hidden / c.Heads
	if r.NInner != nil {
		if err := arch.CheckSize("n_inner", *r.NInner, arch.MaxFFN); err != nil {
			return nil, err
		}
		c.FFN = *r.NInner
	}
	if r.LayerNormEpsilon != nil {
		c.Eps = *r.LayerNormEpsilon
	}
	if err := arch.CheckEps("layer_norm_epsilon", c.Eps); err != nil {
		return nil, err
	}
	if r.InitializerRange != nil {
		if err := arch.CheckPositive("initializer_range", *r.InitializerRange); err != nil {
			return nil, err
		}
		c.InitializerRange = *r.InitializerRange
	}
	if r.ScaleAttnWeights != nil {
		c.ScaleWeights = *r.ScaleAttnWeights
	}
	if r.ScaleAttnByInverseLayerIdx != nil {
		c.ScaleByInverseLayer = *r.ScaleAttnByInverseLayerIdx
	}
	if r.AddCrossAttention != nil && *r.AddCrossAttention {
		return nil, fmt.Errorf("key \"add_cross_attention\": true is not supported (an encoder-decoder GPT-2, not a language model)")
	}
	if r.TieWordEmbeddings != nil {
		c.TiedEmbeddings = *r.TieWordEmbeddings
	}
	if r.ActivationFunction != nil {
		c.ActName = *r.ActivationFunction
	}
	if c.Activation, err = arch.ConfigActivation("activation_function", c.ActName, opt); err != nil {
		return nil, err
	}
	if total, _ := paramCounts(c); total > arch.MaxParams {
		return nil, arch.CheckParams(total)
	}
	return c, nil
}

// scale is what layer l's attention multiplies q·k by: 1/√head_dim with scale_attn_weights, times 1/(l + 1) with
// scale_attn_by_inverse_layer_idx. (HF divides twice in float32; one float32 factor differs by an ulp at most.)
func (c *config) scale(l int) float32 {
	s := 1.0
	if c.ScaleWeights {
		s /= math.Sqrt(float64(c.HeadDim))
	}
	if c.ScaleByInverseLayer {
		s /= float64(l + 1)
	}
	return float32(s)
}
