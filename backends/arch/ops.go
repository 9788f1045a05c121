package arch

import (
	"fmt"
	"strings"
)

// Tensor is a backend's handle to a row-major float32 matrix of Rows × Cols values. Activations are [tokens, features]
// with the tokens of a Batch laid end to end; weights are as a WeightSpec declares them. A Tensor is only ever passed
// back to the Ops that made it.
type Tensor interface {
	Rows() int
	Cols() int
}

// Layout says how a linear layer's weight matrix is stored.
type Layout int

const (
	// OutIn is torch's nn.Linear: W is [out, in] and y = x·Wᵀ + b.
	OutIn Layout = iota
	// InOut is GPT-2's Conv1D: W is [in, out] and y = x·W + b.
	InOut
)

// WeightSpec names one parameter tensor that a block reads.
type WeightSpec struct {
	Name   string // full checkpoint name, e.g. "model.layers.3.self_attn.q_proj.weight"
	Key    string // the block's short name for it, e.g. "q_proj.weight"; unique within one layer
	Shape  []int  // as stored: [n] for vectors, [rows, cols] for matrices
	Layout Layout // for matrices that Linear multiplies by; OutIn otherwise
}

// Weights are the loaded tensors of one layer (or of the embedding and head), by WeightSpec.Key.
type Weights map[string]Tensor

// StateDict lists a model's parameters in state-dict order: embed (the embedding tensors), then each of layers layers'
// weights, then head, whose last entry is the unembedding matrix, left out when tied is true (it is then embed's
// first tensor, stored once).
func StateDict(embed []WeightSpec, layers int, layer func(l int) []WeightSpec, head []WeightSpec, tied bool) []WeightSpec {
	specs := append([]WeightSpec(nil), embed...)
	for l := range layers {
		specs = append(specs, layer(l)...)
	}
	if tied {
		head = head[:len(head)-1]
	}
	return append(specs, head...)
}

// CountValues returns the number of values the tensors of specs hold: for a model's Params, its parameter count.
func CountValues(specs []WeightSpec) int64 {
	var n int64
	for _, s := range specs {
		size := int64(1)
		for _, d := range s.Shape {
			size *= int64(d)
		}
		n += size
	}
	return n
}

// HasName reports whether the tensor name is one of names, or ends in "." and one of them: HasName(n, "attn.bias")
// holds for "h.0.attn.bias" but not for "h.0.attn.c_attn.bias". Families use it to recognise buffers under any
// prefix.
func HasName(name string, names ...string) bool {
	for _, s := range names {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

// Activation is an elementwise nonlinearity as Hugging Face computes it.
type Activation int

const (
	// GELU is the exact GELU, x·Φ(x) = x·½(1 + erf(x/√2)): HF's "gelu".
	GELU Activation = iota
	// GELUTanh is the tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))): HF's "gelu_new", "gelu_fast",
	// "gelu_pytorch_tanh".
	GELUTanh
	// SiLU is x·σ(x): HF's "silu" (Llama, Mistral, Qwen2).
	SiLU
)

// String returns the activation's name as a run file records it (schema.MetaGELU) and as the run's --gelu flag spells
// the GELU forms: "erf", "tanh" or "silu".
func (a Activation) String() string {
	switch a {
	case GELU:
		return "erf"
	case GELUTanh:
		return "tanh"
	case SiLU:
		return "silu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseGELU returns the GELU form named as the run's --gelu flag names it: "erf" (exact) or "tanh".
func ParseGELU(s string) (Activation, error) {
	switch s {
	case "erf":
		return GELU, nil
	case "tanh":
		return GELUTanh, nil
	}
	return 0, fmt.Errorf("unknown gelu %s (want \"erf\" or \"tanh\")", Quote(s, 32))
}

// HiddenAct maps the value of an HF activation key (hidden_act, hidden_activation, activation_function) to the
// activation HF's ACT2FN runs for it: "gelu" and "gelu_python" are the exact GELU; "gelu_new", "gelu_fast" and
// "gelu_pytorch_tanh" the tanh approximation (the three differ only in how they write the same formula); "silu" and
// "swish" are SiLU. Any other value is an error naming key.
func HiddenAct(key, value string) (Activation, error) {
	switch value {
	case "gelu", "gelu_python":
		return GELU, nil
	case "gelu_new", "gelu_fast", "gelu_pytorch_tanh":
		return GELUTanh, nil
	case "silu", "swish":
		return SiLU, nil
	}
	return 0, fmt.Errorf("key %q: activation %s is not supported (supported: gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, silu)",
		key, Quote(value, 64))
}

// ConfigActivation returns the activation a run uses for the config's key = value: HiddenAct's, or opt's GELU form
// (the run's --gelu) in place of a GELU. Replacing SiLU is an error naming key.
func ConfigActivation(key, value string, opt Options) (Activation, error) {
	a, err := HiddenAct(key, value)
	if err != nil || opt.Activation == nil {
		return a, err
	}
	if a == SiLU {
		return 0, fmt.Errorf("key %q: %s is not a GELU, so a GELU form cannot replace it", key, Quote(value, 32))
	}
	return *opt.Activation, nil
}

// Rotary describes rotary position embedding in HF's rotate_half layout: on the first Dims dims of every head,
//
//	x·cos θ + rotate_half(x)·sin θ,  rotate_half(x) = cat(−x₂, x₁),  θ[t][i] = t·InvFreq[i] (i < Dims/2),
//
// where x₁ and x₂ are the two halves of x[:Dims] and cos, sin repeat over the halves (emb = cat(freqs, freqs)). t is
// the token's position in its sequence, from 0. The angle t·InvFreq[i] is a float32 product as HF forms it; cos and
// sin are evaluated in float64 and rounded to float32, then multiplied by AttentionScaling.
type Rotary struct {
	Dims             int       // rotated dims per head, even, ≤ head dim
	InvFreq          []float32 // Dims/2 inverse frequencies, computed by the family as HF computes them (with any scaling)
	AttentionScaling float32   // multiplies cos and sin; 1 except for rope types that say otherwise
}

// Attention describes causal self-attention over head-major q, k and v: row t of q holds the Heads query heads of
// token t, head j at columns [j·HeadDim, (j+1)·HeadDim); k and v hold KVHeads heads the same way. Query head j reads
// key/value head j / (Heads / KVHeads), as HF's repeat_kv repeats each kv head consecutively. For query position q and
// key position k of the same sequence,
//
//	s = Scale·(q·k)
//	s = SoftCap·tanh(s/SoftCap)          when SoftCap > 0 (before the mask)
//	visible when k ≤ q, and q − Window < k when Window > 0
//	p = softmax over the visible keys; out = Σ p·v
//
// The output is [tokens, Heads·HeadDim], heads merged head-major.
type Attention struct {
	Heads, KVHeads, HeadDim int
	Scale                   float32 // usually HeadDim^−½
	SoftCap                 float32 // 0 for none
	Window                  int     // 0 for none
}

// Batch describes the rows of an activation tensor: whole sequences laid end to end, Lens[s] tokens each, with
// positions 0..Lens[s]−1 inside each sequence.
type Batch struct {
	Lens []int
}

// Tokens returns the number of rows of the batch, ΣLens.
func (b *Batch) Tokens() int {
	n := 0
	for _, l := range b.Lens {
		n += l
	}
	return n
}

// Point is a place in a block where the measurement takes the per-token L2 norm of an activation. The gains are
// ratios of these norms (docs/gains.md).
type Point int

const (
	PointH       Point = iota // h: the residual stream entering the block
	PointAttnIn               // a_in: what the attention module receives (after its pre-norm)
	PointAttnOut              // a_out: what the attention module returns (after its output projection and bias)
	PointAttnAdd              // a_add: what attention adds to the stream; a_out unless a post-norm sits between
	PointMLPRes               // m_res: the stream the MLP branch reads (h if parallel, h + a_add if sequential)
	PointMLPIn                // m_in: what the MLP module receives (after its pre-norm)
	PointMLPOut               // m_out: what the MLP module returns
	PointMLPAdd               // m_add: what the MLP adds to the stream; m_out unless a post-norm sits between
	PointHOut                 // h′: the residual stream leaving the block
	NumPoints
)

// Tap records the per-token norms of x at point p, as x is when Tap is called: a block may overwrite x afterwards. A
// block taps every point except PointAttnAdd and PointMLPAdd, which it taps only where they differ from PointAttnOut
// and PointMLPOut.
type Tap func(p Point, x Tensor)

// Ops is the op set that every architecture is written against and every backend implements on its own tensors. An
// op may run when it is called or be queued: results that reach the host (RowNorms, NLL) are complete when Sync
// returns, and a queued op sees every op queued before it. Errors from queued work surface at Sync; an op given
// tensors of the wrong shapes panics, since that is a bug in an architecture, not in the input.
//
// Memory: Load and Embedding results live until Unload or Free; every other tensor an op returns lives until a Reset
// to a Mark taken before it was made.
type Ops interface {
	// Load makes the tensors of specs resident in the backend, converted to float32, and returns them by Key. It reads
	// them from the checkpoint the backend was opened with and checks each shape against its spec. A vector [n]
	// loads as a 1 × n tensor, a matrix [r, c] as r × c whatever its Layout.
	Load(specs []WeightSpec) (Weights, error)
	// Prefetch hints that specs will be loaded next, so that a backend may read and convert them while it computes.
	Prefetch(specs []WeightSpec)
	// Unload releases weights returned by Load.
	Unload(w Weights)

	// Embedding returns the rows ids of the [vocab, d] checkpoint matrix name as a [len(ids), d] tensor, reading only
	// those rows. It lives until Free.
	Embedding(name string, ids []int32) (Tensor, error)
	// Free releases a tensor returned by Embedding.
	Free(t Tensor)

	// Linear returns y = x·Wᵀ + b for an OutIn weight, or x·W + b for an InOut one, accumulated in float32. b may be nil.
	Linear(x, w, b Tensor) Tensor
	// LayerNorm returns (x − mean)/√(var + eps)·w + b per row, with the population variance; b may be nil.
	LayerNorm(x, w, b Tensor, eps float32) Tensor
	// RMSNorm returns x/√(mean(x²) + eps)·w per row, or ·(1 + w) when unitOffset is set (Gemma), in float32.
	RMSNorm(x, w Tensor, eps float32, unitOffset bool) Tensor
	// RoPE rotates, in place, the first r.Dims dims of each of the heads heads of headDim dims in every row of x, at
	// the rows' positions in batch.
	RoPE(x Tensor, heads, headDim int, r *Rotary, batch *Batch)
	// Attention returns causal softmax attention of q, k, v as a describes, within each sequence of batch.
	Attention(q, k, v Tensor, a *Attention, batch *Batch) Tensor
	// Act applies f to x in place.
	Act(x Tensor, f Activation)
	// GatedAct sets gate to f(gate) ⊙ up in place: the gated MLP's product (SwiGLU, GeGLU).
	GatedAct(gate, up Tensor, f Activation)
	// Add returns a + b elementwise. It writes into dst when dst is not nil (dst may be a or b) and returns dst, or a
	// new tensor otherwise.
	Add(dst, a, b Tensor) Tensor
	// Scale multiplies x by s in place.
	Scale(x Tensor, s float32)
	// SoftCap sets x to c·tanh(x/c) in place.
	SoftCap(x Tensor, c float32)
	// Split views each row of x as groups repeats of consecutive parts of widths[0], widths[1], … columns and returns
	// one tensor per part, [rows, groups·widths[i]], gathering part i of every group in order. GPT-NeoX's
	// query_key_value output, [T, H·3·hd] interleaved per head, is Split(x, H, hd, hd, hd); GPT-2's c_attn output,
	// [T, 3d] in three blocks, is Split(x, 1, d, d, d).
	Split(x Tensor, groups int, widths ...int) []Tensor
	// Slice returns rows [r0, r1) of x. The result may share x's memory.
	Slice(x Tensor, r0, r1 int) Tensor

	// RowNorms sets dst[t] to the L2 norm of row t of x, accumulated in float64. dst is complete when Sync returns.
	RowNorms(x Tensor, dst []float64)
	// NLL sets dst[t] to −log softmax(logits[t])[targets[t]], with the log-softmax taken in float64 over the float32
	// logits. dst is complete when Sync returns.
	NLL(logits Tensor, targets []int32, dst []float64)

	// Sync waits for every queued op and reports the first error any of them met.
	Sync() error
	// Mark returns a point in the lifetime of op results; Reset(m) frees every op result made after m.
	Mark() int
	Reset(mark int)
}
