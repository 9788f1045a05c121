package fit

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/layers"
)

// Functional forms of a scaling law.
const (
	FormPower  = "power"  // y = a·x^b, OLS (or WLS) on (ln x, ln y)
	FormOffset = "offset" // y = c + a·x^b, nonlinear least squares on y
	FormBoth   = "both"   // the power law as the headline, the offset form fitted beside it and compared
)

// Regression weights.
const (
	WeightsNone            = "none"
	WeightsInverseVariance = "inverse-variance"
)

// Bootstrap interval types.
const (
	IntervalPercentile = "percentile"
	IntervalBasic      = "basic"
	IntervalBCa        = "bca"
)

// SmallN is the number of models below which model-resampling bootstrap intervals carry a warning.
const SmallN = 8

// Options configures PowerLaw. The zero value is a plain OLS power law at 95 % with no bootstrap.
type Options struct {
	X, Y       string         // names of the covariate and the metric, for the output
	Form       string         // FormPower (default), FormOffset or FormBoth
	Weights    string         // WeightsNone (default) or WeightsInverseVariance
	Confidence float64        // two-sided confidence level; 0 means 0.95
	Bootstrap  []string       // methods to run, the first being the primary one; or BootstrapAuto alone; see DefaultBootstraps
	Interval   string         // the bootstrap interval shown with predictions: IntervalBCa (default), percentile or basic
	Resamples  int            // bootstrap resamples; 0 means layers.DefaultResamples (2000)
	Seed       uint64         // the bootstrap's random streams are a function of Seed only
	Metric     *layers.Metric // the metric behind y; the hierarchical bootstrap needs it to recompute y from runs
	Targets    []Target       // x values to predict at
	Workers    int            // goroutines for the bootstrap; 0 means GOMAXPROCS. Results do not depend on it.
}

// BootstrapAuto, alone in Options.Bootstrap, asks PowerLaw for DefaultBootstraps of the points it fits. A fit of
// several laws (ByArchitecture, ByGroup) thereby runs in each law the bootstraps that its own points allow: the pairs
// and residual bootstraps need three points, which one family or model may have and another not.
const BootstrapAuto = "auto"

// DefaultBootstraps is the bootstrap methods that apply to pts: hierarchical when some point has a run, then pairs and
// residual when there are at least three models.
func DefaultBootstraps(pts []Point) []string {
	var out []string
	for _, p := range pts {
		if p.Profile != nil {
			out = append(out, Hierarchical)
			break
		}
	}
	if len(pts) >= 3 {
		out = append(out, Pairs, Residual)
	}
	return out
}

// Result is a fitted scaling law with everything scalefit reports about it.
//
// The headline numbers (Exponent, Prefactor, their SEs and intervals, R², the predictions' CI and PI) come from the
// form named by Form. For the power law the intervals are Student-t intervals from the log-space regression; at small
// n they are the ones whose coverage is honest (docs/statistics.md), so they are the headline, and the bootstrap
// intervals are reported beside them.
type Result struct {
	X, Y       string
	Form       string // FormPower or FormOffset: the form of the headline numbers
	Weights    string
	N          int
	Confidence float64
	Seed       uint64
	Points     []Point

	Line        *Line // the log-space power-law regression (always fitted)
	Exponent    float64
	ExponentSE  float64
	ExponentCI  Bounds
	Prefactor   float64
	PrefactorSE float64 // delta method, a·se(ln a), for the power law
	PrefactorCI Bounds  // exp() of the t interval of ln a, for the power law
	R2          float64
	Fitted      []float64 // headline fitted values on the y scale (the median a·x^b for the power law)

	Offset     *OffsetFit  // nil unless Form is offset or both and n ≥ 4
	Comparison []FormScore // AIC/BIC of both forms when the offset form was fitted

	Bootstraps  []*Bootstrap // in the order of Options.Bootstrap; the first is the primary one
	Interval    string       // bootstrap interval type shown with predictions
	Predictions []Prediction
	LOO         []LOOPrediction

	Warnings []string
	Notes    []string

	newWeight float64 // regression weight of a new model in prediction intervals
}

// MedianNote is the sentence scalefit prints beside every interval that is exp() of a log-space interval.
const MedianNote = "exp() of a log-space interval is an interval for the median of y at x (exp of the mean of ln y), not for its mean"

// PowerLaw fits y = a·x^b to points by least squares on (ln x, ln y) and computes everything in Result:
// coefficients, standard errors, t intervals, R², residuals, predictions with confidence and prediction intervals,
// bootstrap intervals, leave-one-out predictions and, when asked, the offset form and the model comparison.
//
// It returns an error for fewer than two points, a non-finite or non-positive x or y (a log fit needs y > 0), all x
// equal, or inconsistent options. With two points the exponent is exactly determined: every interval is undefined
// (NaN), and the result carries a warning saying so. Result.Points holds the points ordered by x.
func PowerLaw(points []Point, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := validatePoints(points); err != nil {
		return nil, err
	}
	if o.autoBootstrap() {
		o.Bootstrap = DefaultBootstraps(points)
	}
	n := len(points)
	points = slices.Clone(points)
	slices.SortStableFunc(points, func(a, b Point) int { return offCmp(a.X, b.X) })
	r := &Result{X: o.X, Y: o.Y, Form: FormPower, Weights: o.Weights, N: n, Confidence: o.Confidence, Seed: o.Seed,
		Points: points, Interval: o.Interval}
	if o.Form == FormOffset {
		r.Form = FormOffset
	}
	t, u, w := make([]float64, n), make([]float64, n), make([]float64, n)
	seen := map[string]bool{}
	for i, p := range points {
		t[i], u[i], w[i] = math.Log(p.X), math.Log(p.Y), 1
		if o.Weights == WeightsInverseVariance {
			if !(p.YSE > 0) {
				return nil, fmt.Errorf("model %q has no positive y_se: --weights inverse-variance needs a standard error for every model", p.Model)
			}
			se := p.YSE / p.Y // delta method: se(ln y) = se(y)/y
			w[i] = 1 / (se * se)
		}
		if seen[p.Model] {
			r.Warnings = append(r.Warnings, fmt.Sprintf("model %q appears more than once", p.Model))
		}
		seen[p.Model] = true
	}
	line, err := FitLine(t, u, w)
	if err != nil {
		return nil, err
	}
	r.Line = line
	r.newWeight = 1
	if o.Weights == WeightsInverseVariance {
		var s float64
		for _, wi := range w {
			s += 1 / wi
		}
		r.newWeight = float64(n) / s
	}
	distinct := map[float64]bool{}
	for _, v := range t {
		distinct[v] = true
	}
	if line.DF == 0 {
		w := fmt.Sprintf("n = %d: the exponent is exactly determined by two points, so no confidence or prediction interval exists (0 degrees of freedom)", n)
		if len(o.Targets) > 0 {
			w += "; predictions are point values only"
		}
		r.Warnings = append(r.Warnings, w)
	} else if len(distinct) == 2 && n > 2 {
		r.Warnings = append(r.Warnings, "only two distinct x values: the fit cannot tell a power law from any other curve through them")
	}

	// Headline: the power law.
	r.Exponent, r.ExponentSE, r.ExponentCI = line.Slope, line.SESlope, line.SlopeCI(o.Confidence)
	r.Prefactor = math.Exp(line.Intercept)
	r.PrefactorSE = r.Prefactor * line.SEInt
	r.PrefactorCI = line.InterceptCI(o.Confidence).Exp()
	r.R2 = line.R2
	r.Fitted = make([]float64, n)
	for i, f := range line.Fitted {
		r.Fitted[i] = math.Exp(f)
	}
	r.Notes = append(r.Notes, MedianNote)
	if o.Weights == WeightsInverseVariance {
		r.Notes = append(r.Notes, "weights: w_i = 1/se(ln y_i)² with se(ln y_i) = y_se_i/y_i (delta method); a new model's prediction interval assumes the mean measurement variance of the fitted models, s²·mean(1/w_i)")
	}

	xmin, xmax := points[0].X, points[0].X
	for _, p := range points {
		xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
	}
	lt := make([]float64, len(o.Targets))
	for j, tg := range o.Targets {
		lt[j] = math.Log(tg.X)
		pr := Prediction{Target: tg, Extrapolation: 1, Boot: undefinedBounds}
		if tg.X > xmax {
			pr.Extrapolation = tg.X / xmax
		} else if tg.X < xmin {
			pr.Extrapolation = tg.X / xmin
		}
		m, _ := line.Predict(lt[j])
		pr.Y = math.Exp(m)
		pr.CI = line.MeanCI(lt[j], o.Confidence).Exp()
		pr.PI = line.PredCI(lt[j], r.newWeight, o.Confidence).Exp()
		if pr.Extrapolation >= 10 || pr.Extrapolation <= 0.1 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: x = %.3g is %.3g× %s the measured range; the prediction assumes the law holds that far",
				tg.Label, tg.X, math.Max(pr.Extrapolation, 1/pr.Extrapolation), map[bool]string{true: "beyond", false: "below"}[pr.Extrapolation > 1]))
		}
		r.Predictions = append(r.Predictions, pr)
	}

	// The offset form and the comparison.
	if o.Form == FormOffset || o.Form == FormBoth {
		if err := r.fitOffset(points, o); err != nil {
			return nil, err
		}
	}

	// Bootstraps of the power law.
	if r.Form == FormPower {
		if err := r.runBootstraps(points, t, u, w, lt, o); err != nil {
			return nil, err
		}
	} else if len(o.Bootstrap) > 0 {
		r.Notes = append(r.Notes, "bootstrap intervals are computed for the power-law form only; with --form offset the intervals are asymptotic (t with n − 3 degrees of freedom)")
	}

	// Leave-one-out.
	if n >= 3 {
		r.LOO = leaveOneOut(points, t, u, w, o.Confidence)
		if n == 3 {
			r.Notes = append(r.Notes, "leave-one-out at n = 3 fits two models at a time, so its predictions have no prediction interval")
		}
	}
	return r, nil
}

// autoBootstrap reports whether o.Bootstrap is BootstrapAuto alone.
func (o Options) autoBootstrap() bool { return slices.Equal(o.Bootstrap, []string{BootstrapAuto}) }

func (o Options) withDefaults() (Options, error) {
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return o, fmt.Errorf("confidence %v: must lie strictly between 0 and 1", o.Confidence)
	}
	if o.Form == "" {
		o.Form = FormPower
	}
	if o.Form != FormPower && o.Form != FormOffset && o.Form != FormBoth {
		return o, fmt.Errorf("unknown form %q (known: power, offset, both)", o.Form)
	}
	if o.Weights == "" {
		o.Weights = WeightsNone
	}
	if o.Weights != WeightsNone && o.Weights != WeightsInverseVariance {
		return o, fmt.Errorf("unknown weights %q (known: none, inverse-variance)", o.Weights)
	}
	if o.Interval == "" {
		o.Interval = IntervalBCa
	}
	if o.Interval != IntervalBCa && o.Interval != IntervalPercentile && o.Interval != IntervalBasic {
		return o, fmt.Errorf("unknown bootstrap interval %q (known: bca, percentile, basic)", o.Interval)
	}
	if o.Resamples == 0 {
		o.Resamples = layers.DefaultResamples
	}
	if o.Resamples < 0 {
		return o, fmt.Errorf("resamples %d: must be positive", o.Resamples)
	}
	for i, m := range o.Bootstrap {
		if !slices.Contains(BootstrapMethods, m) && !o.autoBootstrap() {
			return o, fmt.Errorf("unknown bootstrap method %q (known: %s)", m, strings.Join(BootstrapMethods, ", "))
		}
		if slices.Contains(o.Bootstrap[:i], m) {
			return o, fmt.Errorf("bootstrap method %q given twice", m)
		}
	}
	if o.X == "" {
		o.X = "x"
	}
	if o.Y == "" {
		o.Y = "y"
	}
	return o, nil
}

// fitOffset fits y = c + a·x^b and the y-scale power law for the comparison; with Form offset it becomes the headline.
func (r *Result) fitOffset(points []Point, o Options) error {
	n := len(points)
	if n < 4 {
		if o.Form == FormOffset {
			return fmt.Errorf("--form offset: y = c + a·x^b has three parameters and needs at least 4 models, have %d", n)
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("the offset form y = c + a·x^b needs at least 4 models, have %d: not fitted", n))
		return nil
	}
	if o.Weights == WeightsInverseVariance {
		r.Notes = append(r.Notes, "the offset form is fitted unweighted")
	}
	x, y := make([]float64, n), make([]float64, n)
	for i, p := range points {
		x[i], y[i] = p.X, p.Y
	}
	off, err := FitOffset(x, y)
	if err != nil {
		return fmt.Errorf("offset form: %w", err)
	}
	r.Offset = off
	if off.Note != "" {
		r.Warnings = append(r.Warnings, "offset form: "+off.Note)
	}
	a, b, rss, conv, err := nlsPower(x, y)
	if err != nil {
		return fmt.Errorf("power law on the y scale: %w", err)
	}
	ps := formScore(FormPower, 3, n, rss)
	ps.A, ps.B, ps.Converged = a, b, conv
	os := formScore(FormOffset, 4, n, off.RSS)
	os.A, os.B, os.C, os.Converged = off.A, off.B, off.C, off.Converged
	r.Comparison = []FormScore{ps, os}

	if o.Form != FormOffset {
		return nil
	}
	r.Exponent, r.ExponentSE, r.ExponentCI = off.B, off.SE[2], off.ExponentCI(o.Confidence)
	q := olsTQuantile(off.DF, o.Confidence)
	r.Prefactor, r.PrefactorSE = off.A, off.SE[1]
	r.PrefactorCI = Bounds{off.A - q*off.SE[1], off.A + q*off.SE[1]}
	r.R2 = off.R2
	for i, p := range points {
		r.Fitted[i] = off.C + off.A*math.Pow(p.X, off.B)
	}
	for j := range r.Predictions {
		pr := &r.Predictions[j]
		pr.Y, _ = off.Predict(pr.X)
		pr.CI = off.MeanCI(pr.X, o.Confidence)
		pr.PI = off.PredCI(pr.X, o.Confidence)
	}
	r.Notes = slices.DeleteFunc(r.Notes, func(s string) bool { return s == MedianNote })
	r.Notes = append(r.Notes, "offset form: predictions are the fitted mean c + a·x^b with delta-method intervals on the y scale")
	return nil
}

func (r *Result) runBootstraps(points []Point, t, u, w, lt []float64, o Options) error {
	if len(o.Bootstrap) == 0 {
		return nil
	}
	bp := &bootProblem{t: t, u: u, w: w, targets: lt, evals: make([]*seqShared, len(points))}
	for i, p := range points {
		if p.Profile == nil || !slices.Contains(o.Bootstrap, Hierarchical) {
			continue
		}
		if o.Metric == nil {
			return fmt.Errorf("hierarchical bootstrap: the metric behind y is needed to recompute it from the runs")
		}
		if !p.Profile.Has(o.Metric.Component) {
			return fmt.Errorf("model %q: the run has no %q component, which %s needs", p.Model, o.Metric.Component, o.Metric.Name)
		}
		sh := newSeqShared(*o.Metric, p.Profile)
		ones := make([]float64, sh.nseq)
		for q := range ones {
			ones[q] = 1
		}
		if y := sh.evaluator().withCounts(ones); math.Abs(y-p.Y) > 1e-9*math.Abs(p.Y) {
			return fmt.Errorf("model %q: y = %g, but %s on its run gives %g: the point was not made with this metric", p.Model, p.Y, o.Metric.Name, y)
		}
		bp.evals[i] = sh
	}
	n := len(points)
	for _, m := range o.Bootstrap {
		if m != Hierarchical && n < 3 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s bootstrap skipped: it needs at least 3 models", m))
			continue
		}
		if m == Hierarchical && !slices.ContainsFunc(bp.evals, func(e *seqShared) bool { return e != nil }) {
			return fmt.Errorf("hierarchical bootstrap: no model comes from a run file, so there are no sequences to resample")
		}
		bs, err := runBootstrap(bp, m, o.Resamples, o.Seed, o.Confidence, o.Workers)
		if err != nil {
			// The data cannot carry this bootstrap (a model whose residual has leverage 1, say, when two revisions
			// of one model share its x): leave it out and say so; the t interval does not depend on it.
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s bootstrap left out: %v; the t interval above does not depend on it", m, err))
			continue
		}
		switch {
		case m == Hierarchical:
			msg := "measurement uncertainty only (sequences resampled within each run); it does not include the scatter of models around the law"
			if bs.Resampled < n {
				msg += fmt.Sprintf("; %d of %d models come from runs, the others are held fixed", bs.Resampled, n)
			}
			bs.Warning = resJoinWarn(msg, bs.Warning)
		case n < SmallN:
			bs.Warning = resJoinWarn(fmt.Sprintf("n = %d < %d: model-resampling bootstrap intervals cover far below their nominal level at small n (docs/statistics.md); prefer the t interval", n, SmallN), bs.Warning)
		}
		r.Bootstraps = append(r.Bootstraps, bs)
	}
	if len(r.Bootstraps) > 0 && n > 2 {
		// At n = 2 only the hierarchical bootstrap runs, and its spread is measurement noise alone: it is shown
		// for the exponent, labelled, but not offered as an interval for predictions from a law with 0 df.
		prim := r.Bootstraps[0]
		for j := range r.Predictions {
			r.Predictions[j].Boot = prim.Targets[j].Pick(r.Interval).Exp()
		}
	}
	return nil
}

func resJoinWarn(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// Pick returns the interval of the given type (IntervalPercentile, IntervalBasic or IntervalBCa).
func (bi BootIntervals) Pick(kind string) Bounds {
	switch kind {
	case IntervalPercentile:
		return bi.Percentile
	case IntervalBasic:
		return bi.Basic
	}
	return bi.BCa
}

// leaveOneOut predicts each model from the power law fitted to the others. A held-out model's prediction interval
// uses its own regression weight.
func leaveOneOut(points []Point, t, u, w []float64, confidence float64) []LOOPrediction {
	n := len(points)
	out := make([]LOOPrediction, n)
	full, err := FitLine(t, u, w)
	for i, p := range points {
		out[i] = LOOPrediction{Model: p.Model, X: p.X, Y: p.Y, Predicted: math.NaN(), PI: undefinedBounds,
			LogError: math.NaN(), RelError: math.NaN()}
	}
	if err != nil || n < 3 {
		return out // no fit to the other n − 1 models
	}
	// A held-out model leaves the others on one x only when it is the single point off the one other x.
	distinct := map[float64]int{}
	for _, ti := range t {
		distinct[ti]++
	}
	q := olsTQuantile(n-3, confidence)
	rss := full.RSS()
	for i := range points {
		if len(distinct) == 2 && distinct[t[i]] == 1 {
			continue
		}
		l := full.without(i, t, u, rss)
		m, _ := l.Predict(t[i])
		lp := &out[i]
		lp.Predicted = math.Exp(m)
		lp.LogError = u[i] - m
		lp.RelError = lp.Y/lp.Predicted - 1
		lp.PI = l.predCIq(t[i], full.Weights[i], q).Exp()
		if lp.PI.Defined() {
			c := lp.PI.Contains(lp.Y)
			lp.Covered = &c
		}
	}
	return out
}

// without returns the line fitted to every point but i, from the full fit in O(1) rather than by a refit of n − 1
// points, so that the leave-one-out of n models costs O(n), not O(n²) (200 000 points took minutes). With the
// leverage h_i = w_i·(1/W + (t_i − t̄)²/Stt) and the residual e_i of the full fit, the fit without point i has
//
//	W' = W − w_i,   t̄' = (W·t̄ − w_i·t_i)/W',   Stt' = Stt − w_i·W/W'·(t_i − t̄)²,
//	b' = b − w_i·(t_i − t̄)·e_i / (Stt·(1 − h_i)),   α' = ū' − b'·t̄' with ū' = (W·ū − w_i·u_i)/W',
//	RSS' = RSS − w_i·e_i²/(1 − h_i),   s'² = RSS'/(n − 3),
//
// the deletion formulas of regression diagnostics (statsmodels' OLSInfluence computes s'² the same way). Only the
// fields Predict and PredCI read are set.
func (l *Line) without(i int, t, u []float64, rss float64) Line {
	w, dt, e := l.Weights[i], t[i]-l.TBar, l.Resid[i]
	h := w * (1/l.SumW + dt*dt/l.Stt) // the leverage of point i, < 1 while the others span two x
	sw := l.SumW - w
	ubar := l.Intercept + l.Slope*l.TBar // the full fit passes through (t̄, ū)
	out := Line{
		N: l.N - 1, DF: l.N - 3, SumW: sw,
		TBar:  (l.SumW*l.TBar - w*t[i]) / sw,
		Stt:   l.Stt - w*l.SumW/sw*dt*dt,
		Slope: l.Slope - w*dt*e/(l.Stt*(1-h)),
		Scale: math.NaN(),
	}
	out.Intercept = (l.SumW*ubar-w*u[i])/sw - out.Slope*out.TBar
	if out.DF > 0 {
		out.Scale = max(0, rss-w*e*e/(1-h)) / float64(out.DF)
	}
	return out
}

// Curve evaluates the headline fit at xs for drawing: the fitted line (the median a·x^b for the power law, the mean
// c + a·x^b for the offset form) and its confidence band. The band is NaN where it is undefined (n = 2).
func (r *Result) Curve(xs []float64) (median, ciLo, ciHi []float64) {
	median, ciLo, ciHi = make([]float64, len(xs)), make([]float64, len(xs)), make([]float64, len(xs))
	for i, x := range xs {
		var ci Bounds
		if r.Form == FormOffset && r.Offset != nil {
			median[i], _ = r.Offset.Predict(x)
			ci = r.Offset.MeanCI(x, r.Confidence)
		} else {
			m, _ := r.Line.Predict(math.Log(x))
			median[i] = math.Exp(m)
			ci = r.Line.MeanCI(math.Log(x), r.Confidence).Exp()
		}
		ciLo[i], ciHi[i] = ci.Lo, ci.Hi
	}
	return median, ciLo, ciHi
}

// Primary returns the primary bootstrap (the first one run), or nil.
func (r *Result) Primary() *Bootstrap {
	if len(r.Bootstraps) == 0 {
		return nil
	}
	return r.Bootstraps[0]
}
