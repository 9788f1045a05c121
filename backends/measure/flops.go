package measure

import "github.com/scalefit/scalefit/backends/arch"

// FLOPs returns the floating-point operations of a forward pass of model m over sequences of the given lengths,
// counted from the model's shapes as the matrix products do them (a multiply-add is two operations):
//
//	per layer and token:     2·Σ rows·cols over the layer's weight matrices  (LayerWeights: q, k, v, o, MLP …)
//	per layer and sequence:  4·H·hd·n(n+1)/2                                  (causal q·kᵀ and p·v, n tokens)
//	with loss, per sequence: 2·(n−1)·Σ rows·cols over the head's matrices     (the unembedding)
//
// with H·hd the query heads' width. Norms, activations, softmax, rotary and the residual adds are left out: they are
// a few operations per value where the products are thousands. A sliding window is counted as full causal
// attention, so the count is an upper bound for windowed layers.
func FLOPs(m arch.Model, lens []int, loss bool) float64 {
	cfg := m.Config()
	var tokens, pairs, lossTokens float64
	for _, n := range lens {
		tokens += float64(n)
		pairs += float64(n) * float64(n+1) / 2
		if n > 1 {
			lossTokens += float64(n - 1)
		}
	}
	headDim := cfg.HeadDim
	if headDim == 0 && cfg.Heads > 0 {
		headDim = cfg.Hidden / cfg.Heads
	}
	total := 0.0
	for l := range cfg.Layers {
		total += 2*matrixValues(m.LayerWeights(l))*tokens + 4*float64(cfg.Heads*headDim)*pairs
	}
	if loss {
		total += 2 * matrixValues(m.HeadWeights()) * lossTokens
	}
	return total
}

// matrixValues returns Σ rows·cols over the matrices of specs; vectors (norms, biases) are left out.
func matrixValues(specs []arch.WeightSpec) float64 {
	n := 0.0
	for _, s := range specs {
		if len(s.Shape) == 2 {
			n += float64(s.Shape[0]) * float64(s.Shape[1])
		}
	}
	return n
}
