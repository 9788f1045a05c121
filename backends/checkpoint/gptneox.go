package checkpoint

import (
	"strconv"
	"strings"
)

// Tensor names of a Hugging Face GPT-NeoX checkpoint (GPTNeoXForCausalLM) outside the layers.
const (
	EmbedIn        = "gpt_neox.embed_in.weight"
	FinalNormW     = "gpt_neox.final_layer_norm.weight"
	FinalNormB     = "gpt_neox.final_layer_norm.bias"
	EmbedOut       = "embed_out.weight"
	layerPrefixTop = "gpt_neox.layers."
)

// LayerPrefix is the name prefix of layer i's tensors: "gpt_neox.layers.<i>.".
func LayerPrefix(i int) string {
	return layerPrefixTop + strconv.Itoa(i) + "."
}

// layerShapes lists the tensors of one GPT-NeoX layer, as suffixes of LayerPrefix, with their shapes for hidden size
// d and MLP width ff. Linear weights are stored [out, in] as in PyTorch.
func layerShapes(d, ff int) []struct {
	suffix string
	shape  []int
} {
	return []struct {
		suffix string
		shape  []int
	}{
		{"input_layernorm.weight", []int{d}},
		{"input_layernorm.bias", []int{d}},
		{"post_attention_layernorm.weight", []int{d}},
		{"post_attention_layernorm.bias", []int{d}},
		{"attention.query_key_value.weight", []int{3 * d, d}},
		{"attention.query_key_value.bias", []int{3 * d}},
		{"attention.dense.weight", []int{d, d}},
		{"attention.dense.bias", []int{d}},
		{"mlp.dense_h_to_4h.weight", []int{ff, d}},
		{"mlp.dense_h_to_4h.bias", []int{ff}},
		{"mlp.dense_4h_to_h.weight", []int{d, ff}},
		{"mlp.dense_4h_to_h.bias", []int{d}},
	}
}

// ExpectedShapes returns every parameter tensor of a GPT-NeoX checkpoint with config c, name -> shape:
//
//	gpt_neox.embed_in.weight [V, d]
//	gpt_neox.layers.i.{input,post_attention}_layernorm.{weight,bias} [d]
//	gpt_neox.layers.i.attention.query_key_value.weight [3d, d], .bias [3d]
//	gpt_neox.layers.i.attention.dense.weight [d, d], .bias [d]
//	gpt_neox.layers.i.mlp.dense_h_to_4h.weight [ff, d], .bias [ff]
//	gpt_neox.layers.i.mlp.dense_4h_to_h.weight [d, ff], .bias [d]
//	gpt_neox.final_layer_norm.{weight,bias} [d]
//	embed_out.weight [V, d]   (left out when tie_word_embeddings is true: it is embed_in)
//
// Buffers (see IsBuffer) are not parameters and are not listed.
func ExpectedShapes(c *Config) map[string][]int {
	specs := ParamSpecs(c)
	m := make(map[string][]int, len(specs))
	for _, s := range specs {
		m[s.Name] = s.Shape
	}
	return m
}

// ParamSpecs lists the parameters of ExpectedShapes in the order of a PyTorch state dict: embed_in, then each layer
// (input_layernorm, post_attention_layernorm, attention.query_key_value, attention.dense, mlp.dense_h_to_4h,
// mlp.dense_4h_to_h, weight before bias), the final LayerNorm, and embed_out when it is not tied.
func ParamSpecs(c *Config) []TensorSpec {
	d, ff, v := c.HiddenSize, c.IntermediateSize, c.VocabSize
	specs := make([]TensorSpec, 0, 12*max(c.NumLayers, 0)+4)
	specs = append(specs, TensorSpec{EmbedIn, []int{v, d}})
	for i := 0; i < c.NumLayers; i++ {
		p := LayerPrefix(i)
		for _, t := range layerShapes(d, ff) {
			specs = append(specs, TensorSpec{p + t.suffix, t.shape})
		}
	}
	specs = append(specs, TensorSpec{FinalNormW, []int{d}}, TensorSpec{FinalNormB, []int{d}})
	if !c.TieWordEmbeddings {
		specs = append(specs, TensorSpec{EmbedOut, []int{v, d}})
	}
	return specs
}

// ParamCounts returns the number of parameters of a GPT-NeoX model with config c. total counts every parameter: the
// input embedding, every layer, the final LayerNorm and, when it is not tied, the unembedding. nonEmbed leaves out the
// input embedding and the unembedding. Per layer there are 4d (two LayerNorms) + 3d²+3d (qkv) + d²+d (dense) +
// 2·d·ff+ff+d (MLP) parameters, so
//
//	nonEmbed = L·(4d² + 2·d·ff + 9d + ff) + 2d
//	total    = nonEmbed + V·d·(1 if tied, else 2)
//
// For Pythia-70M (L=6, d=512, ff=2048, V=50304) that is 18,915,328 and 70,426,624. Sizes are taken as int64, so
// the counts do not overflow for any configuration that Validate's limits allow.
func ParamCounts(c *Config) (total, nonEmbed int64) {
	d, ff, v, l := int64(c.HiddenSize), int64(c.IntermediateSize), int64(c.VocabSize), int64(c.NumLayers)
	perLayer := 4*d*d + 2*d*ff + 9*d + ff
	nonEmbed = l*perLayer + 2*d
	embed := v * d
	if !c.TieWordEmbeddings {
		embed *= 2
	}
	return nonEmbed + embed, nonEmbed
}

// bufferSuffixes are the non-parameter tensors that GPT-NeoX checkpoints may carry: the causal mask, the masked-score
// constant and the rotary inverse frequencies. They are derived from the config and are ignored.
var bufferSuffixes = []string{"attention.bias", "attention.masked_bias", "rotary_emb.inv_freq"}

// IsBuffer reports whether name is a non-parameter buffer (attention.bias, attention.masked_bias, rotary_emb.inv_freq,
// under any prefix). Note that attention.dense.bias and attention.query_key_value.bias are parameters.
func IsBuffer(name string) bool {
	for _, s := range bufferSuffixes {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}
