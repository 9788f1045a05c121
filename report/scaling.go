package report

import (
	"fmt"
	"math"
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
	Metric  layers.Metric
	X       string
	Targets []fit.Target
	Fit     *fit.Result
	NoFit   string
	// ByArch is the law of each architecture family and the test of equal exponents, when the runs span more than
	// one family (fit.ByArchitecture with each family's default bootstraps); nil otherwise. Fit then pools them.
	ByArch      *fit.FamilyResult
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
	if o.X == layers.StepCovariate {
		return nil, fmt.Errorf("--x step: the report's law is across model sizes; its section on training checkpoints fits the laws in steps")
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

	// Every law runs the bootstraps its own points allow, each family's its own, as fit --bootstrap auto does.
	fopt := fit.Options{X: o.X, Y: o.Y, Confidence: o.Confidence, Resamples: o.Resamples, Seed: o.Seed, Metric: &metric,
		Targets: targets, Bootstrap: []string{fit.BootstrapAuto}}
	points, err := fit.PointsFromProfiles(r.Profiles, o.Sources, metric, o.X, o.Seed)
	if err != nil {
		return nil, err
	}
	if len(points) < 2 {
		s.NoFit = fmt.Sprintf("a power law needs at least two models of different size; this report has %s %s", countWord(len(points)), verb(len(points), "model", "models"))
	} else {
		if s.Fit, err = fit.PowerLaw(points, fopt); err != nil {
			s.Fit, s.NoFit = nil, err.Error()
		}
	}
	if len(layers.Architectures(r.Profiles)) > 1 {
		if s.ByArch, err = fit.ByArchitecture(points, fopt); err != nil {
			return nil, err
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

// writeScaling writes the scaling-law section: the fit of the runs (writeFit) and the reference's law beside it.
func writeScaling(p *page, r *Report) {
	s, o := r.Scaling, r.Options
	if s.Fit == nil && s.Reference == nil {
		p.para("No scaling law: %s.", s.NoFit)
		return
	}
	intro := fmt.Sprintf("The power law %s = a·%s^b, fitted by least squares on (ln %s, ln %s); %s is the %s.",
		o.Y, o.X, o.X, o.Y, o.Y, s.Metric.Doc)
	if o.Untrained {
		intro += " These runs are untrained controls, so the law describes how the gain at initialisation changes " +
			"with size; it says nothing about trained models."
		if s.Reference != nil {
			intro += fmt.Sprintf(" The %s law below, from trained models, is the comparison.", s.Reference.Name)
		}
	}
	p.para("%s", intro)
	if s.ByArch != nil {
		p.heading(3, "By architecture")
		p.para("Each family's own law (scalefit fit --by architecture), and whether their exponents differ.")
		writeFamilies(p, s.ByArch)
		p.heading(3, "All families pooled")
		p.para("One law through every model, whatever its architecture: read it beside the families' own laws above.")
	}
	if s.Fit == nil {
		p.para("No fit: %s.", s.NoFit)
	} else {
		writeFit(p, s.Fit)
	}
	if s.Reference != nil {
		writeReference(p, r)
	}
}

// writeReference writes the reference set's law beside the runs' own.
func writeReference(p *page, r *Report) {
	s := r.Scaling
	ref := s.Reference
	p.heading(3, "Beside the reference: "+ref.Name)
	p.para("%s. Source: %s.", upperFirst(ref.Description), ref.Provenance)
	if s.RefFit == nil {
		p.para("No reference law: %s.", s.NoReference)
		return
	}
	rf := s.RefFit
	conf := textfmt.Level(rf.Confidence)
	label := "These runs"
	if r.Options.Untrained {
		label = "These runs (untrained)"
	}
	t := textfmt.Table{Header: []string{"", label, ref.Name + " (published)"}}
	models := func(f *fit.Result) string {
		var names []string
		for _, pt := range f.Points {
			names = append(names, pt.Model)
		}
		return strings.Join(names, ", ")
	}
	xrange := func(f *fit.Result) string {
		lo, hi := f.Points[0].X, f.Points[0].X
		for _, pt := range f.Points {
			lo, hi = math.Min(lo, pt.X), math.Max(hi, pt.X)
		}
		return textfmt.X(lo) + " – " + textfmt.X(hi)
	}
	exponent := func(f *fit.Result) string {
		if f.ExponentCI.Defined() {
			return textfmt.Num(f.Exponent) + " " + fitBounds(f.ExponentCI)
		}
		return textfmt.Num(f.Exponent) + " (no interval: two points)"
	}
	ours := s.Fit
	cell := func(f func(*fit.Result) string) string {
		if ours == nil {
			return textfmt.Dash
		}
		return f(ours)
	}
	t.Add("Models", cell(models), models(rf))
	t.Add("Range of "+rf.X, cell(xrange), xrange(rf))
	t.Add(fmt.Sprintf("Exponent b (%s CI)", conf), cell(exponent), exponent(rf))
	t.Add("Prefactor a", cell(func(f *fit.Result) string { return textfmt.Num(f.Prefactor) }), textfmt.Num(rf.Prefactor))
	for j, pr := range rf.Predictions {
		ourCell := textfmt.Dash
		if ours != nil {
			op := ours.Predictions[j]
			ourCell = textfmt.Num(op.Y)
			if op.PI.Defined() {
				ourCell += " (PI " + fitBounds(op.PI) + ")"
			}
		}
		refCell := textfmt.Num(pr.Y)
		if pr.PI.Defined() {
			refCell += " (PI " + fitBounds(pr.PI) + ")"
		}
		t.Add(fmt.Sprintf("Predicted %s at %s", rf.Y, pr.Label), ourCell, refCell)
	}
	p.table(t)
	var items []string
	for _, w := range rf.Warnings {
		items = append(items, "⚠ "+ref.Name+": "+w)
	}
	p.list(items)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
