package measure

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/schema"
)

// pointNorms holds the per-token L2 norms (float64, over the hidden dim) of one batch passing through one block, at
// every arch.Point: the quantities that define the gains. Each slice has one entry per token of the batch.
type pointNorms struct {
	n      [arch.NumPoints][]float64
	tapped [arch.NumPoints]bool
}

// reset makes room for T tokens and forgets what was tapped.
func (p *pointNorms) reset(T int) {
	for i := range p.n {
		if cap(p.n[i]) < T {
			p.n[i] = make([]float64, T)
		}
		p.n[i] = p.n[i][:T]
	}
	p.tapped = [arch.NumPoints]bool{}
}

// tap returns the block's Tap: it asks ops for the row norms of x at point pt, which are there after ops.Sync.
func (p *pointNorms) tap(ops arch.Ops) arch.Tap {
	return func(pt arch.Point, x arch.Tensor) {
		ops.RowNorms(x, p.n[pt])
		p.tapped[pt] = true
	}
}

// complete fills the points a block may leave out (a_add is a_out and m_add is m_out unless a post-norm sits
// between) and reports any other point the block did not tap, which is a bug in its architecture.
func (p *pointNorms) complete() error {
	for _, f := range [][2]arch.Point{{arch.PointAttnAdd, arch.PointAttnOut}, {arch.PointMLPAdd, arch.PointMLPOut}} {
		if !p.tapped[f[0]] {
			copy(p.n[f[0]], p.n[f[1]])
			p.tapped[f[0]] = true
		}
	}
	for pt, ok := range p.tapped {
		if !ok {
			return fmt.Errorf("the block did not tap point %d", pt)
		}
	}
	return nil
}

// gain returns, for component c, token t's gain and its input and output norms (docs/gains.md):
//
//	attn        ‖a_out‖/‖a_in‖                      in ‖a_in‖   out ‖a_out‖
//	mlp         ‖m_out‖/‖m_in‖                      in ‖m_in‖   out ‖m_out‖
//	combined    (‖a_out‖/‖a_in‖)·(‖m_out‖/‖m_in‖)   in ‖a_in‖   out ‖m_out‖
//	attn_resid  ‖a_add‖/‖h‖                         in ‖h‖      out ‖a_add‖
//	mlp_resid   ‖m_add‖/‖m_res‖                     in ‖m_res‖  out ‖m_add‖
//	block       ‖h′‖/‖h‖                            in ‖h‖      out ‖h′‖
func (p *pointNorms) gain(c schema.Component, t int) (gain, in, out float64) {
	n := func(pt arch.Point) float64 { return p.n[pt][t] }
	ratio := func(o, i arch.Point) (float64, float64, float64) { return n(o) / n(i), n(i), n(o) }
	switch c {
	case schema.ComponentAttn:
		return ratio(arch.PointAttnOut, arch.PointAttnIn)
	case schema.ComponentMLP:
		return ratio(arch.PointMLPOut, arch.PointMLPIn)
	case schema.ComponentCombined:
		g := (n(arch.PointAttnOut) / n(arch.PointAttnIn)) * (n(arch.PointMLPOut) / n(arch.PointMLPIn))
		return g, n(arch.PointAttnIn), n(arch.PointMLPOut)
	case schema.ComponentAttnResid:
		return ratio(arch.PointAttnAdd, arch.PointH)
	case schema.ComponentMLPResid:
		return ratio(arch.PointMLPAdd, arch.PointMLPRes)
	case schema.ComponentBlock:
		return ratio(arch.PointHOut, arch.PointH)
	}
	panic(fmt.Sprintf("measure: unknown component %q", c))
}

// gainStats summarises one component's per-token gains over the counted tokens of one sequence.
type gainStats struct {
	N                       int
	Mean, Std, Min, Max     float64 // Std is the population standard deviation (ddof 0)
	NormInMean, NormOutMean float64
}

// summarize returns the statistics of every component, in schema.Components order, over the tokens off+skip ..
// off+T−1 of the batch (one sequence of T tokens from off, less its first skip). The mean and the population standard
// deviation are computed in two passes, Std = √(Σ(g − mean)²/N). The caller guarantees skip < T.
func (p *pointNorms) summarize(off, T, skip int) []gainStats {
	out := make([]gainStats, len(schema.Components))
	for i, name := range schema.Components {
		c := schema.Component(name)
		s := gainStats{N: T - skip, Min: math.Inf(1), Max: math.Inf(-1)}
		var sum, sumIn, sumOut float64
		for t := off + skip; t < off+T; t++ {
			g, in, o := p.gain(c, t)
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
		for t := off + skip; t < off+T; t++ {
			g, _, _ := p.gain(c, t)
			ss += (g - s.Mean) * (g - s.Mean)
		}
		s.Std = math.Sqrt(ss / N)
		out[i] = s
	}
	return out
}

// appendRows appends one row per component of layer l and sequence s.
func appendRows(rows []schema.Row, base schema.Row, l, s int, stats []gainStats) []schema.Row {
	depth := 0.0
	if base.NLayers > 1 {
		depth = float64(l) / float64(base.NLayers-1)
	}
	for c, st := range stats {
		r := base
		r.Layer, r.Depth, r.Component, r.Seq = int32(l), depth, schema.Components[c], int32(s)
		r.NTokens = int32(st.N)
		r.GainMean, r.GainStd, r.GainMin, r.GainMax = st.Mean, st.Std, st.Min, st.Max
		r.NormInMean, r.NormOutMean = st.NormInMean, st.NormOutMean
		rows = append(rows, r)
	}
	return rows
}
