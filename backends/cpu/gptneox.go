package cpu

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/scalefit/scalefit/backends/checkpoint"
)

// gptNeoX is the GPT-NeoX forward pass (Pythia), exactly as Hugging Face's GPTNeoXForCausalLM runs it in eval mode
// (DESIGN.md §7):
//
//	h = embed_in[ids]
//	for each layer:
//	    a_in  = LN1(h)
//	    a_out = dense(attention(rotary(query_key_value(a_in))))
//	    parallel residual:   m_in = LN2(h);          h′ = h + a_out + mlp(m_in)
//	    sequential residual: m_in = LN2(h + a_out);  h′ = (h + a_out) + mlp(m_in)
//	    mlp(x) = dense_4h_to_h(gelu(dense_h_to_4h(x)))
//	logits = embed_out(final_layer_norm(h))
//
// It holds the weights of one layer at a time (loadLayer), and the scratch buffers for one sequence.
type gptNeoX struct {
	ck       *checkpoint.Checkpoint
	cfg      *checkpoint.Config
	d, H, hd int  // hidden size, heads, head dim
	ff       int  // MLP width
	parallel bool // use_parallel_residual
	eps      float64
	gelu     geluFunc
	rope     *rope
	threads  int

	w  *neoxLayer // the loaded layer, nil between layers
	ws neoxWorkspace
}

// neoxLayer is one GPT-NeoX layer's weights in float32; linear weights are [out, in] as torch stores them.
type neoxLayer struct {
	ln1W, ln1B     []float32 // input_layernorm [d]
	ln2W, ln2B     []float32 // post_attention_layernorm [d]
	qkvW, qkvB     []float32 // attention.query_key_value [3d, d], [3d]
	denseW, denseB []float32 // attention.dense [d, d], [d]
	upW, upB       []float32 // mlp.dense_h_to_4h [ff, d], [ff]
	downW, downB   []float32 // mlp.dense_4h_to_h [d, ff], [d]
}

// neoxWorkspace holds the activations of one sequence inside a block, sized for the longest sequence of the run.
type neoxWorkspace struct {
	aIn, qkv, ctx, aOut []float32 // [T, d], [T, 3d], [T, d], [T, d]
	mRes, mIn, up, mOut []float32 // [T, d], [T, d], [T, ff], [T, d]
	attn                *attnWorkspace
}

// newGPTNeoX prepares the forward pass of the checkpoint ck for sequences of up to maxT tokens.
func newGPTNeoX(ck *checkpoint.Checkpoint, gelu geluFunc, threads, maxT int) (*gptNeoX, error) {
	cfg := ck.Config
	switch cfg.HiddenAct {
	case "gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "gelu_python":
	default:
		return nil, fmt.Errorf("hidden_act %q is not a GELU; the cpu backend runs GPT-NeoX with GELU only", cfg.HiddenAct)
	}
	d, ff := cfg.HiddenSize, cfg.IntermediateSize
	m := &gptNeoX{
		ck: ck, cfg: cfg,
		d: d, H: cfg.NumHeads, hd: cfg.HeadDim(), ff: ff,
		parallel: cfg.UseParallelResidual,
		eps:      cfg.LayerNormEps,
		gelu:     gelu,
		rope:     newRope(cfg.RotaryDims(), cfg.RotaryBase, maxT),
		threads:  threads,
	}
	m.ws = neoxWorkspace{
		aIn: make([]float32, maxT*d), qkv: make([]float32, maxT*3*d), ctx: make([]float32, maxT*d),
		aOut: make([]float32, maxT*d), mRes: make([]float32, maxT*d), mIn: make([]float32, maxT*d),
		up: make([]float32, maxT*ff), mOut: make([]float32, maxT*d),
		attn: newAttnWorkspace(maxT, m.H, m.hd, threads),
	}
	return m, nil
}

// tensor loads one parameter as float32 and checks that it holds n values.
func (m *gptNeoX) tensor(name string, n int) ([]float32, error) {
	x, err := m.ck.Float32(name)
	if err != nil {
		return nil, err
	}
	if len(x) != n {
		return nil, fmt.Errorf("tensor %q has %d values, want %d", name, len(x), n)
	}
	return x, nil
}

// embed returns the input hidden states of every sequence, h[s] = embed_in[ids] as [T_s, d]. The embedding matrix is
// loaded once and dropped when this returns.
func (m *gptNeoX) embed(seqs [][]int32) ([][]float32, error) {
	d := m.d
	emb, err := m.tensor(checkpoint.EmbedIn, m.cfg.VocabSize*d) // [V, d]
	if err != nil {
		return nil, err
	}
	hs := make([][]float32, len(seqs))
	for s, ids := range seqs {
		h := make([]float32, len(ids)*d) // [T, d]
		for t, id := range ids {
			copy(h[t*d:(t+1)*d], emb[int(id)*d:(int(id)+1)*d])
		}
		hs[s] = h
	}
	return hs, nil
}

// loadLayer loads layer i's weights, replacing the previous layer's.
func (m *gptNeoX) loadLayer(i int) error {
	m.w = nil
	d, ff, p := m.d, m.ff, checkpoint.LayerPrefix(i)
	w := &neoxLayer{}
	for _, t := range []struct {
		dst  *[]float32
		name string
		n    int
	}{
		{&w.ln1W, "input_layernorm.weight", d},
		{&w.ln1B, "input_layernorm.bias", d},
		{&w.ln2W, "post_attention_layernorm.weight", d},
		{&w.ln2B, "post_attention_layernorm.bias", d},
		{&w.qkvW, "attention.query_key_value.weight", 3 * d * d},
		{&w.qkvB, "attention.query_key_value.bias", 3 * d},
		{&w.denseW, "attention.dense.weight", d * d},
		{&w.denseB, "attention.dense.bias", d},
		{&w.upW, "mlp.dense_h_to_4h.weight", ff * d},
		{&w.upB, "mlp.dense_h_to_4h.bias", ff},
		{&w.downW, "mlp.dense_4h_to_h.weight", d * ff},
		{&w.downB, "mlp.dense_4h_to_h.bias", d},
	} {
		x, err := m.tensor(p+t.name, t.n)
		if err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		*t.dst = x
	}
	m.w = w
	return nil
}

// unloadLayer drops the loaded layer's weights and collects them at once, so that the next layer's allocation reuses
// their memory instead of stacking on top of it: the heap then peaks at one layer plus the hidden states.
func (m *gptNeoX) unloadLayer() {
	m.w = nil
	runtime.GC()
}

// block runs the loaded layer over one sequence's hidden states h [T, d], replacing them with the layer's output, and
// records the per-token norms that define the gains into n.
func (m *gptNeoX) block(h []float32, T int, n *tokenNorms) {
	w, ws := m.w, &m.ws
	d, ff := m.d, m.ff
	h = h[:T*d]
	aIn, qkv, ctx, aOut := ws.aIn[:T*d], ws.qkv[:T*3*d], ws.ctx[:T*d], ws.aOut[:T*d]
	mIn, up, mOut := ws.mIn[:T*d], ws.up[:T*ff], ws.mOut[:T*d]

	// Attention sublayer.
	layerNorm(aIn, h, w.ln1W, w.ln1B, T, d, m.eps)                // a_in = LN1(h)            [T, d]
	linear(qkv, aIn, w.qkvW, w.qkvB, T, d, 3*d, m.threads)        // qkv viewed [T, H, 3·hd]   [T, 3d]
	attention(ctx, qkv, T, m.H, m.hd, m.rope, m.threads, ws.attn) // heads merged head-major  [T, d]
	linear(aOut, ctx, w.denseW, w.denseB, T, d, d, m.threads)     // a_out = dense(ctx)       [T, d]

	// MLP sublayer, reading the stream m_res.
	mRes := h // parallel: the MLP reads h
	if !m.parallel {
		mRes = ws.mRes[:T*d] // sequential: the MLP reads h + a_out
		for i := range mRes {
			mRes[i] = aOut[i] + h[i]
		}
	}
	layerNorm(mIn, mRes, w.ln2W, w.ln2B, T, d, m.eps)       // m_in = LN2(m_res)        [T, d]
	linear(up, mIn, w.upW, w.upB, T, d, ff, m.threads)      // dense_h_to_4h            [T, ff]
	m.gelu(up, m.threads)                                   // gelu, in place           [T, ff]
	linear(mOut, up, w.downW, w.downB, T, ff, d, m.threads) // m_out = dense_4h_to_h    [T, d]

	// Norms before the residual update overwrites h.
	rowNorms(n.h, h, T, d)
	rowNorms(n.aIn, aIn, T, d)
	rowNorms(n.aOut, aOut, T, d)
	rowNorms(n.mIn, mIn, T, d)
	rowNorms(n.mOut, mOut, T, d)
	if m.parallel {
		copy(n.mRes, n.h)
	} else {
		rowNorms(n.mRes, mRes, T, d)
	}

	// Residual: HF adds in this order, mlp_output + attn_output + hidden_states (parallel) and
	// mlp_output + (attn_output + hidden_states) (sequential).
	if m.parallel {
		for i := range h {
			h[i] = mOut[i] + aOut[i] + h[i]
		}
	} else {
		for i := range h {
			h[i] = mOut[i] + mRes[i]
		}
	}
	rowNorms(n.hOut, h, T, d)
}

// loss returns the summed next-token cross-entropy over every sequence and the number of predictions: for each
// sequence of T tokens, the final hidden states pass through final_layer_norm and embed_out, and positions 0..T−2
// predict tokens 1..T−1,
//
//	Σ_t −log softmax(logits[t])[ids[t+1]],
//
// with the log-softmax taken in float64 over the float32 logits. Every position counts, whatever skip_first is:
// skip_first only concerns the gains. Logits are computed a block of rows at a time, so memory stays at
// lossRows × vocab floats.
func (m *gptNeoX) loss(ctx context.Context, hs [][]float32, seqs [][]int32) (sum float64, count int64, err error) {
	d, V := m.d, m.cfg.VocabSize
	lnW, err := m.tensor(checkpoint.FinalNormW, d)
	if err != nil {
		return 0, 0, err
	}
	lnB, err := m.tensor(checkpoint.FinalNormB, d)
	if err != nil {
		return 0, 0, err
	}
	unembed, err := m.tensor(checkpoint.EmbedOut, V*d) // [V, d]
	if err != nil {
		return 0, 0, err
	}
	const lossRows = 64
	x := make([]float32, lossRows*d)      // [rows, d]
	logits := make([]float32, lossRows*V) // [rows, V]
	for s, ids := range seqs {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		T := len(ids)
		for t0 := 0; t0 < T-1; t0 += lossRows {
			rows := min(lossRows, T-1-t0)
			layerNorm(x, hs[s][t0*d:], lnW, lnB, rows, d, m.eps)
			linear(logits, x, unembed, nil, rows, d, V, m.threads)
			for r := 0; r < rows; r++ {
				sum += nll(logits[r*V:(r+1)*V], int(ids[t0+r+1]))
			}
			count += int64(rows)
		}
	}
	return sum, count, nil
}

// nll returns −log softmax(logits)[target] = logsumexp(logits) − logits[target], in float64.
func nll(logits []float32, target int) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s) - float64(logits[target])
}
