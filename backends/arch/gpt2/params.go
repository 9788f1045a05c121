package gpt2

import (
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// Tensor names of a Hugging Face GPT-2 checkpoint outside the layers, after the prefix: GPT2LMHeadModel saves
// "transformer.wte.weight", GPT2Model (as openai-community/gpt2 was saved) "wte.weight". lm_head has no prefix and
// exists only with tie_word_embeddings false.
const (
	Prefix      = "transformer."
	wte         = "wte.weight"
	wpe         = "wpe.weight"
	lnFW        = "ln_f.weight"
	lnFB        = "ln_f.bias"
	LMHead      = "lm_head.weight"
	layerPrefix = "h."
)

// Keys of one layer's tensors: the names after the layer's prefix, as Block reads them from arch.Weights. Conv1D
// weights are stored [in, out].
const (
	ln1W     = "ln_1.weight"
	ln1B     = "ln_1.bias"
	cAttnW   = "attn.c_attn.weight"
	cAttnB   = "attn.c_attn.bias"
	attnOutW = "attn.c_proj.weight"
	attnOutB = "attn.c_proj.bias"
	ln2W     = "ln_2.weight"
	ln2B     = "ln_2.bias"
	fcW      = "mlp.c_fc.weight"
	fcB      = "mlp.c_fc.bias"
	mlpOutW  = "mlp.c_proj.weight"
	mlpOutB  = "mlp.c_proj.bias"
)

// Keys of the head's tensors, as Logits reads them.
const (
	keyLnFW    = lnFW
	keyLnFB    = lnFB
	keyUnembed = "unembed"
)

// bufferSuffixes are GPT2Attention's non-parameter tensors, which checkpoints often store (attn.bias as F32 even in
// an F16 file): the causal mask and the masked-score constant. They are ignored by name.
var bufferSuffixes = []string{"attn.bias", "attn.masked_bias"}

// BindNames takes the "transformer." prefix when the checkpoint's tensors carry it and no prefix otherwise.
func (m *model) BindNames(stored []string) {
	m.prefix = ""
	for _, n := range stored {
		if strings.HasPrefix(n, Prefix) {
			m.prefix = Prefix
			return
		}
	}
}

// layerName is the full name of layer l's tensor key.
func (m *model) layerName(l int, key string) string {
	return m.prefix + layerPrefix + strconv.Itoa(l) + "." + key
}

// LayerWeights lists layer l's tensors in state-dict order, with their shapes for width d and MLP width ff:
//
//	ln_1.{weight,bias} [d]
//	attn.c_attn.weight [d, 3d] (InOut), .bias [3d]
//	attn.c_proj.weight [d, d] (InOut), .bias [d]
//	ln_2.{weight,bias} [d]
//	mlp.c_fc.weight [d, ff] (InOut), .bias [ff]
//	mlp.c_proj.weight [ff, d] (InOut), .bias [d]
func (m *model) LayerWeights(l int) []arch.WeightSpec {
	d, ff := m.c.Hidden, m.c.FFN
	specs := make([]arch.WeightSpec, 0, 12)
	add := func(key string, layout arch.Layout, shape ...int) {
		specs = append(specs, arch.WeightSpec{Name: m.layerName(l, key), Key: key, Shape: shape, Layout: layout})
	}
	add(ln1W, arch.OutIn, d)
	add(ln1B, arch.OutIn, d)
	add(cAttnW, arch.InOut, d, 3*d)
	add(cAttnB, arch.OutIn, 3*d)
	add(attnOutW, arch.InOut, d, d)
	add(attnOutB, arch.OutIn, d)
	add(ln2W, arch.OutIn, d)
	add(ln2B, arch.OutIn, d)
	add(fcW, arch.InOut, d, ff)
	add(fcB, arch.OutIn, ff)
	add(mlpOutW, arch.InOut, ff, d)
	add(mlpOutB, arch.OutIn, d)
	return specs
}

// HeadWeights lists ln_f and the unembedding [V, d]: wte, unless tie_word_embeddings is false and lm_head has its own.
func (m *model) HeadWeights() []arch.WeightSpec {
	d, v := m.c.Hidden, m.c.Vocab
	unembed := m.prefix + wte
	if !m.c.TiedEmbeddings {
		unembed = LMHead
	}
	return []arch.WeightSpec{
		{Name: m.prefix + lnFW, Key: keyLnFW, Shape: []int{d}},
		{Name: m.prefix + lnFB, Key: keyLnFB, Shape: []int{d}},
		{Name: unembed, Key: keyUnembed, Shape: []int{v, d}},
	}
}

// Params lists every parameter in state-dict order: wte [V, d], wpe [n_positions, d], each layer (LayerWeights),
// ln_f, and lm_head [V, d] when it is not tied.
func (m *model) Params() []arch.WeightSpec {
	return arch.StateDict([]arch.WeightSpec{
		{Name: m.prefix + wte, Key: wte, Shape: []int{m.c.Vocab, m.c.Hidden}},
		{Name: m.prefix + wpe, Key: wpe, Shape: []int{m.c.MaxPositions, m.c.Hidden}},
	}, m.c.Layers, m.LayerWeights, m.HeadWeights(), m.c.TiedEmbeddings)
}

// ParamCounts returns the number of parameters; see paramCounts.
func (m *model) ParamCounts() (total, nonEmbed int64) { return paramCounts(m.c) }

// paramCounts counts the parameters of config c. Per layer there are 4d (two LayerNorms) + 3d² + 3d (c_attn) + d² + d
// (attn.c_proj) + d·ff + ff (c_fc) + ff·d + d (mlp.c_proj), so with P = n_positions
//
//	nonEmbed = L·(4d² + 2·d·ff + 9d + ff) + 2d
//	total    = nonEmbed + V·d + P·d (+ V·d for an untied lm_head)
//
// nonEmbed leaves out wte, wpe and an untied lm_head. For GPT-2 (L=12, d=768, ff=3072, V=50257, P=1024) that is
// 85,056,000 and 124,439,808. Sizes are taken as int64, so the counts do not overflow for any config within arch's
// limits.
func paramCounts(c *config) (total, nonEmbed int64) {
	d, ff, v, p, l := int64(c.Hidden), int64(c.FFN), int64(c.Vocab), int64(c.MaxPositions), int64(c.Layers)
	nonEmbed = l*(4*d*d+2*d*ff+9*d+ff) + 2*d
	total = nonEmbed + v*d + p*d
	if !c.TiedEmbeddings {
		total += v * d
	}
	return total, nonEmbed
}

// IsBuffer reports whether name is a tensor to ignore: attn.bias or attn.masked_bias under any prefix (the biases of
// attn.c_attn and attn.c_proj are parameters), or lm_head.weight stored beside a tied wte, which HF overwrites with wte.
func (m *model) IsBuffer(name string) bool {
	if name == LMHead && m.c.TiedEmbeddings {
		return true
	}
	return arch.HasName(name, bufferSuffixes...)
}

// Init returns GPT-2's _init_weights:
//
//	wte, wpe, c_attn, c_fc (and an untied lm_head) weights: normal(0, σ), σ = initializer_range (0.02)
//	attn.c_proj and mlp.c_proj weights:                     normal(0, σ/√(2·n_layer))
//	every bias: 0;  LayerNorm: weight 1, bias 0
func (m *model) Init(name string) arch.Init {
	sigma := m.c.InitializerRange
	switch {
	case strings.HasSuffix(name, ".bias"):
		return arch.Init{}
	case strings.HasSuffix(name, ln1W), strings.HasSuffix(name, ln2W), strings.HasSuffix(name, lnFW):
		return arch.Init{Const: 1}
	case strings.HasSuffix(name, "c_proj.weight"):
		return arch.Init{Std: sigma / math.Sqrt(2*float64(m.c.Layers))}
	}
	return arch.Init{Std: sigma}
}
