package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// Scaling is the scaling-law section's numbers: the power-law fit of the runs and, when a reference was asked for,
// the same law fitted to the reference's published values. Either fit is nil when it could not be made; NoFit and
// NoReference then say why.
type Scaling struct {
	Metric      layers.Metric
	X           string
	Targets     []fit.Target
	Fit         *fit.Result
	NoFit       string
	Reference   *datasets.ReferenceSet
	RefFit      *fit.Result
	NoReference string
}

// fitScaling fits the power law of the report's y against its x over the runs and, when asked, over the reference.
// Unknown names (metric, covariate, prediction target, reference) are errors; data that cannot carry a fit (one
// model, a non-positive y) leave the fit nil with the reason.
func (r *Report) fitScaling() (*Scaling, error) {
	o := r.Options
	metric, err := layers.MetricByName(o.Y)
	if err != nil {
		return nil, fmt.Errorf("--y: %w", err)
	}
	if _, err := layers.Covariate(o.X, r.Profiles[0]); err != nil {
		return nil, fmt.Errorf("--x: %w", err)
	}
	targets, err := fit.ParseTargets(o.Predict, func(name string) (fit.Target, bool) { return fit.RegistryTarget(name, o.X) })
	if err != nil {
		return nil, err
	}
	s := &Scaling{Metric: metric, X: o.X, Targets: targets}
	if o.Reference != "" {
		ref, err := fit.LookupReference(o.Reference)
		if err != nil {
			return nil, fmt.Errorf("--reference: %w", err)
		}
		s.Reference = &ref
	}

	fopt := fit.Options{X: o.X, Y: o.Y, Confidence: o.Confidence, Resamples: o.Resamples, Seed: o.Seed, Metric: &metric, Targets: targets}
	points, err := fit.PointsFromProfiles(r.Profiles, o.Sources, metric, o.X, o.Seed)
	if err != nil {
		return nil, err
	}
	if len(points) < 2 {
		s.NoFit = fmt.Sprintf("a power law needs at least two models of different size; this report has %d", len(points))
	} else {
		fopt.Bootstrap = fit.DefaultBootstraps(points)
		if s.Fit, err = fit.PowerLaw(points, fopt); err != nil {
			s.Fit, s.NoFit = nil, err.Error()
		}
	}
	if s.Reference != nil {
		pts, err := fit.ReferencePoints(*s.Reference, metric.Name, o.X)
		switch {
		case err != nil:
			s.NoReference = err.Error()
		case len(pts) < 2:
			s.NoReference = fmt.Sprintf("%s has %d model(s): a law needs two", s.Reference.Name, len(pts))
		default:
			ropt := fopt
			ropt.Bootstrap, ropt.Metric = nil, nil
			if s.RefFit, err = fit.PowerLaw(pts, ropt); err != nil {
				s.RefFit, s.NoReference = nil, err.Error()
			}
		}
	}
	return s, nil
}

// writeScaling writes the scaling-law section: the points, the exponent with its t interval, the bootstraps, the
// predictions, leave-one-out, the warnings, and the reference's law beside the runs' own.
func (r *Report) writeScaling(b *strings.Builder) error {
	s := r.Scaling
	o := r.Options
	fmt.Fprintf(b, "## Scaling law: %s against %s\n\n", o.Y, o.X)
	fmt.Fprintf(b, "The power law %s = a·%s^b, fitted by least squares on (ln %s, ln %s), where %s is the %s.",
		o.Y, o.X, o.X, o.Y, o.Y, s.Metric.Doc)
	if o.Untrained {
		b.WriteString(" These runs are untrained controls, so the law describes how the gain at initialisation changes " +
			"with size; it says nothing about trained models.")
		if s.Reference != nil {
			fmt.Fprintf(b, " The %s law below, from trained models, is the comparison.", s.Reference.Name)
		}
	}
	b.WriteString("\n\n")
	if s.Fit == nil {
		fmt.Fprintf(b, "No fit: %s.\n\n", s.NoFit)
	} else {
		r.writeFit(b, s.Fit, "")
	}
	if s.Reference != nil {
		r.writeReference(b)
	}
	return nil
}

// writeFit writes one fitted law. prefix heads its subsections ("" for the runs' own law).
func (r *Report) writeFit(b *strings.Builder, f *fit.Result, prefix string) {
	conf := textfmt.Level(f.Confidence)
	t := textfmt.Table{Header: []string{"Model", f.X, f.Y, "y SE", "Fitted", "ln residual"}, Align: []byte{'l', 'r', 'r', 'r', 'r', 'r'}}
	for i, p := range f.Points {
		t.Add(p.Model, textfmt.X(p.X), textfmt.Num(p.Y), textfmt.Num(p.YSE), textfmt.Num(f.Fitted[i]), textfmt.Signed(f.Line.Resid[i]))
	}
	b.WriteString(t.Markdown())
	b.WriteString("\n")
	if f.ExponentCI.Defined() {
		fmt.Fprintf(b, "**Exponent b = %s**, %s CI [%s, %s] (Student t, %d df, se %s); prefactor a = %s, %s CI [%s, %s]; R² = %s; n = %d.\n\n",
			textfmt.Num(f.Exponent), conf, textfmt.Num(f.ExponentCI.Lo), textfmt.Num(f.ExponentCI.Hi), f.Line.DF, textfmt.Num(f.ExponentSE),
			textfmt.Num(f.Prefactor), conf, textfmt.Num(f.PrefactorCI.Lo), textfmt.Num(f.PrefactorCI.Hi), textfmt.Num(f.R2), f.N)
	} else {
		fmt.Fprintf(b, "**Exponent b = %s**, prefactor a = %s; n = %d, so the line passes exactly through the points and has no interval.\n\n",
			textfmt.Num(f.Exponent), textfmt.Num(f.Prefactor), f.N)
	}
	if len(f.Bootstraps) > 0 {
		fmt.Fprintf(b, "Bootstrap intervals of the exponent (%d resamples each, seed %d), beside the t interval above:\n\n", f.Bootstraps[0].Resamples, f.Seed)
		bt := textfmt.Table{Header: []string{"Method", "Resamples used", "Percentile", "Basic", "BCa", "Caveat"}, Align: []byte{'l', 'r'}}
		for _, bs := range f.Bootstraps {
			bt.Add(bs.Method, strconv.Itoa(bs.Used), fmtBounds(bs.Exponent.Percentile), fmtBounds(bs.Exponent.Basic), fmtBounds(bs.Exponent.BCa), bs.Warning)
		}
		b.WriteString(bt.Markdown())
		b.WriteString("\n")
	}
	if len(f.Predictions) > 0 {
		boot := "Bootstrap"
		if p := f.Primary(); p != nil {
			boot = fmt.Sprintf("Bootstrap (%s, %s)", p.Method, f.Interval)
		}
		fmt.Fprintf(b, "Predictions: the fitted median a·x^b, its %s confidence interval, and the %s prediction interval for "+
			"a new model of that size.\n\n", conf, conf)
		pt := textfmt.Table{Header: []string{"Target", f.X, "Predicted " + f.Y, conf + " CI (median)", conf + " PI (new model)", boot, "Beyond the data"},
			Align: []byte{'l', 'r', 'r', 'l', 'l', 'l', 'r'}}
		for _, p := range f.Predictions {
			pt.Add(p.Label, textfmt.X(p.X), textfmt.Num(p.Y), fmtBounds(p.CI), fmtBounds(p.PI), fmtBounds(p.Boot), fmtExtrapolation(p.Extrapolation))
		}
		b.WriteString(pt.Markdown())
		b.WriteString("\n")
	}
	if len(f.LOO) > 0 {
		fmt.Fprintf(b, "Leave-one-out: each model predicted by the law fitted to the others.\n\n")
		lt := textfmt.Table{Header: []string{"Held out", f.Y, "Predicted", "Error", conf + " PI", "Covered"}, Align: []byte{'l', 'r', 'r', 'r', 'l', 'l'}}
		for _, l := range f.LOO {
			lt.Add(l.Model, textfmt.Num(l.Y), textfmt.Num(l.Predicted), l.ErrorText(), fmtBounds(l.PI), l.CoveredText())
		}
		b.WriteString(lt.Markdown())
		if cov, def := fit.LOOCoverage(f.LOO); def > 0 {
			fmt.Fprintf(b, "\n%d of %d held-out models fall inside their prediction interval.\n", cov, def)
		}
		b.WriteString("\n")
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(b, "- ⚠ %s\n", w)
	}
	for _, n := range f.Notes {
		fmt.Fprintf(b, "- %s\n", n)
	}
	if len(f.Warnings)+len(f.Notes) > 0 {
		b.WriteString("\n")
	}
}

// writeReference writes the reference set's law beside the runs' own.
func (r *Report) writeReference(b *strings.Builder) {
	s := r.Scaling
	ref := s.Reference
	fmt.Fprintf(b, "### Beside the reference: %s\n\n", ref.Name)
	fmt.Fprintf(b, "%s. Source: %s.\n\n", upperFirst(ref.Description), ref.Provenance)
	if s.RefFit == nil {
		fmt.Fprintf(b, "No reference law: %s.\n\n", s.NoReference)
		return
	}
	rf := s.RefFit
	conf := textfmt.Level(rf.Confidence)
	label := "These runs"
	if r.Options.Untrained {
		label = "These runs (untrained)"
	}
	t := textfmt.Table{Header: []string{"", label, ref.Name + " (published)"}, Align: []byte{'l', 'l', 'l'}}
	models := func(f *fit.Result) string {
		var names []string
		for _, p := range f.Points {
			names = append(names, p.Model)
		}
		return strings.Join(names, ", ")
	}
	xrange := func(f *fit.Result) string {
		lo, hi := f.Points[0].X, f.Points[0].X
		for _, p := range f.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
		return textfmt.X(lo) + " – " + textfmt.X(hi)
	}
	exponent := func(f *fit.Result) string {
		if f.ExponentCI.Defined() {
			return fmt.Sprintf("%s [%s, %s]", textfmt.Num(f.Exponent), textfmt.Num(f.ExponentCI.Lo), textfmt.Num(f.ExponentCI.Hi))
		}
		return textfmt.Num(f.Exponent) + " (no interval: two points)"
	}
	ours := s.Fit
	cell := func(f func(*fit.Result) string) string {
		if ours == nil {
			return "—"
		}
		return f(ours)
	}
	t.Add("Models", cell(models), models(rf))
	t.Add("Range of "+rf.X, cell(xrange), xrange(rf))
	t.Add(fmt.Sprintf("Exponent b (%s CI)", conf), cell(exponent), exponent(rf))
	t.Add("Prefactor a", cell(func(f *fit.Result) string { return textfmt.Num(f.Prefactor) }), textfmt.Num(rf.Prefactor))
	for j, p := range rf.Predictions {
		ourCell := "—"
		if ours != nil {
			op := ours.Predictions[j]
			ourCell = textfmt.Num(op.Y)
			if op.PI.Defined() {
				ourCell += " (PI " + fmtBounds(op.PI) + ")"
			}
		}
		refCell := textfmt.Num(p.Y)
		if p.PI.Defined() {
			refCell += " (PI " + fmtBounds(p.PI) + ")"
		}
		t.Add(fmt.Sprintf("Predicted %s at %s", rf.Y, p.Label), ourCell, refCell)
	}
	b.WriteString(t.Markdown())
	b.WriteString("\n")
	for _, w := range rf.Warnings {
		fmt.Fprintf(b, "- ⚠ %s: %s\n", ref.Name, w)
	}
	b.WriteString("\n")
}

// fmtBounds writes an interval of a fit, or a dash when it is undefined.
func fmtBounds(b fit.Bounds) string { return textfmt.Interval(b.Lo, b.Hi, textfmt.Num) }

// fmtExtrapolation writes how far a target lies outside the data: "29×" beyond the largest model, "1/3.2" below the
// smallest, "inside" within the range.
func fmtExtrapolation(e float64) string {
	switch {
	case math.IsNaN(e):
		return "—"
	case e > 1:
		return textfmt.Num(e) + "×"
	case e < 1:
		return "1/" + textfmt.Num(1/e)
	}
	return "inside"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
