// Package gemma is the Gemma and Gemma-2 architectures, exactly as Hugging Face's GemmaForCausalLM and
// Gemma2ForCausalLM run them in eval mode. N(x) is an RMSNorm scaled by (1 + w), in float32:
//
//	h = embed_tokens[ids] · √d                        (√d rounded to float32)
//	for each layer:
//	    a_in  = N_input(h)
//	    a_out = o_proj(attention(rope(q_proj(a_in)), rope(k_proj(a_in)), v_proj(a_in)))
//	    Gemma:    a_add = a_out                       m_in = N_post_attention(h + a_add)
//	    Gemma-2:  a_add = N_post_attention(a_out)     m_in = N_pre_feedforward(h + a_add)
//	    m_out = down_proj(act(gate_proj(m_in)) ⊙ up_proj(m_in))
//	    Gemma:    m_add = m_out
//	    Gemma-2:  m_add = N_post_feedforward(m_out)
//	    h′ = (h + a_add) + m_add
//	logits = embed_tokens(N_norm(h))                  (Gemma-2: then 30·tanh(logits/30), final_logit_softcapping)
//
// Attention is grouped-query (query head j reads kv head j/(H/KV)) over head_dim, a size of its own rather than d/H,
// with rotary embeddings on the whole head. Gemma scales scores by head_dim^−½; Gemma-2 by query_pre_attn_scalar^−½,
// soft-caps them to 50·tanh(s/50) before the mask (attn_logit_softcapping), and on the layers that slide (layer_types,
// or the even layers without it) lets query q see only keys q − W < k ≤ q, W = sliding_window. The activation is
// hidden_activation, else hidden_act (gelu_pytorch_tanh: the tanh GELU). The package registers the families "gemma"
// and "gemma2" for those model_type values.
package gemma

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

func init() {
	arch.Register(&arch.Family{
		Name:        "gemma",
		ModelTypes:  []string{"gemma"},
		New:         func(js []byte, opt arch.Options) (arch.Model, error) { return newModel(js, "gemma", opt) },
		Presets:     gemmaPresets,
		SynthConfig: func(s arch.Shape, extra map[string]any) ([]byte, error) { return synthConfig("gemma", s, extra) },
	})
	arch.Register(&arch.Family{
		Name:        "gemma2",
		ModelTypes:  []string{"gemma2"},
		New:         func(js []byte, opt arch.Options) (arch.Model, error) { return newModel(js, "gemma2", opt) },
		Presets:     gemma2Presets,
		SynthConfig: func(s arch.Shape, extra map[string]any) ([]byte, error) { return synthConfig("gemma2", s, extra) },
	})
}

// model is one Gemma or Gemma-2 checkpoint's architecture.
type model struct {
	c    *config
	rope arch.Rotary
	attn []arch.Attention // per layer: Gemma-2's windows differ between layers
}

// newModel maps and validates a config.json of modelType "gemma" or "gemma2" (see parseConfig) and returns its model.
func newModel(configJSON []byte, modelType string, opt arch.Options) (arch.Model, error) {
	c, err := parseConfig(configJSON, modelType, opt)
	if err != nil {
		return nil, err
	}
	m := &model{
		c:    c,
		rope: arch.Rotary{Dims: c.HeadDim, InvFreq: arch.RopeInvFreq(c.HeadDim, c.RopeTheta), AttentionScaling: 1},
		attn: make([]arch.Attention, c.Layers),
	}
	for l := range m.attn {
		m.attn[l] = arch.Attention{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim, Scale: c.scale(),
			SoftCap: float32(c.AttnSoftCap)}
		if c.Gemma2 && c.Sliding[l] {
			m.attn[l].Window = c.Window
		}
	}
	return m, nil
}

func (m *model) Config() *arch.Config { return &m.c.Config }

// Embed returns embed_tokens' rows for ids times √d, the normaliser HF makes a tensor of the compute dtype: √d
// rounded to float32 here, since scalefit computes in float32 (HF in bfloat16 rounds it to bfloat16; docs/gains.md).
func (m *model) Embed(ops arch.Ops, ids []int32, _ *arch.Batch) (arch.Tensor, error) {
	h, err := ops.Embedding(EmbedTokens, ids) // [T, d]
	if err != nil {
		return nil, err
	}
	ops.Scale(h, float32(math.Sqrt(float64(m.c.Hidden)))) // [T, d]  h · √d
	return h, nil
}

// Block runs layer l over the hidden states h [T, d] of batch in place, tapping a_add and m_add where Gemma-2's
// post-norms make them differ from a_out and m_out.
func (m *model) Block(ops arch.Ops, l int, w arch.Weights, h arch.Tensor, b *arch.Batch, tap arch.Tap) {
	c, eps := m.c, float32(m.c.Eps)
	norm := func(x arch.Tensor, key string) arch.Tensor { return ops.RMSNorm(x, w[key], eps, true) } // x̂·(1 + w)
	tap(arch.PointH, h)

	// Attention sublayer.
	aIn := norm(h, inputNorm) // [T, d]      a_in = N_input(h)
	tap(arch.PointAttnIn, aIn)
	q := ops.Linear(aIn, w[qW], nil)              // [T, H·hd]
	k := ops.Linear(aIn, w[kW], nil)              // [T, KV·hd]
	v := ops.Linear(aIn, w[vW], nil)              // [T, KV·hd]
	ops.RoPE(q, c.Heads, c.HeadDim, &m.rope, b)   // [T, H·hd]   rotary on every dim of each head
	ops.RoPE(k, c.KVHeads, c.HeadDim, &m.rope, b) // [T, KV·hd]
	ctx := ops.Attention(q, k, v, &m.attn[l], b)  // [T, H·hd]   heads merged head-major
	aOut := ops.Linear(ctx, w[oW], nil)           // [T, d]      a_out = o_proj(ctx)
	tap(arch.PointAttnOut, aOut)
	aAdd, mlpNorm := aOut, postAttnNorm // Gemma: post_attention_layernorm is the MLP's pre-norm
	if c.Gemma2 {
		aAdd, mlpNorm = norm(aOut, postAttnNorm), preFFNorm // [T, d]  a_add = N_post_attention(a_out)
		tap(arch.PointAttnAdd, aAdd)
	}

	// MLP sublayer, reading the stream m_res = h + a_add.
	mRes := ops.Add(nil, h, aAdd) // [T, d]
	tap(arch.PointMLPRes, mRes)
	mIn := norm(mRes, mlpNorm) // [T, d]      m_in = N(m_res)
	tap(arch.PointMLPIn, mIn)
	gate := ops.Linear(mIn, w[gateW], nil)  // [T, ff]
	up := ops.Linear(mIn, w[upW], nil)      // [T, ff]
	ops.GatedAct(gate, up, c.Activation)    // [T, ff]     gate ← act(gate) ⊙ up
	mOut := ops.Linear(gate, w[downW], nil) // [T, d]      m_out = down_proj(…)
	tap(arch.PointMLPOut, mOut)
	mAdd := mOut
	if c.Gemma2 {
		mAdd = norm(mOut, postFFNorm) // [T, d]      m_add = N_post_feedforward(m_out)
		tap(arch.PointMLPAdd, mAdd)
	}

	ops.Add(h, mRes, mAdd) // h′ = (h + a_add) + m_add, in place
	tap(arch.PointHOut, h)
}

// Logits returns the unembedding of the final norm of h, [rows, V], soft-capped for Gemma-2 as
// final_logit_softcapping says.
func (m *model) Logits(ops arch.Ops, w arch.Weights, h arch.Tensor) arch.Tensor {
	x := ops.RMSNorm(h, w[keyFinalNorm], float32(m.c.Eps), true) // [rows, d]
	logits := ops.Linear(x, w[keyUnembed], nil)                  // [rows, V]
	if m.c.FinalSoftCap > 0 {
		ops.SoftCap(logits, float32(m.c.FinalSoftCap)) // [rows, V]  c·tanh(logits/c)
	}
	return logits
}

// gemmaPresets are tiny Gemma shapes for tests (head_dim 24 ≠ d/H = 16, multi-query); the registry holds no Gemma
// (v1) model.
var gemmaPresets = []arch.Preset{
	{Name: "gemma-tiny", Note: "tiny Gemma test model (multi-query, head_dim 24)",
		Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 1, FFN: 256, Vocab: 512},
		Extra: map[string]any{"head_dim": 24}},
}

// gemma2Presets are the Gemma-2 models of the registry (exact shapes, with their head_dim and
// query_pre_attn_scalar), followed by a tiny shape for tests.
var gemma2Presets = []arch.Preset{
	{Name: "gemma-2-2b", Note: "Gemma-2 2B shape",
		Shape: arch.Shape{Layers: 26, Hidden: 2304, Heads: 8, KVHeads: 4, FFN: 9216, Vocab: 256000},
		Extra: map[string]any{"head_dim": 256, "query_pre_attn_scalar": 256}},
	{Name: "gemma-2-9b", Note: "Gemma-2 9B shape",
		Shape: arch.Shape{Layers: 42, Hidden: 3584, Heads: 16, KVHeads: 8, FFN: 14336, Vocab: 256000},
		Extra: map[string]any{"head_dim": 256, "query_pre_attn_scalar": 256}},
	{Name: "gemma-2-27b", Note: "Gemma-2 27B shape",
		Shape: arch.Shape{Layers: 46, Hidden: 4608, Heads: 32, KVHeads: 16, FFN: 36864, Vocab: 256000},
		Extra: map[string]any{"head_dim": 128, "query_pre_attn_scalar": 144}},
	{Name: "gemma2-tiny", Note: "tiny Gemma-2 test model (GQA 4/2, window 8 on the even layers)",
		Shape: arch.Shape{Layers: 3, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 512},
		Extra: map[string]any{"head_dim": 32, "query_pre_attn_scalar": 32, "sliding_window": 8}},
}

// synthConfig renders the config.json of a random-init Gemma or Gemma-2 of shape s as Google's releases write it
// (google/gemma-7b's keys, or google/gemma-2-2b's), then extra over them. head_dim is extra's, else d/H;
// query_pre_attn_scalar (Gemma-2) is extra's, else head_dim.
func synthConfig(modelType string, s arch.Shape, extra map[string]any) ([]byte, error) {
	if s.Heads <= 0 {
		return nil, fmt.Errorf("%s: %d heads", modelType, s.Heads)
	}
	kv := s.KVHeads
	if kv == 0 {
		kv = s.Heads
	}
	headDim, ok := intValue(extra["head_dim"])
	if !ok {
		if s.Hidden%s.Heads != 0 {
			return nil, fmt.Errorf("%s: %d heads do not divide hidden size %d; set head_dim", modelType, s.Heads, s.Hidden)
		}
		headDim = s.Hidden / s.Heads
	}
	base := map[string]any{
		"architectures":           []string{"GemmaForCausalLM"},
		"attention_bias":          false,
		"attention_dropout":       0.0,
		"bos_token_id":            2,
		"eos_token_id":            1,
		"head_dim":                headDim,
		"hidden_act":              "gelu",
		"hidden_activation":       defaultActivation,
		"hidden_size":             s.Hidden,
		"initializer_range":       defaultInitializerRange,
		"intermediate_size":       s.FFN,
		"max_position_embeddings": defaultMaxPositions,
		"model_type":              modelType,
		"num_attention_heads":     s.Heads,
		"num_hidden_layers":       s.Layers,
		"num_key_value_heads":     kv,
		"pad_token_id":            0,
		"rms_norm_eps":            defaultEps,
		"rope_scaling":            nil,
		"rope_theta":              defaultRopeTheta,
		"use_cache":               true,
		"vocab_size":              s.Vocab,
	}
	if modelType == "gemma2" {
		delete(base, "rope_scaling")
		base["architectures"] = []string{"Gemma2ForCausalLM"}
		base["hidden_act"] = defaultActivation
		base["attn_logit_softcapping"] = defaultAttnSoftCap
		base["final_logit_softcapping"] = defaultFinalSoftCap
		base["cache_implementation"] = "hybrid"
		base["query_pre_attn_scalar"] = headDim
		base["sliding_window"] = defaultSlidingWindow
	}
	return arch.RenderConfig(base, extra)
}

// intValue reads an integer config value as Go code or encoding/json spells it (int, int64, or a whole float64).
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<31 {
			return int(x), true
		}
	}
	return 0, false
}
