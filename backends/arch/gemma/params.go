package gemma

import (
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// Tensor names of a Hugging Face Gemma or Gemma-2 checkpoint (GemmaForCausalLM, Gemma2ForCausalLM) outside the
// layers.
const (
	EmbedTokens = "model.embed_tokens.weight"
	FinalNorm   = "model.norm.weight"
	LMHead      = "lm_head.weight" // only with tie_word_embeddings false
	layerPrefix = "model.layers."
)

// Keys of one layer's tensors: the names after LayerPrefix(l), as Block reads them from arch.Weights.
const (
	qW            = "self_attn.q_proj.weight"
	kW            = "self_attn.k_proj.weight"
	vW            = "self_attn.v_proj.weight"
	oW            = "self_attn.o_proj.weight"
	gateW         = "mlp.gate_proj.weight"
	upW           = "mlp.up_proj.weight"
	downW         = "mlp.down_proj.weight"
	inputNorm     = "input_layernorm.weight"
	postAttnNorm  = "post_attention_layernorm.weight"   // Gemma: the MLP's pre-norm; Gemma-2: after attention
	preFFNorm     = "pre_feedforward_layernorm.weight"  // Gemma-2 only
	postFFNorm    = "post_feedforward_layernorm.weight" // Gemma-2 only
	keyFinalNorm  = "norm.weight"
	keyUnembed    = "unembed"
	bufferInvFreq = "rotary_emb.inv_freq"
)

// LayerPrefix is the name prefix of layer l's tensors: "model.layers.<l>.".
func LayerPrefix(l int) string {
	return layerPrefix + strconv.Itoa(l) + "."
}

// LayerWeights lists layer l's tensors in state-dict order, with their shapes for hidden size d, H query heads and
// KV key/value heads of head_dim hd, and MLP width ff (linear weights [out, in], none with a bias):
//
//	self_attn.q_proj [H·hd, d], k_proj and v_proj [KV·hd, d], o_proj [d, H·hd]
//	mlp.gate_proj and up_proj [ff, d], down_proj [d, ff]
//	input_layernorm, post_attention_layernorm [d]
//	pre_feedforward_layernorm, post_feedforward_layernorm [d]   (Gemma-2)
func (m *model) LayerWeights(l int) []arch.WeightSpec {
	c, p := m.c, LayerPrefix(l)
	d, q, kv := c.Hidden, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	specs := make([]arch.WeightSpec, 0, 11)
	add := func(key string, shape ...int) {
		specs = append(specs, arch.WeightSpec{Name: p + key, Key: key, Shape: shape})
	}
	add(qW, q, d)
	add(kW, kv, d)
	add(vW, kv, d)
	add(oW, d, q)
	add(gateW, c.FFN, d)
	add(upW, c.FFN, d)
	add(downW, d, c.FFN)
	add(inputNorm, d)
	add(postAttnNorm, d)
	if c.Gemma2 {
		add(preFFNorm, d)
		add(postFFNorm, d)
	}
	return specs
}

// HeadWeights lists the final norm and the unembedding [V, d]: embed_tokens, unless tie_word_embeddings is false and
// lm_head has its own.
func (m *model) HeadWeights() []arch.WeightSpec {
	d, v := m.c.Hidden, m.c.Vocab
	unembed := EmbedTokens
	if !m.c.TiedEmbeddings {
		unembed = LMHead
	}
	return []arch.WeightSpec{
		{Name: FinalNorm, Key: keyFinalNorm, Shape: []int{d}},
		{Name: unembed, Key: keyUnembed, Shape: []int{v, d}},
	}
}

// Params lists every parameter in state-dict order: embed_tokens [V, d], each layer (LayerWeights), the final norm,
// and lm_head [V, d] when it is not tied.
func (m *model) Params() []arch.WeightSpec {
	return arch.StateDict([]arch.WeightSpec{{Name: EmbedTokens, Key: EmbedTokens, Shape: []int{m.c.Vocab, m.c.Hidden}}}, m.c.Layers, m.LayerWeights, m.HeadWeights(), m.c.TiedEmbeddings)
}

// ParamCounts returns the number of parameters; see paramCounts.
func (m *model) ParamCounts() (total, nonEmbed int64) { return paramCounts(m.c) }

// paramCounts counts the parameters of config c. Per layer there are d·hd·(2H + 2KV) in the attention projections,
// 3·d·ff in the MLP and n·d in the norms (n = 2 for Gemma, 4 for Gemma-2), so
//
//	nonEmbed = L·(d·hd·(2H + 2KV) + 3·d·ff + n·d) + d
//	total    = nonEmbed + V·d·(1 if tied, else 2)
//
// nonEmbed leaves out embed_tokens and an untied lm_head. For Gemma-2 2B (L=26, d=2304, H=8, KV=4, hd=256, ff=9216,
// V=256000) that is 2,024,517,888 and 2,614,341,888. Sizes are taken as int64, so the counts do not overflow for any
// config within arch's limits.
func paramCounts(c *config) (total, nonEmbed int64) {
	d, hd, ff, v, l := int64(c.Hidden), int64(c.HeadDim), int64(c.FFN), int64(c.Vocab), int64(c.Layers)
	h, kv := int64(c.Heads), int64(c.KVHeads)
	norms := int64(2)
	if c.Gemma2 {
		norms = 4
	}
	nonEmbed = l*(d*hd*(2*h+2*kv)+3*d*ff+norms*d) + d
	embed := v * d
	if !c.TiedEmbeddings {
		embed *= 2
	}
	return nonEmbed + embed, nonEmbed
}

// IsBuffer reports whether name is a tensor to ignore: rotary_emb.inv_freq under any prefix (RoPE is recomputed from
// the config), or lm_head.weight stored beside a tied embed_tokens, which HF overwrites with embed_tokens.
func (m *model) IsBuffer(name string) bool {
	if name == LMHead && m.c.TiedEmbeddings {
		return true
	}
	return arch.HasName(name, bufferInvFreq)
}

// Init returns Gemma's _init_weights: every linear weight and the embedding normal(0, initializer_range) (0.02 in
// the released configs), and every norm weight 0, since the norms scale by (1 + w). (HF also zeroes the embedding row
// of pad_token_id; a per-tensor Init cannot say that, so that row is drawn like the others.)
func (m *model) Init(name string) arch.Init {
	if name == FinalNorm || strings.HasSuffix(name, "layernorm.weight") {
		return arch.Init{}
	}
	return arch.Init{Std: m.c.InitializerRange}
}
