package cpu

import (
	"math"

	"github.com/scalefit/scalefit/schema"
)

// tokenNorms holds the per-token L2 norms (float64, over the hidden dim) of one sequence passing through one block,
// the quantities that define the gains of DESIGN.md §3. Each slice has one entry per position.
type tokenNorms struct {
	h    []float64 // ‖h‖: the residual stream entering the block
	aIn  []float64 // ‖a_in‖ = ‖LN1(h)‖: what the attention module receives
	aOut []float64 // ‖a_out‖: what attention adds to the stream (after dense and its bias)
	mIn  []float64 // ‖m_in‖: LN2(h) with a parallel residual, LN2(h + a_out) with a sequential one
	mOut []float64 // ‖m_out‖: what the MLP adds to the stream
	mRes []float64 // ‖m_res‖: the stream the MLP reads, h (parallel) or h + a_out (sequential)
	hOut []float64 // ‖h′‖: the residual stream leaving the block
}

func newTokenNorms(T int) *tokenNorms {
	b := make([]float64, 7*T)
	return &tokenNorms{h: b[0:T], aIn: b[T : 2*T], aOut: b[2*T : 3*T], mIn: b[3*T : 4*T], mOut: b[4*T : 5*T],
		mRes: b[5*T : 6*T], hOut: b[6*T : 7*T]}
}

// gainStats summarises one component's per-token gains over the counted tokens of one sequence.
type gainStats struct {
	N                       int
	Mean, Std, Min, Max     float64 // Std is the population standard deviation (ddof 0)
	NormInMean, NormOutMean float64
}

// componentGain returns, for component c (an index into schema.Components), token t's gain and its input and output
// norms:
//
//	attn        ‖a_out‖/‖a_in‖                 in ‖a_in‖   out ‖a_out‖
//	mlp         ‖m_out‖/‖m_in‖                 in ‖m_in‖   out ‖m_out‖
//	combined    (‖a_out‖/‖a_in‖)·(‖m_out‖/‖m_in‖)  in ‖a_in‖   out ‖m_out‖
//	attn_resid  ‖a_out‖/‖h‖                    in ‖h‖      out ‖a_out‖
//	mlp_resid   ‖m_out‖/‖m_res‖                in ‖m_res‖  out ‖m_out‖
//	block       ‖h′‖/‖h‖                       in ‖h‖      out ‖h′‖
func (n *tokenNorms) componentGain(c, t int) (gain, in, out float64) {
	switch c {
	case 0:
		return n.aOut[t] / n.aIn[t], n.aIn[t], n.aOut[t]
	case 1:
		return n.mOut[t] / n.mIn[t], n.mIn[t], n.mOut[t]
	case 2:
		return (n.aOut[t] / n.aIn[t]) * (n.mOut[t] / n.mIn[t]), n.aIn[t], n.mOut[t]
	case 3:
		return n.aOut[t] / n.h[t], n.h[t], n.aOut[t]
	case 4:
		return n.mOut[t] / n.mRes[t], n.mRes[t], n.mOut[t]
	case 5:
		return n.hOut[t] / n.h[t], n.h[t], n.hOut[t]
	}
	panic("cpu: component index out of range")
}

// summarize returns the statistics of every component in schema.Components order over positions skip..T−1. The mean
// and the population standard deviation are computed in two passes, Std = √(Σ(g − mean)²/N). The caller guarantees
// skip < T.
func (n *tokenNorms) summarize(skip int) []gainStats {
	T := len(n.h)
	out := make([]gainStats, len(schema.Components))
	for c := range out {
		s := gainStats{N: T - skip, Min: math.Inf(1), Max: math.Inf(-1)}
		var sum, sumIn, sumOut float64
		for t := skip; t < T; t++ {
			g, in, o := n.componentGain(c, t)
			sum += g
			sumIn += in
			sumOut += o
			s.Min = min(s.Min, g)
			s.Max = max(s.Max, g)
		}
		N := float64(s.N)
		// Rounding can put the mean of equal gains an ulp outside [min, max]; keep it inside.
		s.Mean, s.NormInMean, s.NormOutMean = min(max(sum/N, s.Min), s.Max), sumIn/N, sumOut/N
		var ss float64
		for t := skip; t < T; t++ {
			g, _, _ := n.componentGain(c, t)
			ss += (g - s.Mean) * (g - s.Mean)
		}
		s.Std = math.Sqrt(ss / N)
		out[c] = s
	}
	return out
}
