package fit

import "github.com/scalefit/scalefit/layers"

// seqShared is the read-only part of a fast evaluator of one metric on one run under sequence reweighting: the
// products n_s·ḡ_{ℓ,s} of token count and per-sequence mean gain of the metric's component, laid out by layer, and
// their full sums. With sequence counts c_s the layer gain is
//
//	g_ℓ(c) = Σ_s c_s·n_s·ḡ_{ℓ,s} / Σ_s c_s·n_s,
//
// which is Profile.LayerGain with w = c; leaving out sequence d it is (N_ℓ − n_d·ḡ_{ℓ,d}) / (D − n_d) with
// N_ℓ = Σ_s n_s·ḡ_{ℓ,s} and D = Σ_s n_s. The metric asks for the layers it needs (one for final_* metrics), so a
// resample costs one pass over the sequences per layer read.
type seqShared struct {
	metric layers.Metric
	nseq   int
	nl     int
	single int       // the one layer the metric reads (final_* metrics), or −1 when it reads several
	tok    []float64 // n_s
	ng     []float64 // n_s·ḡ_{ℓ,s} at ℓ·nseq + s
	numAll []float64 // N_ℓ
	denAll float64   // D
}

func newSeqShared(m layers.Metric, p *layers.Profile) *seqShared {
	g := p.Grid(m.Component)
	s := &seqShared{metric: m, nseq: p.NSeq(), nl: p.NLayers, tok: p.Tokens, ng: make([]float64, len(g)),
		numAll: make([]float64, p.NLayers)}
	for _, n := range p.Tokens {
		s.denAll += n
	}
	for l := range s.nl {
		var num float64
		for q := range s.nseq {
			v := p.Tokens[q] * g[l*s.nseq+q]
			s.ng[l*s.nseq+q] = v
			num += v
		}
		s.numAll[l] = num
	}
	s.single = probeSingleLayer(m, s.nl)
	return s
}

// probeSingleLayer returns the layer that metric m reads when it reads exactly one, the same one for two unrelated
// layer profiles (true of the final_* metrics), and −1 otherwise. A resample of such a metric needs no count vector:
// it accumulates Σ c_s·n_s·ḡ_s and Σ c_s·n_s directly while drawing.
func probeSingleLayer(m layers.Metric, nl int) int {
	layer := -1
	for trial := range 2 {
		read := map[int]bool{}
		gain := func(l int) float64 {
			read[l] = true
			return 0.5 + float64((l*7919+trial*104729)%97)/97
		}
		m.EvalFunc(gain, nl)
		if len(read) != 1 {
			return -1
		}
		for l := range read {
			if trial == 1 && l != layer {
				return -1
			}
			layer = l
		}
	}
	return layer
}

// seqEvaluator evaluates the metric under one reweighting at a time. It owns its count buffer, so each goroutine
// needs its own (seqShared.evaluator).
type seqEvaluator struct {
	*seqShared
	counts []float64
	num    float64 // Σ c_s·n_s·ḡ_s at the single layer (single-layer metrics)
	den    float64
	drop   int // ≥ 0: jackknife, leaving out this sequence; −1: use counts (or num with a single-layer metric)
	fast   bool
	gain   func(layer int) float64
}

func (s *seqShared) evaluator() *seqEvaluator {
	e := &seqEvaluator{seqShared: s, counts: make([]float64, s.nseq), drop: -1}
	// The closure is built once, so evaluating allocates nothing.
	e.gain = func(l int) float64 {
		if e.drop >= 0 {
			i := l*e.nseq + e.drop
			return (e.numAll[l] - e.ng[i]) / (e.denAll - e.tok[e.drop])
		}
		if e.fast {
			return e.num / e.den
		}
		row := e.ng[l*e.nseq : (l+1)*e.nseq]
		c := e.counts[:len(row)]
		var num float64
		for q, v := range row {
			num += c[q] * v
		}
		return num / e.den
	}
	return e
}

func newSeqEvaluator(m layers.Metric, p *layers.Profile) *seqEvaluator {
	return newSeqShared(m, p).evaluator()
}

// resample draws nseq sequences with replacement and returns the metric on the reweighted run.
func (e *seqEvaluator) resample(rng *bootRNG) float64 {
	e.drop = -1
	if e.single >= 0 {
		l := e.single
		e.num, e.den = rng.drawSum(e.ng[l*e.nseq:(l+1)*e.nseq], e.tok)
		e.fast = true
		v, _ := e.metric.EvalFunc(e.gain, e.nl)
		e.fast = false
		return v
	}
	clear(e.counts)
	e.den = rng.drawCounts(e.counts, e.tok)
	v, _ := e.metric.EvalFunc(e.gain, e.nl)
	return v
}

// dropOne returns the metric on the run without sequence d.
func (e *seqEvaluator) dropOne(d int) float64 {
	e.drop = d
	v, _ := e.metric.EvalFunc(e.gain, e.nl)
	e.drop = -1
	return v
}

// withCounts returns the metric with the given sequence counts (for tests).
func (e *seqEvaluator) withCounts(c []float64) float64 {
	copy(e.counts, c)
	var den float64
	for q, v := range c {
		den += v * e.tok[q]
	}
	e.den, e.drop = den, -1
	v, _ := e.metric.EvalFunc(e.gain, e.nl)
	return v
}
