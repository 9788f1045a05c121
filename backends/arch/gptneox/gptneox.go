// Package gptneox is the GPT-NeoX architecture (Pythia), exactly as Hugging Face's GPTNeoXForCausalLM runs it in eval
// mode:
//
//	h = embed_in[ids]
//	for each layer:
//	    a_in  = LN1(h)
//	    a_out = dense(attention(rotary(query_key_value(a_in))))
//	    parallel residual:   m_in = LN2(h);          h′ = (m_out + a_out) + h
//	    sequential residual: m_in = LN2(h + a_out);  h′ = m_out + (a_out + h)
//	    m_out = dense_4h_to_h(act(dense_h_to_4h(m_in)))
//	logits = embed_out(final_layer_norm(h))
//
// query_key_value's output is viewed as [heads, 3·head_dim], so q, k and v are interleaved per head. Rotary acts on
// the first int(head_dim·rotary_pct) dims of each q and k head; scores are scaled by head_dim^−½. The activation is
// config's hidden_act ("gelu": the exact GELU). The package registers itself for model_type "gpt_neox".
package gptneox

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

func init() {
	arch.Register(&arch.Family{
		Name:        "gpt_neox",
		ModelTypes:  []string{"gpt_neox"},
		New:         New,
		Presets:     presets,
		SynthConfig: synthConfig,
	})
}

// model is one GPT-NeoX checkpoint's architecture.
type model struct {
	c    *config
	rope arch.Rotary
	attn arch.Attention
}

// New maps and validates a GPT-NeoX config.json (see parseConfig) and returns its model.
func New(configJSON []byte, opt arch.Options) (arch.Model, error) {
	c, err := parseConfig(configJSON, opt)
	if err != nil {
		return nil, err
	}
	r := c.rotaryDims()
	return &model{
		c:    c,
		rope: arch.Rotary{Dims: r, InvFreq: arch.RopeInvFreq(r, c.RotaryBase), AttentionScaling: 1},
		attn: arch.Attention{Heads: c.Heads, KVHeads: c.Heads, HeadDim: c.HeadDim,
			Scale: float32(1 / math.Sqrt(float64(c.HeadDim)))},
	}, nil
}

func (m *model) Config() *arch.Config { return &m.c.Config }

// Embed returns embed_in's rows for ids.
func (m *model) Embed(ops arch.Ops, ids []int32, _ *arch.Batch) (arch.Tensor, error) {
	return ops.Embedding(EmbedIn, ids)
}

// Block runs layer l over the hidden states h [T, d] of batch in place. HF adds the residual in the order of the
// package comment; the sums are float32, so the order is kept.
func (m *model) Block(ops arch.Ops, l int, w arch.Weights, h arch.Tensor, b *arch.Batch, tap arch.Tap) {
	c, H, hd := m.c, m.c.Heads, m.c.HeadDim
	eps := float32(c.Eps)
	tap(arch.PointH, h)

	// Attention sublayer.
	aIn := ops.LayerNorm(h, w[ln1W], w[ln1B], eps) // [T, d]     a_in = LN1(h)
	tap(arch.PointAttnIn, aIn)
	qkv := ops.Linear(aIn, w[qkvW], w[qkvB])           // [T, 3d]    viewed [T, H, 3·hd]: q | k | v per head
	s := ops.Split(qkv, H, hd, hd, hd)                 // 3×[T, d]   q, k, v, each head-major
	ops.RoPE(s[0], H, hd, &m.rope, b)                  // [T, d]     rotary on the first r dims of each q head
	ops.RoPE(s[1], H, hd, &m.rope, b)                  // [T, d]     and of each k head
	ctx := ops.Attention(s[0], s[1], s[2], &m.attn, b) // [T, d]     heads merged head-major
	aOut := ops.Linear(ctx, w[denseW], w[denseB])      // [T, d]     a_out = dense(ctx)
	tap(arch.PointAttnOut, aOut)

	// MLP sublayer, reading the stream m_res: h with a parallel residual, a_out + h with a sequential one.
	mRes := h
	if !c.Parallel {
		mRes = ops.Add(nil, aOut, h) // [T, d]
	}
	tap(arch.PointMLPRes, mRes)
	mIn := ops.LayerNorm(mRes, w[ln2W], w[ln2B], eps) // [T, d]     m_in = LN2(m_res)
	tap(arch.PointMLPIn, mIn)
	up := ops.Linear(mIn, w[upW], w[upB])      // [T, ff]    dense_h_to_4h
	ops.Act(up, c.Activation)                  // [T, ff]    act, in place
	mOut := ops.Linear(up, w[downW], w[downB]) // [T, d]     m_out = dense_4h_to_h
	tap(arch.PointMLPOut, mOut)

	// Residual, in place.
	if c.Parallel {
		ops.Add(h, ops.Add(nil, mOut, aOut), h) // h′ = (m_out + a_out) + h
	} else {
		ops.Add(h, mOut, mRes) // h′ = m_out + (a_out + h)
	}
	tap(arch.PointHOut, h)
}

// Logits returns embed_out(final_layer_norm(h)), [rows, V].
func (m *model) Logits(ops arch.Ops, w arch.Weights, h arch.Tensor) arch.Tensor {
	x := ops.LayerNorm(h, w[keyFinalW], w[keyFinalB], float32(m.c.Eps)) // [rows, d]
	return ops.Linear(x, w[keyUnembed], nil)                            // [rows, V]
}

// presets are the Pythia suite (exact shapes, docs/gains.md) followed by tiny shapes for tests and demos.
var presets = []arch.Preset{
	{Name: "pythia-70m", Note: "Pythia-70M shape", Shape: arch.Shape{Layers: 6, Hidden: 512, Heads: 8, FFN: 2048, Vocab: 50304}},
	{Name: "pythia-160m", Note: "Pythia-160M shape", Shape: arch.Shape{Layers: 12, Hidden: 768, Heads: 12, FFN: 3072, Vocab: 50304}},
	{Name: "pythia-410m", Note: "Pythia-410M shape", Shape: arch.Shape{Layers: 24, Hidden: 1024, Heads: 16, FFN: 4096, Vocab: 50304}},
	{Name: "pythia-1b", Note: "Pythia-1B shape", Shape: arch.Shape{Layers: 16, Hidden: 2048, Heads: 8, FFN: 8192, Vocab: 50304}},
	{Name: "pythia-1.4b", Note: "Pythia-1.4B shape", Shape: arch.Shape{Layers: 24, Hidden: 2048, Heads: 16, FFN: 8192, Vocab: 50304}},
	{Name: "pythia-2.8b", Note: "Pythia-2.8B shape", Shape: arch.Shape{Layers: 32, Hidden: 2560, Heads: 32, FFN: 10240, Vocab: 50304}},
	{Name: "pythia-6.9b", Note: "Pythia-6.9B shape", Shape: arch.Shape{Layers: 32, Hidden: 4096, Heads: 32, FFN: 16384, Vocab: 50432}},
	{Name: "pythia-12b", Note: "Pythia-12B shape", Shape: arch.Shape{Layers: 36, Hidden: 5120, Heads: 40, FFN: 20480, Vocab: 50688}},
	{Name: "micro", Note: "smallest test model", Shape: arch.Shape{Layers: 1, Hidden: 32, Heads: 2, FFN: 128, Vocab: 320}}, // vocab: the embedded byte-level tokenizer needs 257 or more
	{Name: "tiny", Note: "tiny test/demo model", Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, FFN: 256, Vocab: 512}},
	{Name: "small", Note: "small test/demo model", Shape: arch.Shape{Layers: 4, Hidden: 128, Heads: 4, FFN: 512, Vocab: 1024}},
}

// synthConfig renders a config.json of shape s in the old key style of Pythia's own configs (rotary_pct,
// rotary_emb_base, "architectures": ["GPTNeoXForCausalLM"]), with Pythia's settings, then extra over them.
func synthConfig(s arch.Shape, extra map[string]any) ([]byte, error) {
	if s.KVHeads != 0 && s.KVHeads != s.Heads {
		return nil, fmt.Errorf("gpt_neox has no grouped-query attention: %d kv heads for %d heads", s.KVHeads, s.Heads)
	}
	return arch.RenderConfig(map[string]any{
		"architectures":           []string{"GPTNeoXForCausalLM"},
		"bos_token_id":            0,
		"eos_token_id":            0,
		"hidden_act":              defaultHiddenAct,
		"hidden_size":             s.Hidden,
		"initializer_range":       0.02,
		"intermediate_size":       s.FFN,
		"layer_norm_eps":          defaultLayerNormEps,
		"max_position_embeddings": defaultMaxPositions,
		"model_type":              "gpt_neox",
		"num_attention_heads":     s.Heads,
		"num_hidden_layers":       s.Layers,
		"rotary_emb_base":         defaultRotaryBase,
		"rotary_pct":              defaultRotaryPct,
		"tie_word_embeddings":     false,
		"use_cache":               true,
		"use_parallel_residual":   true,
		"vocab_size":              s.Vocab,
	}, extra)
}
