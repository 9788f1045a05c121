// Package gpt2 is the GPT-2 architecture, exactly as Hugging Face's GPT2LMHeadModel runs it in eval mode:
//
//	h = wte[ids] + wpe[positions]                  (positions 0 … T−1, T ≤ n_positions)
//	for each layer:
//	    a_in  = ln_1(h)
//	    a_out = attn.c_proj(attention(split(attn.c_attn(a_in))))
//	    m_in  = ln_2(h + a_out)
//	    m_out = mlp.c_proj(act(mlp.c_fc(m_in)))
//	    h′    = (h + a_out) + m_out
//	logits = wte(ln_f(h))                           (lm_head, tied to wte)
//
// The linear layers are Conv1D, whose weights are stored [in, out]. c_attn's output [T, 3d] is three contiguous
// blocks q | k | v, each head-major. There is no rotary embedding: positions enter through wpe alone. Scores are
// divided by √head_dim (scale_attn_weights) and, with scale_attn_by_inverse_layer_idx, by layer + 1. The activation
// is activation_function (gelu_new: the tanh GELU). Checkpoints name the tensors with or without a "transformer."
// prefix, and often store the causal-mask buffers attn.bias and attn.masked_bias, which are ignored. The package
// registers itself for model_type "gpt2".
package gpt2

import (
	"fmt"

	"github.com/scalefit/scalefit/backends/arch"
)

func init() {
	arch.Register(&arch.Family{
		Name:        "gpt2",
		ModelTypes:  []string{"gpt2"},
		New:         New,
		Presets:     presets,
		SynthConfig: synthConfig,
	})
}

// model is one GPT-2 checkpoint's architecture.
type model struct {
	c      *config
	prefix string           // "transformer." or "", as the checkpoint names its tensors (BindNames)
	attn   []arch.Attention // per layer: the scale depends on the layer with scale_attn_by_inverse_layer_idx
}

// New maps and validates a GPT-2 config.json (see parseConfig) and returns its model, naming tensors with the
// "transformer." prefix until BindNames says otherwise.
func New(configJSON []byte, opt arch.Options) (arch.Model, error) {
	c, err := parseConfig(configJSON, opt)
	if err != nil {
		return nil, err
	}
	m := &model{c: c, prefix: Prefix, attn: make([]arch.Attention, c.Layers)}
	for l := range m.attn {
		m.attn[l] = arch.Attention{Heads: c.Heads, KVHeads: c.Heads, HeadDim: c.HeadDim, Scale: c.scale(l)}
	}
	return m, nil
}

func (m *model) Config() *arch.Config { return &m.c.Config }

// Embed returns wte's rows for ids plus wpe's rows for their positions in their sequences. A sequence longer than
// n_positions is an error: the position embedding has n_positions rows.
func (m *model) Embed(ops arch.Ops, ids []int32, b *arch.Batch) (arch.Tensor, error) {
	pos := make([]int32, 0, len(ids))
	for _, n := range b.Lens {
		if n > m.c.MaxPositions {
			return nil, fmt.Errorf("a sequence of %d tokens is longer than n_positions %d, the rows of GPT-2's position embedding", n, m.c.MaxPositions)
		}
		for t := range n {
			pos = append(pos, int32(t))
		}
	}
	h, err := ops.Embedding(m.prefix+wte, ids) // [T, d]
	if err != nil {
		return nil, err
	}
	p, err := ops.Embedding(m.prefix+wpe, pos) // [T, d]
	if err != nil {
		ops.Free(h)
		return nil, err
	}
	ops.Add(h, h, p) // [T, d]  h = wte[ids] + wpe[positions]
	err = ops.Sync() // the Add reads p, which is freed next
	ops.Free(p)
	if err != nil {
		ops.Free(h)
		return nil, err
	}
	return h, nil
}

// Block runs layer l over the hidden states h [T, d] of batch in place.
func (m *model) Block(ops arch.Ops, l int, w arch.Weights, h arch.Tensor, b *arch.Batch, tap arch.Tap) {
	d, eps := m.c.Hidden, float32(m.c.Eps)
	tap(arch.PointH, h)

	// Attention sublayer.
	aIn := ops.LayerNorm(h, w[ln1W], w[ln1B], eps) // [T, d]    a_in = ln_1(h)
	tap(arch.PointAttnIn, aIn)
	qkv := ops.Linear(aIn, w[cAttnW], w[cAttnB])          // [T, 3d]   q | k | v, three contiguous blocks
	s := ops.Split(qkv, 1, d, d, d)                       // 3×[T, d]  q, k, v, each head-major
	ctx := ops.Attention(s[0], s[1], s[2], &m.attn[l], b) // [T, d]    heads merged head-major
	aOut := ops.Linear(ctx, w[attnOutW], w[attnOutB])     // [T, d]    a_out = attn.c_proj(ctx)
	tap(arch.PointAttnOut, aOut)

	// MLP sublayer, reading the stream m_res = h + a_out.
	mRes := ops.Add(nil, h, aOut) // [T, d]
	tap(arch.PointMLPRes, mRes)
	mIn := ops.LayerNorm(mRes, w[ln2W], w[ln2B], eps) // [T, d]    m_in = ln_2(m_res)
	tap(arch.PointMLPIn, mIn)
	up := ops.Linear(mIn, w[fcW], w[fcB])          // [T, ff]   mlp.c_fc
	ops.Act(up, m.c.Activation)                    // [T, ff]   act, in place
	mOut := ops.Linear(up, w[mlpOutW], w[mlpOutB]) // [T, d]    m_out = mlp.c_proj
	tap(arch.PointMLPOut, mOut)

	ops.Add(h, mRes, mOut) // h′ = (h + a_out) + m_out, in place
	tap(arch.PointHOut, h)
}

// Logits returns the unembedding of ln_f(h), [rows, V].
func (m *model) Logits(ops arch.Ops, w arch.Weights, h arch.Tensor) arch.Tensor {
	x := ops.LayerNorm(h, w[keyLnFW], w[keyLnFB], float32(m.c.Eps)) // [rows, d]
	return ops.Linear(x, w[keyUnembed], nil)                        // [rows, V]
}

// presets are the GPT-2 models of the registry (exact shapes) followed by a tiny shape for tests.
var presets = []arch.Preset{
	{Name: "gpt2", Note: "GPT-2 (124M) shape", Shape: arch.Shape{Layers: 12, Hidden: 768, Heads: 12, FFN: 3072, Vocab: 50257}},
	{Name: "gpt2-medium", Note: "GPT-2 medium (355M) shape", Shape: arch.Shape{Layers: 24, Hidden: 1024, Heads: 16, FFN: 4096, Vocab: 50257}},
	{Name: "gpt2-large", Note: "GPT-2 large (774M) shape", Shape: arch.Shape{Layers: 36, Hidden: 1280, Heads: 20, FFN: 5120, Vocab: 50257}},
	{Name: "gpt2-xl", Note: "GPT-2 XL (1.5B) shape", Shape: arch.Shape{Layers: 48, Hidden: 1600, Heads: 25, FFN: 6400, Vocab: 50257}},
	{Name: "gpt2-tiny", Note: "tiny GPT-2 test model (64 positions)", Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, FFN: 256, Vocab: 512},
		Extra: map[string]any{"n_positions": 64, "n_ctx": 64}},
}

// synthConfig renders the config.json of a random-init GPT-2 of shape s as openai-community/gpt2's is written (1024
// positions; bos and eos the last token, as <|endoftext|> is; n_inner only when the MLP is not 4d wide), then extra
// over them.
func synthConfig(s arch.Shape, extra map[string]any) ([]byte, error) {
	if s.KVHeads != 0 && s.KVHeads != s.Heads {
		return nil, fmt.Errorf("gpt2 has no grouped-query attention: %d kv heads for %d heads", s.KVHeads, s.Heads)
	}
	base := map[string]any{
		"activation_function":    defaultActivation,
		"architectures":          []string{"GPT2LMHeadModel"},
		"attn_pdrop":             0.1,
		"bos_token_id":           s.Vocab - 1,
		"embd_pdrop":             0.1,
		"eos_token_id":           s.Vocab - 1,
		"initializer_range":      defaultInitializerRange,
		"layer_norm_epsilon":     defaultEps,
		"model_type":             "gpt2",
		"n_ctx":                  1024,
		"n_embd":                 s.Hidden,
		"n_head":                 s.Heads,
		"n_layer":                s.Layers,
		"n_positions":            1024,
		"resid_pdrop":            0.1,
		"summary_activation":     nil,
		"summary_first_dropout":  0.1,
		"summary_proj_to_labels": true,
		"summary_type":           "cls_index",
		"summary_use_proj":       true,
		"vocab_size":             s.Vocab,
	}
	if s.FFN != 4*s.Hidden {
		base["n_inner"] = s.FFN
	}
	return arch.RenderConfig(base, extra)
}
