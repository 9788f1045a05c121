package fit

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Line is a least-squares straight line u = α + b·t fitted to points (t_i, u_i) with weights w_i, in closed form.
// The power law y = a·x^b is this line on t = ln x, u = ln y, with a = exp(α).
//
// With W = Σ w_i, the weighted means t̄ = Σ w_i t_i / W and ū = Σ w_i u_i / W, and the centred sums
//
//	Stt = Σ w_i (t_i − t̄)²,   Stu = Σ w_i (t_i − t̄)(u_i − ū),
//
// the estimates are b = Stu/Stt and α = ū − b·t̄. With residuals e_i = u_i − α − b·t_i and df = n − 2 degrees of
// freedom, the residual variance is s² = Σ w_i e_i² / df and
//
//	Var(b) = s²/Stt,   Var(α) = s²·(1/W + t̄²/Stt),   Cov(α, b) = −s²·t̄/Stt.
//
// With every w_i = 1 this is ordinary least squares; otherwise it is weighted least squares exactly as statsmodels
// WLS computes it (weights proportional to inverse variances, scale estimated from the weighted residuals).
// Confidence intervals use Student's t with df degrees of freedom. When df = 0 (two points, or two distinct t) the
// line is exactly determined: the standard errors, s² and every interval are NaN.
type Line struct {
	N         int       // number of points
	DF        int       // residual degrees of freedom, n − 2
	Intercept float64   // α (ln a for a power law)
	Slope     float64   // b
	SEInt     float64   // standard error of α; NaN when DF = 0
	SESlope   float64   // standard error of b; NaN when DF = 0
	CovIS     float64   // Cov(α, b); NaN when DF = 0
	Scale     float64   // s² = Σ w e² / df; NaN when DF = 0
	R2        float64   // 1 − Σ w e² / Σ w (u − ū)²
	TBar      float64   // weighted mean of t
	Stt       float64   // Σ w (t − t̄)²
	SumW      float64   // W = Σ w
	Weights   []float64 // the weights w_i (all 1 for OLS)
	Fitted    []float64 // α + b·t_i
	Resid     []float64 // u_i − α − b·t_i
}

// errSameX is returned when every point has the same x: no line can be fitted.
var errSameX = errors.New("every point has the same x: at least two distinct x values are needed")

// FitLine fits the line u = α + b·t by least squares. w may be nil for ordinary least squares; otherwise it holds
// positive weights (inverse variances up to a common factor). It needs at least two points with distinct t.
func FitLine(t, u, w []float64) (*Line, error) {
	n := len(t)
	if len(u) != n || (w != nil && len(w) != n) {
		return nil, fmt.Errorf("fit line: %d x values, %d y values and %d weights", n, len(u), len(w))
	}
	if n < 2 {
		return nil, fmt.Errorf("fit line: %d point(s): at least two are needed", n)
	}
	ww := make([]float64, n)
	for i := range ww {
		ww[i] = 1
		if w != nil {
			ww[i] = w[i]
		}
		if math.IsNaN(t[i]) || math.IsInf(t[i], 0) || math.IsNaN(u[i]) || math.IsInf(u[i], 0) {
			return nil, fmt.Errorf("fit line: point %d is (%v, %v): not a finite number", i, t[i], u[i])
		}
		if !(ww[i] > 0) || math.IsInf(ww[i], 0) {
			return nil, fmt.Errorf("fit line: point %d has weight %v: weights must be positive and finite", i, ww[i])
		}
	}
	if olsAllEqual(t) {
		return nil, errSameX
	}
	var sw, st, su float64
	for i := range t {
		sw += ww[i]
		st += ww[i] * t[i]
		su += ww[i] * u[i]
	}
	tbar, ubar := st/sw, su/sw
	var stt, stu, suu float64
	for i := range t {
		dt, du := t[i]-tbar, u[i]-ubar
		stt += ww[i] * dt * dt
		stu += ww[i] * dt * du
		suu += ww[i] * du * du
	}
	l := &Line{N: n, DF: n - 2, Slope: stu / stt, TBar: tbar, Stt: stt, SumW: sw, Weights: ww}
	l.Intercept = ubar - l.Slope*tbar
	l.Fitted = make([]float64, n)
	l.Resid = make([]float64, n)
	var rss float64
	for i := range t {
		l.Fitted[i] = l.Intercept + l.Slope*t[i]
		l.Resid[i] = u[i] - l.Fitted[i]
		rss += ww[i] * l.Resid[i] * l.Resid[i]
	}
	if suu > 0 {
		l.R2 = 1 - rss/suu
	} else {
		l.R2 = math.NaN() // every y equal: R² is 0/0
	}
	l.Scale, l.SEInt, l.SESlope, l.CovIS = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if l.DF > 0 {
		l.Scale = rss / float64(l.DF)
		l.SESlope = math.Sqrt(l.Scale / stt)
		l.SEInt = math.Sqrt(l.Scale * (1/sw + tbar*tbar/stt))
		l.CovIS = -l.Scale * tbar / stt
	}
	return l, nil
}

func olsAllEqual(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

// RSS is the weighted residual sum of squares Σ w e².
func (l *Line) RSS() float64 {
	var s float64
	for i, e := range l.Resid {
		s += l.Weights[i] * e * e
	}
	return s
}

// TQuantile is the two-sided Student-t quantile t_{df, (1+confidence)/2}; NaN when DF = 0. It is gonum's
// distuv.StudentsT quantile, accurate to about 1e-15 relative (checked against 40-digit mpmath in the golden test;
// scipy 1.10's stdtrit, which statsmodels uses, is off by up to 2e-9).
func (l *Line) TQuantile(confidence float64) float64 { return olsTQuantile(l.DF, confidence) }

func olsTQuantile(df int, confidence float64) float64 {
	if df <= 0 {
		return math.NaN()
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.5 + confidence/2)
}

// SlopeCI is the t interval b ± t·se(b).
func (l *Line) SlopeCI(confidence float64) Bounds { return l.slopeCIq(l.TQuantile(confidence)) }

func (l *Line) slopeCIq(q float64) Bounds {
	return Bounds{l.Slope - q*l.SESlope, l.Slope + q*l.SESlope}
}

// InterceptCI is the t interval α ± t·se(α).
func (l *Line) InterceptCI(confidence float64) Bounds { return l.interceptCIq(l.TQuantile(confidence)) }

func (l *Line) interceptCIq(q float64) Bounds {
	return Bounds{l.Intercept - q*l.SEInt, l.Intercept + q*l.SEInt}
}

// Predict returns the fitted mean α + b·t0 at t0 and its standard error,
//
//	se_mean(t0) = s·√(1/W + (t0 − t̄)²/Stt),
//
// which equals √(x0ᵀ·Cov·x0) for x0 = (1, t0), statsmodels' se_mean. The standard error is NaN when DF = 0.
func (l *Line) Predict(t0 float64) (mean, seMean float64) {
	d := t0 - l.TBar
	return l.Intercept + l.Slope*t0, math.Sqrt(l.Scale * (1/l.SumW + d*d/l.Stt))
}

// MeanCI is the confidence interval for the mean of u at t0, mean ± t·se_mean: statsmodels'
// get_prediction(...).summary_frame(alpha) columns mean_ci_lower and mean_ci_upper.
func (l *Line) MeanCI(t0, confidence float64) Bounds { return l.meanCIq(t0, l.TQuantile(confidence)) }

func (l *Line) meanCIq(t0, q float64) Bounds {
	m, se := l.Predict(t0)
	return Bounds{m - q*se, m + q*se}
}

// PredCI is the prediction interval for a new observation at t0 with weight w0 (1 for OLS),
//
//	mean ± t·√(se_mean² + s²/w0),
//
// statsmodels' obs_ci_lower and obs_ci_upper (get_prediction with weights=w0).
func (l *Line) PredCI(t0, w0, confidence float64) Bounds {
	return l.predCIq(t0, w0, l.TQuantile(confidence))
}

func (l *Line) predCIq(t0, w0, q float64) Bounds {
	m, se := l.Predict(t0)
	sp := math.Sqrt(se*se + l.Scale/w0)
	return Bounds{m - q*sp, m + q*sp}
}

// Bounds is a closed interval [Lo, Hi]. Either bound is NaN when the interval does not exist. It marshals to JSON as
// [lo, hi], or null when it is undefined.
type Bounds struct{ Lo, Hi float64 }

// Defined reports whether both bounds are finite numbers.
func (b Bounds) Defined() bool {
	return !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) && !math.IsInf(b.Lo, 0) && !math.IsInf(b.Hi, 0)
}

// Contains reports whether v lies in [Lo, Hi]; false when the interval is undefined.
func (b Bounds) Contains(v float64) bool { return b.Defined() && b.Lo <= v && v <= b.Hi }

// Exp maps both bounds through exp, turning a log-space interval into one on the original scale. The result is an
// interval for the median of y (exp of the mean of ln y), not for its mean.
func (b Bounds) Exp() Bounds { return Bounds{math.Exp(b.Lo), math.Exp(b.Hi)} }

// Width is Hi − Lo (NaN when undefined).
func (b Bounds) Width() float64 { return b.Hi - b.Lo }

var undefinedBounds = Bounds{math.NaN(), math.NaN()}
