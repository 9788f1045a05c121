package llama

import (
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// Tensor names of a Hugging Face LlamaForCausalLM (MistralForCausalLM, Qwen2ForCausalLM) checkpoint outside the
// layers.
const (
	EmbedTokens = "model.embed_tokens.weight"
	FinalNorm   = "model.norm.weight"
	LMHead      = "lm_head.weight"
	layerPrefix = "model.layers."
)

// Keys of one layer's tensors: the names after LayerPrefix(l), as Block reads them from arch.Weights.
const (
	qW    = "self_attn.q_proj.weight"
	qB    = "self_attn.q_proj.bias"
	kW    = "self_attn.k_proj.weight"
	kB    = "self_attn.k_proj.bias"
	vW    = "self_attn.v_proj.weight"
	vB    = "self_attn.v_proj.bias"
	oW    = "self_attn.o_proj.weight"
	oB    = "self_attn.o_proj.bias"
	gateW = "mlp.gate_proj.weight"
	gateB = "mlp.gate_proj.bias"
	upW   = "mlp.up_proj.weight"
	upB   = "mlp.up_proj.bias"
	downW = "mlp.down_proj.weight"
	downB = "mlp.down_proj.bias"
	ln1   = "input_layernorm.weight"
	ln2   = "post_attention_layernorm.weight"
)

// Keys of the head's tensors, as Logits reads them.
const (
	keyNorm    = "norm.weight"
	keyUnembed = "unembed"
)

// LayerPrefix is the name prefix of layer l's tensors: "model.layers.<l>.".
func LayerPrefix(l int) string {
	return layerPrefix + strconv.Itoa(l) + "."
}

// LayerWeights lists layer l's tensors in state-dict order, with their shapes for hidden size d, H query heads and KV
// key/value heads of head_dim hd, and MLP width ff (linear weights [out, in], as torch stores them):
//
//	self_attn.q_proj.weight [H·hd, d],  .bias [H·hd]    (the bias with Qwen2, or Llama's attention_bias)
//	self_attn.k_proj.weight [KV·hd, d], .bias [KV·hd]   (likewise)
//	self_attn.v_proj.weight [KV·hd, d], .bias [KV·hd]   (likewise)
//	self_attn.o_proj.weight [d, H·hd],  .bias [d]       (the bias only with Llama's attention_bias)
//	mlp.gate_proj.weight [ff, d], mlp.up_proj.weight [ff, d], mlp.down_proj.weight [d, ff]
//	                                                    (biases [ff], [ff], [d] only with Llama's mlp_bias)
//	input_layernorm.weight [d], post_attention_layernorm.weight [d]
func (m *model) LayerWeights(l int) []arch.WeightSpec {
	c, p := m.c, LayerPrefix(l)
	d, ff, q, kv := c.Hidden, c.FFN, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	specs := make([]arch.WeightSpec, 0, 16)
	add := func(key string, shape ...int) {
		specs = append(specs, arch.WeightSpec{Name: p + key, Key: key, Shape: shape})
	}
	linear := func(w, b string, out, in int, bias bool) {
		add(w, out, in)
		if bias {
			add(b, out)
		}
	}
	linear(qW, qB, q, d, c.QKVBias)
	linear(kW, kB, kv, d, c.QKVBias)
	linear(vW, vB, kv, d, c.QKVBias)
	linear(oW, oB, d, q, c.OBias)
	linear(gateW, gateB, ff, d, c.MLPBias)
	linear(upW, upB, ff, d, c.MLPBias)
	linear(downW, downB, d, ff, c.MLPBias)
	add(ln1, d)
	add(ln2, d)
	return specs
}

// HeadWeights lists the final RMSNorm and the unembedding lm_head [V, d], which is embed_tokens when
// tie_word_embeddings is set.
func (m *model) HeadWeights() []arch.WeightSpec {
	d, v := m.c.Hidden, m.c.Vocab
	unembed := LMHead
	if m.c.TiedEmbeddings {
		unembed = EmbedTokens
	}
	return []arch.WeightSpec{
		{Name: FinalNorm, Key: keyNorm, Shape: []int{d}},
		{Name: unembed, Key: keyUnembed, Shape: []int{v, d}},
	}
}

// Params lists every parameter in state-dict order: embed_tokens [V, d], each layer (LayerWeights), the final norm,
// and lm_head [V, d] unless it is tied to embed_tokens.
func (m *model) Params() []arch.WeightSpec {
	return arch.StateDict([]arch.WeightSpec{{Name: EmbedTokens, Key: EmbedTokens, Shape: []int{m.c.Vocab, m.c.Hidden}}}, m.c.Layers, m.LayerWeights, m.HeadWeights(), m.c.TiedEmbeddings)
}

// ParamCounts returns the number of parameters; see paramCounts.
func (m *model) ParamCounts() (total, nonEmbed int64) { return paramCounts(m.c) }

// paramCounts counts the parameters of config c. With q = H·hd and k = KV·hd, a layer holds the projections
// d·q + 2·d·k + q·d, the MLP's 3·d·ff, two RMSNorms 2d, and the biases it has: q + 2k on q/k/v (Qwen2, Llama's
// attention_bias), d on o_proj (attention_bias), 2·ff + d on the MLP (mlp_bias). So
//
//	nonEmbed = L·layer + d                          (the final norm)
//	total    = nonEmbed + V·d·(1 if tied, else 2)
//
// nonEmbed leaves out embed_tokens and an untied lm_head. For Llama-3.2-1B (L=16, d=2048, H=32, KV=8, hd=64,
// ff=8192, V=128256, tied) that is 973,146,112 and 1,235,814,400. Sizes are taken as int64, so the counts do not
// overflow for any config within arch's limits.
func paramCounts(c *config) (total, nonEmbed int64) {
	d, ff, v, l := int64(c.Hidden), int64(c.FFN), int64(c.Vocab), int64(c.Layers)
	q, k := int64(c.Heads*c.HeadDim), int64(c.KVHeads*c.HeadDim)
	layer := 2*d*q + 2*d*k + 3*d*ff + 2*d
	if c.QKVBias {
		layer += q + 2*k
	}
	if c.OBias {
		layer += d
	}
	if c.MLPBias {
		layer += 2*ff + d
	}
	nonEmbed = l*layer + d
	embed := v * d
	if !c.TiedEmbeddings {
		embed *= 2
	}
	return nonEmbed + embed, nonEmbed
}

// rotaryBuffer is the non-parameter tensor that older conversions store in every layer (and newer ones once, as
// model.rotary_emb.inv_freq): the rotary inverse frequencies, which are recomputed from the config.
const rotaryBuffer = "rotary_emb.inv_freq"

// IsBuffer reports whether name is a tensor to ignore: rotary_emb.inv_freq under any prefix, or lm_head.weight stored
// beside a tied embed_tokens, which HF overwrites with embed_tokens.
func (m *model) IsBuffer(name string) bool {
	if name == LMHead && m.c.TiedEmbeddings {
		return true
	}
	return arch.HasName(name, rotaryBuffer)
}

// Init returns HF's _init_weights for these families: every linear and embedding weight normal(0,
// initializer_range), every bias 0, every RMSNorm weight 1. (HF also zeroes the embedding row of pad_token_id when the
// config sets one; the controls' configs set none.)
func (m *model) Init(name string) arch.Init {
	switch {
	case strings.HasSuffix(name, ".bias"):
		return arch.Init{}
	case strings.HasSuffix(name, "layernorm.weight"), name == FinalNorm:
		return arch.Init{Const: 1}
	}
	return arch.Init{Std: m.c.InitRange}
}
