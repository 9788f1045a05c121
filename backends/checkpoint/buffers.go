package checkpoint

import "strings"

// bufferSuffixes are the non-parameter tensors that Hugging Face checkpoints carry: GPT-NeoX's causal mask and
// masked-score constant (attention.bias, attention.masked_bias), GPT-2's (attn.bias, attn.masked_bias), and rotary
// inverse frequencies (rotary_emb.inv_freq). They are derived from the config, may have any dtype (BOOL, U8, F32),
// and are skipped when a file is read. Whether a model expects a tensor is its architecture's business (package
// arch); this list only keeps the readers from refusing a buffer's dtype.
var bufferSuffixes = []string{"attention.bias", "attention.masked_bias", "attn.bias", "attn.masked_bias", "rotary_emb.inv_freq"}

// IsBuffer reports whether name is a non-parameter buffer (see bufferSuffixes), under any prefix. Parameters such as
// attention.dense.bias, attention.query_key_value.bias and attn.c_attn.bias are not buffers.
func IsBuffer(name string) bool {
	for _, s := range bufferSuffixes {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}
