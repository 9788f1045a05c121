package gptneox

import (
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// Tensor names of a Hugging Face GPT-NeoX checkpoint (GPTNeoXForCausalLM) outside the layers.
const (
	EmbedIn     = "gpt_neox.embed_in.weight"
	FinalNormW  = "gpt_neox.final_layer_norm.weight"
	FinalNormB  = "gpt_neox.final_layer_norm.bias"
	EmbedOut    = "embed_out.weight"
	layerPrefix = "gpt_neox.layers."
)

// Keys of one layer's tensors: the names after LayerPrefix(l), as Block reads them from arch.Weights.
const (
	ln1W   = "input_layernorm.weight"
	ln1B   = "input_layernorm.bias"
	ln2W   = "post_attention_layernorm.weight"
	ln2B   = "post_attention_layernorm.bias"
	qkvW   = "attention.query_key_value.weight"
	qkvB   = "attention.query_key_value.bias"
	denseW = "attention.dense.weight"
	denseB = "attention.dense.bias"
	upW    = "mlp.dense_h_to_4h.weight"
	upB    = "mlp.dense_h_to_4h.bias"
	downW  = "mlp.dense_4h_to_h.weight"
	downB  = "mlp.dense_4h_to_h.bias"
)

// Keys of the head's tensors, as Logits reads them.
const (
	keyFinalW  = "final_layer_norm.weight"
	keyFinalB  = "final_layer_norm.bias"
	keyUnembed = "unembed"
)

// LayerPrefix is the name prefix of layer l's tensors: "gpt_neox.layers.<l>.".
func LayerPrefix(l int) string {
	return layerPrefix + strconv.Itoa(l) + "."
}

// LayerWeights lists layer l's tensors in state-dict order, with their shapes for hidden size d and MLP width ff
// (linear weights [out, in], as torch stores them):
//
//	input_layernorm.{weight,bias}            [d]
//	post_attention_layernorm.{weight,bias}   [d]
//	attention.query_key_value.weight [3d, d], .bias [3d]   (the bias only with attention_bias)
//	attention.dense.weight [d, d], .bias [d]                (likewise)
//	mlp.dense_h_to_4h.weight [ff, d], .bias [ff]
//	mlp.dense_4h_to_h.weight [d, ff], .bias [d]
func (m *model) LayerWeights(l int) []arch.WeightSpec {
	d, ff, p := m.c.Hidden, m.c.FFN, LayerPrefix(l)
	specs := make([]arch.WeightSpec, 0, 12)
	add := func(key string, shape ...int) {
		specs = append(specs, arch.WeightSpec{Name: p + key, Key: key, Shape: shape})
	}
	add(ln1W, d)
	add(ln1B, d)
	add(ln2W, d)
	add(ln2B, d)
	add(qkvW, 3*d, d)
	if m.c.AttnBias {
		add(qkvB, 3*d)
	}
	add(denseW, d, d)
	if m.c.AttnBias {
		add(denseB, d)
	}
	add(upW, ff, d)
	add(upB, ff)
	add(downW, d, ff)
	add(downB, d)
	return specs
}

// HeadWeights lists the final LayerNorm and the unembedding embed_out [V, d], which is embed_in when
// tie_word_embeddings is set.
func (m *model) HeadWeights() []arch.WeightSpec {
	d, v := m.c.Hidden, m.c.Vocab
	unembed := EmbedOut
	if m.c.TiedEmbeddings {
		unembed = EmbedIn
	}
	return []arch.WeightSpec{
		{Name: FinalNormW, Key: keyFinalW, Shape: []int{d}},
		{Name: FinalNormB, Key: keyFinalB, Shape: []int{d}},
		{Name: unembed, Key: keyUnembed, Shape: []int{v, d}},
	}
}

// Params lists every parameter in state-dict order: embed_in [V, d], each layer (LayerWeights), the final
// LayerNorm, and embed_out [V, d] unless it is tied to embed_in.
func (m *model) Params() []arch.WeightSpec {
	return arch.StateDict([]arch.WeightSpec{{Name: EmbedIn, Key: EmbedIn, Shape: []int{m.c.Vocab, m.c.Hidden}}}, m.c.Layers, m.LayerWeights, m.HeadWeights(), m.c.TiedEmbeddings)
}

// ParamCounts returns the number of parameters; see paramCounts.
func (m *model) ParamCounts() (total, nonEmbed int64) { return paramCounts(m.c) }

// paramCounts counts the parameters of config c. Per layer there are 4d (two LayerNorms) + 3d² + 3d (qkv) + d² + d
// (dense) + 2·d·ff + ff + d (MLP), less the 4d attention biases without attention_bias, so
//
//	nonEmbed = L·(4d² + 2·d·ff + 9d + ff) + 2d
//	total    = nonEmbed + V·d·(1 if tied, else 2)
//
// nonEmbed leaves out the input embedding and the unembedding. For Pythia-70M (L=6, d=512, ff=2048, V=50304) that is
// 18,915,328 and 70,426,624. Sizes are taken as int64, so the counts do not overflow for any config within arch's
// limits.
func paramCounts(c *config) (total, nonEmbed int64) {
	d, ff, v, l := int64(c.Hidden), int64(c.FFN), int64(c.Vocab), int64(c.Layers)
	perLayer := 4*d*d + 2*d*ff + 9*d + ff
	if !c.AttnBias {
		perLayer -= 4 * d
	}
	nonEmbed = l*perLayer + 2*d
	embed := v * d
	if !c.TiedEmbeddings {
		embed *= 2
	}
	return nonEmbed + embed, nonEmbed
}

// bufferSuffixes are the non-parameter tensors that GPT-NeoX checkpoints may carry: the causal mask, the masked-score
// constant and the rotary inverse frequencies. They are derived from the config and are ignored.
var bufferSuffixes = []string{"attention.bias", "attention.masked_bias", "rotary_emb.inv_freq"}

// IsBuffer reports whether name is a tensor to ignore: a buffer (attention.bias, attention.masked_bias,
// rotary_emb.inv_freq, under any prefix; attention.dense.bias and attention.query_key_value.bias are parameters),
// or embed_out.weight stored beside a tied embed_in, which HF overwrites with embed_in.
func (m *model) IsBuffer(name string) bool {
	if name == EmbedOut && m.c.TiedEmbeddings {
		return true
	}
	return arch.HasName(name, bufferSuffixes...)
}

// Init returns GPT-NeoX's initialisation for Pythia (init_method "small_init", output_layer_init_method
// "wang_init"):
//
//	embed_in, query_key_value, dense_h_to_4h, embed_out weights: normal(0, σ), σ = √(2/(5d))    (small_init)
//	attention.dense, dense_4h_to_h weights:                      normal(0, σ), σ = 2/(L·√d)   (wang_init)
//	every bias: 0;  every LayerNorm: weight 1, bias 0
//
// with d the hidden size and L the number of layers. For d=64, L=2 σ is 0.0791 and 0.125.
func (m *model) Init(name string) arch.Init {
	d, l := float64(m.c.Hidden), float64(m.c.Layers)
	switch {
	case strings.HasSuffix(name, ".bias"):
		return arch.Init{}
	case strings.Contains(name, "layernorm"), strings.Contains(name, "layer_norm"):
		return arch.Init{Const: 1}
	case strings.HasSuffix(name, denseW), strings.HasSuffix(name, downW):
		return arch.Init{Std: 2 / (l * math.Sqrt(d))}
	}
	return arch.Init{Std: math.Sqrt(2 / (5 * d))}
}
