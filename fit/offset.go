package fit

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// OffsetFit is the power law with an offset, y = c + a·x^b, fitted by nonlinear least squares on the y scale
// (minimising Σ (y_i − c − a·x_i^b)²). It needs at least four models.
//
// The fit works in scaled coordinates so that the loss and the parameters are of order one whatever the units of x
// and y: with v_i = (ln x_i − m)/s (m and s the mean and standard deviation of ln x), z_i = (y_i − ȳ)/S (S the root
// mean square deviation of y), the model is z = γ + β·exp(κ·v) and the loss is L = Σ (z_i − γ − β e^{κ v_i})² / n,
// which is 1 for a horizontal line. Then c = ȳ + S·γ, b = κ/s and a = S·β·e^{−b·m}.
//
// For a fixed κ the model is linear in (γ, β), so the profile loss over a grid of κ locates every basin. The best
// basins give the starts (each start, two neighbours at κ ± 0.25, and the log-space power law), each minimised over
// all three parameters by gonum/optimize (BFGS, then Newton with the Gauss–Newton Hessian) with tolerances far below
// the defaults. Convergence is then checked directly rather than trusted: the Gauss–Newton decrement
// rᵀJ(JᵀJ)⁻¹Jᵀr, the part of the residual sum of squares a Gauss–Newton step would still remove, must be below
// 1e-9 of the loss (or 1e-20 of the total sum of squares, for an exact fit); and the best starts must agree.
//
// Standard errors are asymptotic: Cov(c, a, b) = s²·(JᵀJ)⁻¹ with s² = RSS/(n − 3) and J the Jacobian of the fitted
// values at the optimum; intervals use Student's t with n − 3 degrees of freedom.
type OffsetFit struct {
	C, A, B    float64    // y = c + a·x^b
	SE         [3]float64 // standard errors of c, a, b (NaN when JᵀJ is singular)
	Cov        [3][3]float64
	N, DF      int     // models and residual degrees of freedom n − 3
	RSS        float64 // residual sum of squares on the y scale
	Scale      float64 // s² = RSS/df
	R2         float64 // 1 − RSS/Σ(y − ȳ)²
	Converged  bool    // the Gauss–Newton decrement test passed at the best start
	Decrement  float64 // the Gauss–Newton decrement relative to the loss at the best start
	Starts     int     // starts tried
	Agree      int     // starts that reached the best loss (within 1e-8 relative)
	BSpread    float64 // largest |b − b_best| among the agreeing starts
	Identified bool    // JᵀJ is invertible at the optimum
	Note       string  // why the fit is doubtful, if it is
}

// FitOffset fits y = c + a·x^b by nonlinear least squares (see OffsetFit).
func FitOffset(x, y []float64) (*OffsetFit, error) {
	p, err := newNLS(x, y, false)
	if err != nil {
		return nil, err
	}
	best, err := p.solve()
	if err != nil {
		return nil, err
	}
	f := &OffsetFit{N: len(x), DF: len(x) - 3, Converged: best.converged, Decrement: best.decrement,
		Starts: best.starts, Agree: best.agree, BSpread: best.spread / p.s}
	th := best.theta
	f.C = p.ybar + p.S*th[0]
	f.B = th[2] / p.s
	f.A = p.S * th[1] * math.Exp(-f.B*p.m)
	f.RSS = best.loss * float64(p.n) * p.S * p.S
	f.R2 = 1 - best.loss
	f.Scale = f.RSS / float64(f.DF)
	for i := range f.SE {
		f.SE[i] = math.NaN()
		for j := range f.Cov[i] {
			f.Cov[i][j] = math.NaN()
		}
	}
	if cov, ok := p.covScaled(th); ok && f.DF > 0 {
		f.Identified = true
		// (γ, β, κ) → (c, a, b): G is the Jacobian of that map.
		G := [3][3]float64{
			{p.S, 0, 0},
			{0, p.S * math.Exp(-f.B*p.m), -f.A * p.m / p.s},
			{0, 0, 1 / p.s},
		}
		sz2 := best.loss * float64(p.n) / float64(f.DF) // s² in z units
		for i := range 3 {
			for j := range 3 {
				var v float64
				for k := range 3 {
					for l := range 3 {
						v += G[i][k] * cov[k][l] * G[j][l]
					}
				}
				f.Cov[i][j] = sz2 * v
			}
			f.SE[i] = math.Sqrt(f.Cov[i][i])
		}
	}
	switch {
	case !f.Converged:
		f.Note = fmt.Sprintf("not converged: a Gauss–Newton step would still remove %.2g of the residual sum of squares", f.Decrement)
	case !f.Identified:
		f.Note = "the parameters are not identified at the optimum (JᵀJ is singular): the data cannot separate c, a and b"
	case f.Agree < 2:
		f.Note = "only one start reached the best loss"
	case f.BSpread > 1e-4*math.Max(1, math.Abs(f.B)):
		f.Note = fmt.Sprintf("starts reaching the same loss disagree on b by %.2g: b is poorly determined", f.BSpread)
	}
	return f, nil
}

// Predict returns ŷ0 = c + a·x0^b with its delta-method standard error √(gᵀ·Cov·g), g = (1, x0^b, a·x0^b·ln x0).
func (f *OffsetFit) Predict(x0 float64) (y, se float64) {
	p := math.Pow(x0, f.B)
	g := [3]float64{1, p, f.A * p * math.Log(x0)}
	var v float64
	for i := range 3 {
		for j := range 3 {
			v += g[i] * f.Cov[i][j] * g[j]
		}
	}
	return f.C + f.A*p, math.Sqrt(v)
}

// MeanCI is ŷ0 ± t_{n−3}·se(ŷ0), a delta-method interval for the mean of y at x0.
func (f *OffsetFit) MeanCI(x0, confidence float64) Bounds {
	y, se := f.Predict(x0)
	q := olsTQuantile(f.DF, confidence)
	return Bounds{y - q*se, y + q*se}
}

// PredCI is ŷ0 ± t_{n−3}·√(se(ŷ0)² + s²), for a new model at x0.
func (f *OffsetFit) PredCI(x0, confidence float64) Bounds {
	y, se := f.Predict(x0)
	q := olsTQuantile(f.DF, confidence)
	sp := math.Sqrt(se*se + f.Scale)
	return Bounds{y - q*sp, y + q*sp}
}

// ExponentCI is b ± t_{n−3}·se(b).
func (f *OffsetFit) ExponentCI(confidence float64) Bounds {
	q := olsTQuantile(f.DF, confidence)
	return Bounds{f.B - q*f.SE[2], f.B + q*f.SE[2]}
}

// nlsPower fits y = a·x^b by least squares on the y scale (the offset model with c = 0), for the model comparison.
// It returns a, b and the residual sum of squares.
func nlsPower(x, y []float64) (a, b, rss float64, converged bool, err error) {
	p, err := newNLS(x, y, true)
	if err != nil {
		return 0, 0, 0, false, err
	}
	best, err := p.solve()
	if err != nil {
		return 0, 0, 0, false, err
	}
	th := best.theta
	b = th[2] / p.s
	a = p.S * th[1] * math.Exp(-b*p.m)
	return a, b, best.loss * float64(p.n) * p.S * p.S, best.converged, nil
}

// nls is the scaled least-squares problem z ≈ γ + β·exp(κ·v). With fixC the offset is held at c = 0, that is
// γ = −ȳ/S, and only (β, κ) are free.
type nls struct {
	n          int
	v, z       []float64
	m, s       float64 // mean and sd of ln x
	ybar, S    float64
	fixC       bool
	gamma0     float64 // γ when fixC
	olsKappa   float64 // κ of the log-space OLS power law, a start
	olsLogBeta float64
}

func newNLS(x, y []float64, fixC bool) (*nls, error) {
	n := len(x)
	minN := 4
	if fixC {
		minN = 3
	}
	if n < minN {
		return nil, fmt.Errorf("%d models: a least-squares fit of y = c + a·x^b needs at least %d", n, minN)
	}
	p := &nls{n: n, v: make([]float64, n), z: make([]float64, n), fixC: fixC}
	lx := make([]float64, n)
	for i := range x {
		if !(x[i] > 0) || math.IsInf(x[i], 0) || math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, fmt.Errorf("model %d: (x, y) = (%v, %v): need finite x > 0 and finite y", i, x[i], y[i])
		}
		lx[i] = math.Log(x[i])
		p.m += lx[i]
		p.ybar += y[i]
	}
	p.m /= float64(n)
	p.ybar /= float64(n)
	for i := range x {
		p.s += (lx[i] - p.m) * (lx[i] - p.m)
		p.S += (y[i] - p.ybar) * (y[i] - p.ybar)
	}
	p.s = math.Sqrt(p.s / float64(n))
	p.S = math.Sqrt(p.S / float64(n))
	if p.s == 0 {
		return nil, errSameX
	}
	if p.S == 0 {
		return nil, errors.New("every y is equal: the curve is flat and its exponent undefined")
	}
	for i := range x {
		p.v[i] = (lx[i] - p.m) / p.s
		p.z[i] = (y[i] - p.ybar) / p.S
	}
	p.gamma0 = -p.ybar / p.S
	p.olsKappa = math.NaN()
	pos := true
	for _, v := range y {
		pos = pos && v > 0
	}
	if pos {
		ly := make([]float64, n)
		for i := range y {
			ly[i] = math.Log(y[i])
		}
		if l, err := FitLine(lx, ly, nil); err == nil {
			p.olsKappa = l.Slope * p.s
		}
	}
	return p, nil
}

// theta is (γ, β, κ); with fixC γ is ignored and γ0 used.
func (p *nls) gamma(th []float64) float64 {
	if p.fixC {
		return p.gamma0
	}
	return th[0]
}

// residuals writes r_i = z_i − γ − β·e^{κ v_i} and returns L = Σ r²/n.
func (p *nls) residuals(th, r []float64) float64 {
	g := p.gamma(th)
	var ss float64
	for i, v := range p.v {
		r[i] = p.z[i] - g - th[1]*math.Exp(th[2]*v)
		ss += r[i] * r[i]
	}
	return ss / float64(p.n)
}

// jacobian writes the Jacobian of the fitted values with respect to the free parameters (columns γ, β, κ, or β, κ
// with fixC) into J (n × d).
func (p *nls) jacobian(th []float64, J *mat.Dense) {
	for i, v := range p.v {
		e := math.Exp(th[2] * v)
		c := 0
		if !p.fixC {
			J.Set(i, c, 1)
			c++
		}
		J.Set(i, c, e)
		J.Set(i, c+1, th[1]*v*e)
	}
}

func (p *nls) dim() int {
	if p.fixC {
		return 2
	}
	return 3
}

// full expands free parameters to (γ, β, κ).
func (p *nls) full(free []float64) []float64 {
	if p.fixC {
		return []float64{p.gamma0, free[0], free[1]}
	}
	return []float64{free[0], free[1], free[2]}
}

func (p *nls) free(th []float64) []float64 {
	if p.fixC {
		return []float64{th[1], th[2]}
	}
	return []float64{th[0], th[1], th[2]}
}

// profile returns the best (γ, β) for a fixed κ by linear least squares, and the loss.
func (p *nls) profile(kappa float64) (th []float64, loss float64) {
	n := float64(p.n)
	var sf, sff, sz, sfz float64
	for i, v := range p.v {
		f := math.Exp(kappa * v)
		sf += f
		sff += f * f
		sz += p.z[i]
		sfz += f * p.z[i]
	}
	var g, b float64
	if p.fixC {
		g = p.gamma0
		b = (sfz - g*sf) / sff
	} else {
		d := n*sff - sf*sf
		if !(d > 1e-12*n*sff) {
			return nil, math.Inf(1)
		}
		b = (n*sfz - sf*sz) / d
		g = (sz - b*sf) / n
	}
	th = []float64{g, b, kappa}
	r := make([]float64, p.n)
	return th, p.residuals(th, r)
}

type nlsOutcome struct {
	theta     []float64
	loss      float64
	converged bool
	decrement float64
	starts    int
	agree     int
	spread    float64 // in κ units
}

// solve runs the multi-start minimisation and checks convergence.
func (p *nls) solve() (*nlsOutcome, error) {
	// Profile the loss over κ to find the basins.
	type basin struct{ kappa, loss float64 }
	var grid []basin
	for k := -8.0; k <= 8.0001; k += 0.05 {
		_, l := p.profile(k)
		grid = append(grid, basin{k, l})
	}
	var minima []basin
	for i, g := range grid {
		if math.IsInf(g.loss, 0) || math.IsNaN(g.loss) {
			continue
		}
		left := i == 0 || g.loss <= grid[i-1].loss
		right := i == len(grid)-1 || g.loss <= grid[i+1].loss
		if left && right {
			minima = append(minima, g)
		}
	}
	slices.SortFunc(minima, func(a, b basin) int { return offCmp(a.loss, b.loss) })
	var starts [][]float64
	for _, b := range minima[:min(3, len(minima))] {
		for _, dk := range []float64{0, -0.25, 0.25} {
			if th, l := p.profile(b.kappa + dk); !math.IsInf(l, 0) {
				starts = append(starts, th)
			}
		}
	}
	if !math.IsNaN(p.olsKappa) {
		if th, l := p.profile(p.olsKappa); !math.IsInf(l, 0) {
			starts = append(starts, th)
		}
	}
	if len(starts) == 0 {
		return nil, errors.New("no starting point: the profile loss is undefined everywhere")
	}

	d := p.dim()
	r := make([]float64, p.n)
	J := mat.NewDense(p.n, d, nil)
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return p.residuals(p.full(x), r) },
		Grad: func(grad, x []float64) {
			th := p.full(x)
			p.residuals(th, r)
			p.jacobian(th, J)
			for j := range d {
				var s float64
				for i := range p.n {
					s += r[i] * J.At(i, j)
				}
				grad[j] = -2 * s / float64(p.n)
			}
		},
		Hess: func(h *mat.SymDense, x []float64) {
			p.jacobian(p.full(x), J)
			for a := range d {
				for b := a; b < d; b++ {
					var s float64
					for i := range p.n {
						s += J.At(i, a) * J.At(i, b)
					}
					h.SetSym(a, b, 2*s/float64(p.n))
				}
			}
		},
	}
	settings := func() *optimize.Settings {
		return &optimize.Settings{
			GradientThreshold: 1e-14,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-18, Relative: 1e-14, Iterations: 20},
			MajorIterations:   5000,
		}
	}
	type run struct {
		th   []float64
		loss float64
	}
	var runs []run
	for _, s := range starts {
		x := p.free(s)
		if res, err := optimize.Minimize(prob, x, settings(), &optimize.BFGS{}); res != nil && (err == nil || res.F <= prob.Func(x)) {
			x = res.X
		}
		if res, err := optimize.Minimize(prob, x, settings(), &optimize.Newton{}); res != nil && (err == nil || res.F <= prob.Func(x)) {
			x = res.X
		}
		th := p.full(x)
		l := p.residuals(th, r)
		if !math.IsNaN(l) && !math.IsInf(l, 0) {
			runs = append(runs, run{th, l})
		}
	}
	if len(runs) == 0 {
		return nil, errors.New("every start diverged")
	}
	slices.SortFunc(runs, func(a, b run) int { return offCmp(a.loss, b.loss) })
	best := runs[0]
	out := &nlsOutcome{theta: best.th, loss: best.loss, starts: len(starts)}
	for _, rr := range runs {
		if rr.loss <= best.loss*(1+1e-8)+1e-20 {
			out.agree++
			out.spread = math.Max(out.spread, math.Abs(rr.th[2]-best.th[2]))
		}
	}
	out.decrement, out.converged = p.checkConverged(best.th)
	return out, nil
}

// checkConverged computes the Gauss–Newton decrement δ = rᵀJ(JᵀJ)⁻¹Jᵀr / n at th and reports δ relative to the loss,
// and whether δ ≤ 1e-9·L + 1e-20 (the total sum of squares is n in these units, so 1e-20 is relative to it too).
func (p *nls) checkConverged(th []float64) (float64, bool) {
	d := p.dim()
	r := make([]float64, p.n)
	loss := p.residuals(th, r)
	J := mat.NewDense(p.n, d, nil)
	p.jacobian(th, J)
	var jtj mat.SymDense
	jtj.SymOuterK(1, J.T())
	var jtr mat.VecDense
	jtr.MulVec(J.T(), mat.NewVecDense(p.n, r))
	var step mat.VecDense
	if err := step.SolveVec(&jtj, &jtr); err != nil {
		// Singular JᵀJ: fall back to the plain gradient relative to the loss scale.
		g := mat.Norm(&jtr, 2) * 2 / float64(p.n)
		return g / math.Max(loss, 1e-300), g <= 1e-9*math.Sqrt(loss)+1e-12
	}
	dec := mat.Dot(&jtr, &step) / float64(p.n)
	return dec / math.Max(loss, 1e-300), dec <= 1e-9*loss+1e-20
}

// covScaled returns (JᵀJ)⁻¹ for (γ, β, κ) at th; false when JᵀJ is singular or fixC.
func (p *nls) covScaled(th []float64) ([3][3]float64, bool) {
	var out [3][3]float64
	if p.fixC {
		return out, false
	}
	J := mat.NewDense(p.n, 3, nil)
	p.jacobian(th, J)
	var jtj mat.SymDense
	jtj.SymOuterK(1, J.T())
	var ch mat.Cholesky
	if !ch.Factorize(&jtj) {
		return out, false
	}
	if c := mat.Cond(&jtj, 2); c > 1e14 || math.IsInf(c, 0) {
		return out, false
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return out, false
	}
	for i := range 3 {
		for j := range 3 {
			out[i][j] = inv.At(i, j)
		}
	}
	return out, true
}

func offCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FormScore is one functional form's fit quality for model comparison: a Gaussian likelihood of y on the y scale,
// with the regression parameters and σ at their least-squares (maximum-likelihood) values,
//
//	ln L = −(n/2)·(ln(2π·RSS/n) + 1),   AIC = 2k − 2 ln L,   BIC = k·ln n − 2 ln L,
//
// where RSS = Σ (y_i − ŷ_i)² and k counts the regression parameters plus σ (3 for a·x^b, 4 for c + a·x^b). Both
// forms are fitted by least squares on the y scale for this comparison, so the power-law row's a and b are the
// y-scale least-squares ones, which differ slightly from the log-space OLS headline. Lower AIC/BIC is better.
type FormScore struct {
	Form      string
	K         int
	RSS       float64
	LogLik    float64
	AIC, BIC  float64
	A, B, C   float64 // the y-scale least-squares parameters (C = 0 for the power law)
	Converged bool
}

func formScore(form string, k, n int, rss float64) FormScore {
	nf := float64(n)
	ll := -nf / 2 * (math.Log(2*math.Pi*rss/nf) + 1)
	return FormScore{Form: form, K: k, RSS: rss, LogLik: ll, AIC: 2*float64(k) - 2*ll, BIC: float64(k)*math.Log(nf) - 2*ll}
}
