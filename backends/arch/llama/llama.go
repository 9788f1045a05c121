// Package llama is the Llama architecture and its two close relatives, Mistral and Qwen2, exactly as Hugging Face's
// LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM run them in eval mode:
//
//	h = embed_tokens[ids]
//	for each layer:
//	    a_in  = input_layernorm(h)                                  RMSNorm
//	    a_out = o_proj(attention(rope(q_proj(a_in)), rope(k_proj(a_in)), v_proj(a_in)))
//	    m_res = h + a_out
//	    m_in  = post_attention_layernorm(m_res)                     RMSNorm
//	    m_out = down_proj(act(gate_proj(m_in)) · up_proj(m_in))     SwiGLU with hidden_act silu
//	    h′    = m_res + m_out
//	logits = lm_head(norm(h))                                       lm_head is embed_tokens when tied
//
// Attention is grouped-query: H query heads share KV key/value heads, query head j reading kv head j/(H/KV) as
// HF's repeat_kv has it, with scores scaled by head_dim^−½. RoPE rotates the whole head_dim in rotate_half layout,
// with rope_theta and a rope_scaling of type default, linear or llama3 (rope.go has llama3's band rule). The three families
// differ only in their config:
//
//   - llama: optional biases (attention_bias on q/k/v/o, mlp_bias on the MLP), no window;
//   - mistral: a sliding_window on every layer (null for none), no biases;
//   - qwen2: biases on q, k and v, and a window only with use_sliding_window, then from layer max_window_layers on.
//
// The package registers the three model_types "llama", "mistral" and "qwen2", each as its own family.
package llama

import (
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

func init() {
	for _, v := range []*variant{llamaVariant, mistralVariant, qwen2Variant} {
		arch.Register(&arch.Family{
			Name:        v.modelType,
			ModelTypes:  []string{v.modelType},
			New:         v.newModel,
			Presets:     v.presets,
			SynthConfig: v.synthConfig,
		})
	}
}

// model is one checkpoint's architecture.
type model struct {
	c    *config
	rope arch.Rotary
	attn []arch.Attention // per layer: the window differs between layers in Qwen2
}

// newModel maps and validates a config.json of v's model_type (see parseConfig) and returns its model.
func (v *variant) newModel(configJSON []byte, opt arch.Options) (arch.Model, error) {
	c, err := parseConfig(configJSON, v, opt)
	if err != nil {
		return nil, err
	}
	m := &model{
		c:    c,
		rope: arch.Rotary{Dims: c.HeadDim, InvFreq: c.Rope.invFreq(c.HeadDim), AttentionScaling: 1},
		attn: make([]arch.Attention, c.Layers),
	}
	for l := range m.attn {
		m.attn[l] = arch.Attention{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim,
			Scale: float32(1 / math.Sqrt(float64(c.HeadDim))), Window: c.Windows[l]}
	}
	return m, nil
}

func (m *model) Config() *arch.Config { return &m.c.Config }

// Embed returns embed_tokens' rows for ids.
func (m *model) Embed(ops arch.Ops, ids []int32, _ *arch.Batch) (arch.Tensor, error) {
	return ops.Embedding(EmbedTokens, ids)
}

// Block runs layer l (LlamaDecoderLayer) over the hidden states h [T, d] of batch in place. Biases absent from the
// checkpoint are nil in w, and Linear adds none.
func (m *model) Block(ops arch.Ops, l int, w arch.Weights, h arch.Tensor, b *arch.Batch, tap arch.Tap) {
	c, H, KV, hd := m.c, m.c.Heads, m.c.KVHeads, m.c.HeadDim
	eps := float32(c.Eps)
	tap(arch.PointH, h)

	// Attention sublayer: self_attn.
	aIn := ops.RMSNorm(h, w[ln1], eps, false) // [T, d]      a_in = input_layernorm(h)
	tap(arch.PointAttnIn, aIn)
	q := ops.Linear(aIn, w[qW], w[qB])           // [T, H·hd]   head-major
	k := ops.Linear(aIn, w[kW], w[kB])           // [T, KV·hd]
	v := ops.Linear(aIn, w[vW], w[vB])           // [T, KV·hd]
	ops.RoPE(q, H, hd, &m.rope, b)               // [T, H·hd]   every dim of each query head
	ops.RoPE(k, KV, hd, &m.rope, b)              // [T, KV·hd]  and of each key head
	ctx := ops.Attention(q, k, v, &m.attn[l], b) // [T, H·hd]   query head j reads kv head j/(H/KV)
	aOut := ops.Linear(ctx, w[oW], w[oB])        // [T, d]      a_out = o_proj(ctx)
	tap(arch.PointAttnOut, aOut)

	// MLP sublayer, reading the stream after attention.
	mRes := ops.Add(nil, h, aOut) // [T, d]      m_res = h + a_out
	tap(arch.PointMLPRes, mRes)
	mIn := ops.RMSNorm(mRes, w[ln2], eps, false) // [T, d]      m_in = post_attention_layernorm(m_res)
	tap(arch.PointMLPIn, mIn)
	gate := ops.Linear(mIn, w[gateW], w[gateB])  // [T, ff]     gate_proj
	up := ops.Linear(mIn, w[upW], w[upB])        // [T, ff]     up_proj
	ops.GatedAct(gate, up, c.Activation)         // [T, ff]     act(gate) · up, in gate
	mOut := ops.Linear(gate, w[downW], w[downB]) // [T, d]      m_out = down_proj
	tap(arch.PointMLPOut, mOut)

	ops.Add(h, mRes, mOut) // [T, d]      h′ = m_res + m_out, in place
	tap(arch.PointHOut, h)
}

// Logits returns lm_head(norm(h)), [rows, V].
func (m *model) Logits(ops arch.Ops, w arch.Weights, h arch.Tensor) arch.Tensor {
	x := ops.RMSNorm(h, w[keyNorm], float32(m.c.Eps), false) // [rows, d]
	return ops.Linear(x, w[keyUnembed], nil)                 // [rows, V]
}
