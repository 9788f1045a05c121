package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/scalefit/scalefit/internal/resample"
)

// Bootstrap methods for the power-law fit.
//
//   - Hierarchical: measurement uncertainty. For every model measured from a run file, resample its sequences with
//     replacement (a multinomial draw of counts over its sequences), recompute its y from the reweighted run, and
//     refit with x fixed. Models without a run (CSV or reference points) keep their y. This interval reflects only how
//     precisely each model's y was measured, not how far models scatter around the law.
//   - Pairs: resample the (x, y) pairs of models with replacement and refit. A resample in which every x is equal
//     has no line; it is counted as degenerate and excluded.
//   - Residual: keep x, add resampled residuals to the fitted values and refit. The residuals are the leverage-
//     adjusted ones of Davison & Hinkley (1997, Alg. 6.3): r_i = √w_i·e_i/√(1 − h_i), centred, and y*_i = ŷ_i +
//     r*_i/√w_i, where h_i = w_i(1/W + (t_i − t̄)²/Stt) is the leverage. It needs n ≥ 3.
//
// Every method records, for each resample, the slope b, the intercept ln a and the fitted ln y at each prediction
// target. BCa needs jackknife values of the same statistics: for pairs and residual they leave out one model at a
// time (one sample of n); for hierarchical they leave out one sequence of one model at a time, each model's run being
// its own sample (scipy's multi-sample jackknife).
const (
	Hierarchical = "hierarchical"
	Pairs        = "pairs"
	Residual     = "residual"
)

// BootstrapMethods lists the bootstrap methods.
var BootstrapMethods = []string{Hierarchical, Pairs, Residual}

// Bootstrap is the outcome of one bootstrap of the power-law fit.
type Bootstrap struct {
	Method     string
	Resamples  int    // resamples drawn
	Used       int    // resamples that entered the intervals: Resamples − Degenerate − Invalid
	Degenerate int    // resamples in which every x was equal (pairs), excluded
	Invalid    int    // resamples in which a recomputed y was ≤ 0 or not a number (hierarchical), excluded
	Resampled  int    // models whose y was resampled (hierarchical: models with a run; otherwise all)
	Seed       uint64 // the --seed the resamples were drawn from
	Jackknife  int    // jackknife values behind the BCa acceleration
	Exponent   BootIntervals
	Intercept  BootIntervals   // of ln a; exp() of its bounds bounds the prefactor a
	Targets    []BootIntervals // of the fitted ln y at each prediction target; exp() bounds the median of y
	Warning    string          // set when the interval is known to undercover, or BCa could not be computed
}

// bootProblem is the data one bootstrap refits: t = ln x, u = ln y, the regression weights, the prediction targets in
// ln x, and the sequence evaluators of points with a run.
type bootProblem struct {
	t, u, w []float64
	targets []float64
	evals   []*seqShared // per point; nil when the point has no run
}

func (bp *bootProblem) k() int { return 2 + len(bp.targets) }

// lineStats fits u = α + b·t with weights w in closed form and writes (b, α, α + b·t0 for each target) to out. It
// reports false when every t is equal. It allocates nothing.
func lineStats(t, u, w, targets, out []float64) bool {
	var sw, st, su float64
	for i := range t {
		sw += w[i]
		st += w[i] * t[i]
		su += w[i] * u[i]
	}
	tbar, ubar := st/sw, su/sw
	var stt, stu float64
	same := true
	for i := range t {
		dt := t[i] - tbar
		stt += w[i] * dt * dt
		stu += w[i] * dt * (u[i] - ubar)
		if t[i] != t[0] {
			same = false
		}
	}
	if same || !(stt > 0) {
		return false
	}
	b := stu / stt
	a := ubar - b*tbar
	out[0], out[1] = b, a
	for j, t0 := range targets {
		out[2+j] = a + b*t0
	}
	return true
}

// Resample outcomes.
const (
	rsOK uint8 = iota
	rsDegenerate
	rsInvalid
)

// resampler computes one resample's statistics into out with the given random stream and returns its outcome. Each
// worker owns one resampler and its buffers.
type resampler func(rng *bootRNG, out []float64) uint8

// runResamples draws B resamples on workers goroutines (0: GOMAXPROCS). Resample r always uses the random stream
// (seed, r), so the result does not depend on the number of goroutines. It returns the statistics row-major (B × k)
// and each resample's outcome.
func runResamples(B, k, workers int, seed uint64, newResampler func() resampler) ([]float64, []uint8) {
	stats := make([]float64, B*k)
	status := make([]uint8, B)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const block = 64
	workers = max(1, min(workers, (B+block-1)/block))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := newResampler()
			var rng bootRNG
			for {
				start := int(next.Add(block)) - block
				if start >= B {
					return
				}
				for r := start; r < min(start+block, B); r++ {
					rng.seed(seed, uint64(r))
					status[r] = rs(&rng, stats[r*k:(r+1)*k])
				}
			}
		}()
	}
	wg.Wait()
	return stats, status
}

// methodSeed separates the random streams of the bootstrap methods drawn from one --seed.
func methodSeed(seed uint64, method string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(method); i++ {
		h = (h ^ uint64(method[i])) * 0x100000001b3
	}
	return resample.Mix(seed ^ resample.Mix(h))
}

// runBootstrap runs one bootstrap method on bp with B resamples and computes its intervals.
func runBootstrap(bp *bootProblem, method string, B int, seed uint64, confidence float64, workers int) (*Bootstrap, error) {
	n, k := len(bp.t), bp.k()
	bs := &Bootstrap{Method: method, Resamples: B, Seed: seed, Resampled: n}
	var newRS func() resampler
	var jack [][][]float64 // [stat][sample][i]
	switch method {
	case Pairs:
		if n < 3 {
			return nil, fmt.Errorf("pairs bootstrap: needs at least 3 models, have %d", n)
		}
		newRS = func() resampler { return pairsResampler(bp) }
		jack = casesJackknife(bp, bp.u)
	case Residual:
		if n < 3 {
			return nil, fmt.Errorf("residual bootstrap: needs at least 3 models, have %d", n)
		}
		rr, err := newResidualResampler(bp)
		if err != nil {
			return nil, err
		}
		newRS = rr
		jack = casesJackknife(bp, bp.u)
	case Hierarchical:
		bs.Resampled = 0
		for _, e := range bp.evals {
			if e != nil {
				bs.Resampled++
			}
		}
		if bs.Resampled == 0 {
			return nil, fmt.Errorf("hierarchical bootstrap: no model comes from a run file, so there are no sequences to resample")
		}
		newRS = func() resampler { return hierResampler(bp) }
		jack = hierJackknife(bp)
	default:
		return nil, fmt.Errorf("unknown bootstrap method %q (known: hierarchical, pairs, residual)", method)
	}
	stats, status := runResamples(B, k, workers, methodSeed(seed, method), newRS)

	cols := make([][]float64, k)
	for j := range cols {
		cols[j] = make([]float64, 0, B)
	}
	for r, s := range status {
		switch s {
		case rsDegenerate:
			bs.Degenerate++
			continue
		case rsInvalid:
			bs.Invalid++
			continue
		}
		for j := range cols {
			cols[j] = append(cols[j], stats[r*k+j])
		}
	}
	bs.Used = len(cols[0])
	full := make([]float64, k)
	if !lineStats(bp.t, bp.u, bp.w, bp.targets, full) {
		return nil, errSameX
	}
	if len(jack) > 0 && len(jack[0]) > 0 {
		for _, s := range jack[0] {
			bs.Jackknife += len(s)
		}
	}
	ivs := make([]BootIntervals, k)
	for j := range ivs {
		var jj [][]float64
		if jack != nil {
			jj = jack[j]
		}
		ivs[j] = ComputeBootIntervals(full[j], cols[j], jj, confidence)
	}
	bs.Exponent, bs.Intercept, bs.Targets = ivs[0], ivs[1], ivs[2:]
	if !bs.Exponent.BCa.Defined() && bs.Used > 0 {
		switch {
		case jack == nil && method == Hierarchical:
			bs.Warning = "BCa undefined: leaving out a sequence makes some y non-positive, so there is no jackknife acceleration"
		case jack == nil:
			bs.Warning = "BCa undefined: a leave-one-out fit has every x equal, so there is no jackknife acceleration"
		case math.IsInf(bs.Exponent.Z0, 0):
			bs.Warning = "BCa undefined: every resample lies on one side of the estimate"
		default:
			bs.Warning = "BCa undefined: the jackknife values are all equal"
		}
	}
	return bs, nil
}

// pairsResampler draws n models with replacement and refits.
func pairsResampler(bp *bootProblem) resampler {
	n := len(bp.t)
	t, u, w := make([]float64, n), make([]float64, n), make([]float64, n)
	return func(rng *bootRNG, out []float64) uint8 {
		for i := range t {
			j := rng.intn(uint32(n))
			t[i], u[i], w[i] = bp.t[j], bp.u[j], bp.w[j]
		}
		if !lineStats(t, u, w, bp.targets, out) {
			return rsDegenerate
		}
		return rsOK
	}
}

// newResidualResampler prepares the leverage-adjusted, centred residuals of the fit and returns a resampler factory.
func newResidualResampler(bp *bootProblem) (func() resampler, error) {
	l, err := FitLine(bp.t, bp.u, bp.w)
	if err != nil {
		return nil, err
	}
	n := len(bp.t)
	r := make([]float64, n)
	var mean float64
	for i := range r {
		d := bp.t[i] - l.TBar
		h := bp.w[i] * (1/l.SumW + d*d/l.Stt)
		if h >= 1-1e-12 {
			return nil, fmt.Errorf("residual bootstrap: model %d has leverage 1 (its fit is exact), so its residual cannot be rescaled", i)
		}
		r[i] = math.Sqrt(bp.w[i]) * l.Resid[i] / math.Sqrt(1-h)
		mean += r[i]
	}
	mean /= float64(n)
	for i := range r {
		r[i] -= mean
	}
	return func() resampler {
		u := make([]float64, n)
		return func(rng *bootRNG, out []float64) uint8 {
			for i := range u {
				u[i] = l.Fitted[i] + r[rng.intn(uint32(n))]/math.Sqrt(bp.w[i])
			}
			if !lineStats(bp.t, u, bp.w, bp.targets, out) {
				return rsDegenerate
			}
			return rsOK
		}
	}, nil
}

// hierResampler resamples the sequences of every model with a run and refits with x fixed.
func hierResampler(bp *bootProblem) resampler {
	n := len(bp.t)
	u := make([]float64, n)
	evs := make([]*seqEvaluator, n)
	for i, s := range bp.evals {
		if s != nil {
			evs[i] = s.evaluator()
		}
	}
	return func(rng *bootRNG, out []float64) uint8 {
		for i, ev := range evs {
			if ev == nil {
				u[i] = bp.u[i]
				continue
			}
			y := ev.resample(rng)
			if !(y > 0) || math.IsInf(y, 0) {
				return rsInvalid
			}
			u[i] = math.Log(y)
		}
		if !lineStats(bp.t, u, bp.w, bp.targets, out) {
			return rsDegenerate
		}
		return rsOK
	}
}

// casesJackknife leaves out one model at a time and refits. It returns jack[stat][0][i], or nil when some
// leave-one-out fit has every x equal. Each refit comes from the full fit's sums in O(1), so the jackknife of n models
// costs O(n), not O(n²): with W, t̄, ū, Stt and Stu of the full fit, leaving out model i gives
//
//	W' = W − w_i,   t̄' = (W·t̄ − w_i·t_i)/W',   ū' = (W·ū − w_i·u_i)/W',
//	Stt' = Stt − w_i·W/W'·(t_i − t̄)²,   Stu' = Stu − w_i·W/W'·(t_i − t̄)(u_i − ū),
//
// and b' = Stu'/Stt', α' = ū' − b'·t̄', as lineStats would compute them from the n − 1 models.
func casesJackknife(bp *bootProblem, u []float64) [][][]float64 {
	n, k := len(bp.t), bp.k()
	t, w := bp.t, bp.w
	jack := make([][][]float64, k)
	for j := range jack {
		jack[j] = [][]float64{make([]float64, n)}
	}
	var sw, st, su float64
	distinct := map[float64]int{}
	for i := range n {
		sw += w[i]
		st += w[i] * t[i]
		su += w[i] * u[i]
		distinct[t[i]]++
	}
	tbar, ubar := st/sw, su/sw
	var stt, stu float64
	for i := range n {
		dt := t[i] - tbar
		stt += w[i] * dt * dt
		stu += w[i] * dt * (u[i] - ubar)
	}
	for i := range n {
		if n < 3 || len(distinct) < 2 || (len(distinct) == 2 && distinct[t[i]] == 1) {
			return nil // the others all have one x
		}
		sw1 := sw - w[i]
		f := w[i] * sw / sw1
		dt := t[i] - tbar
		stt1 := stt - f*dt*dt
		if !(stt1 > 0) {
			return nil
		}
		b := (stu - f*dt*(u[i]-ubar)) / stt1
		a := (sw*ubar-w[i]*u[i])/sw1 - b*(sw*tbar-w[i]*t[i])/sw1
		jack[0][0][i], jack[1][0][i] = b, a
		for j, t0 := range bp.targets {
			jack[2+j][0][i] = a + b*t0
		}
	}
	return jack
}

// hierJackknife leaves out one sequence of one model at a time, recomputes that model's y and refits. Each model with
// a run is one sample. It returns jack[stat][sample][i], or nil when a leave-one-out y is not positive.
func hierJackknife(bp *bootProblem) [][][]float64 {
	k := bp.k()
	jack := make([][][]float64, k)
	u := append([]float64(nil), bp.u...)
	out := make([]float64, k)
	for i, s := range bp.evals {
		if s == nil {
			continue
		}
		ev := s.evaluator()
		ns := s.nseq
		if ns < 2 {
			continue // a one-sequence run cannot lose its sequence
		}
		cols := make([][]float64, k)
		for j := range cols {
			cols[j] = make([]float64, ns)
		}
		for d := range ns {
			y := ev.dropOne(d)
			if !(y > 0) || math.IsInf(y, 0) {
				return nil
			}
			u[i] = math.Log(y)
			if !lineStats(bp.t, u, bp.w, bp.targets, out) {
				return nil
			}
			for j := range cols {
				cols[j][d] = out[j]
			}
		}
		u[i] = bp.u[i]
		for j := range jack {
			jack[j] = append(jack[j], cols[j])
		}
	}
	return jack
}

// bootRNG is a PCG-DXSM generator (math/rand/v2) that hands out 32-bit halves of its 64-bit outputs and draws bounded
// integers with Lemire's nearly divisionless method, which is unbiased.
type bootRNG struct {
	pcg  rand.PCG
	buf  uint64
	have bool
}

// seed starts the stream of resample r (resample.StreamSeed).
func (g *bootRNG) seed(seed, r uint64) {
	g.pcg.Seed(resample.StreamSeed(seed, r))
	g.have = false
}

func (g *bootRNG) uint32() uint32 {
	if g.have {
		g.have = false
		return uint32(g.buf >> 32)
	}
	g.buf = g.pcg.Uint64()
	g.have = true
	return uint32(g.buf)
}

// intn returns a uniform integer in [0, n), n > 0.
func (g *bootRNG) intn(n uint32) uint32 {
	m := uint64(g.uint32()) * uint64(n)
	if uint32(m) < n {
		thresh := -n % n
		for uint32(m) < thresh {
			m = uint64(g.uint32()) * uint64(n)
		}
	}
	return uint32(m >> 32)
}

// drawSum draws len(tok) indices i uniformly from [0, len(tok)) and returns Σ v[i] and Σ tok[i] over the draws. It is
// the hot loop of the hierarchical bootstrap: two draws per PCG output (Lemire's method on each 32-bit half), two
// accumulators per sum to shorten the floating-point dependency chains, and no memory written.
func (g *bootRNG) drawSum(v, tok []float64) (num, den float64) {
	k := len(tok)
	n := uint32(k)
	v = v[:k]
	var num2, den2 float64
	j := 0
	for ; j+1 < k; j += 2 {
		x := g.pcg.Uint64()
		m1 := uint64(uint32(x)) * uint64(n)
		if uint32(m1) < n {
			m1 = g.lemireSlow(m1, n)
		}
		m2 := (x >> 32) * uint64(n)
		if uint32(m2) < n {
			m2 = g.lemireSlow(m2, n)
		}
		i1, i2 := m1>>32, m2>>32
		num += v[i1]
		den += tok[i1]
		num2 += v[i2]
		den2 += tok[i2]
	}
	if j < k {
		i := g.intn(n)
		num += v[i]
		den += tok[i]
	}
	return num + num2, den + den2
}

// drawCounts draws len(c) indices uniformly from [0, len(c)), adds one to c[i] for each, and returns Σ tok[i] over
// the draws.
func (g *bootRNG) drawCounts(c, tok []float64) (den float64) {
	k := len(c)
	n := uint32(k)
	tok = tok[:k]
	j := 0
	for ; j+1 < k; j += 2 {
		x := g.pcg.Uint64()
		m1 := uint64(uint32(x)) * uint64(n)
		if uint32(m1) < n {
			m1 = g.lemireSlow(m1, n)
		}
		m2 := (x >> 32) * uint64(n)
		if uint32(m2) < n {
			m2 = g.lemireSlow(m2, n)
		}
		i1, i2 := m1>>32, m2>>32
		c[i1]++
		c[i2]++
		den += tok[i1] + tok[i2]
	}
	if j < k {
		i := g.intn(n)
		c[i]++
		den += tok[i]
	}
	return den
}

// lemireSlow finishes Lemire's method when the low word of m = r·n fell below n: it rejects while the low word is
// below 2³² mod n, drawing fresh 32-bit values.
func (g *bootRNG) lemireSlow(m uint64, n uint32) uint64 {
	thresh := -n % n
	for uint32(m) < thresh {
		m = uint64(uint32(g.pcg.Uint64())) * uint64(n)
	}
	return m
}

// float64 returns a uniform number in [0, 1).
func (g *bootRNG) float64() float64 { return float64(g.pcg.Uint64()>>11) / (1 << 53) }

// normal returns a standard normal deviate (Box–Muller; one of the pair is discarded).
func (g *bootRNG) normal() float64 {
	u1 := 1 - g.float64()
	u2 := g.float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
