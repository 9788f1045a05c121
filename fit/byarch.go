package fit

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// FamilyFit is one architecture family's law in a fit by architecture.
type FamilyFit struct {
	Family string
	Models []string // the family's models, in the order of the points
	// Result is the family's power law, computed by PowerLaw exactly as a fit of its points alone (with its own t
	// intervals, bootstraps, predictions and leave-one-out). It is nil when the family cannot carry a law (one model,
	// or every model of one size); Note then says why.
	Result *Result
	Note   string
}

// Exponent relations between two families, from their t intervals (ExponentOverlap).
const (
	OverlapYes     = "overlap"      // both have intervals, and they overlap
	OverlapNo      = "apart"        // both have intervals, and they do not overlap
	OverlapInside  = "inside"       // one family's exponent is exact (n = 2) and lies inside the other's interval
	OverlapOutside = "outside"      // one family's exponent is exact (n = 2) and lies outside the other's interval
	OverlapNone    = "no intervals" // neither has an interval (n = 2 each)
)

// ExponentOverlap compares the exponents of families A and B through their t intervals. Intervals that do not
// overlap mean different exponents at a level stricter than the intervals' own; intervals that overlap do not mean
// equal exponents (two 95 % intervals can overlap while the difference is significant at 5 %): the F test
// (SlopeTest) is the test.
type ExponentOverlap struct {
	A, B     string
	Relation string // OverlapYes, OverlapNo, OverlapInside, OverlapOutside or OverlapNone
}

// FamilyResult is a fit by architecture: one power law per family, and whether their exponents differ.
type FamilyResult struct {
	X, Y       string
	Form       string
	Weights    string
	Confidence float64
	Families   []FamilyFit       // in order of name
	Overlaps   []ExponentOverlap // every pair of families with a law
	// Slopes is the F test of equal exponents across the families with a law, nil when it cannot be made; NoTest
	// then says why.
	Slopes   *SlopeTest
	NoTest   string
	Warnings []string
	Notes    []string
}

// ByArchitecture fits one power law per architecture family (Point.Family) of points with PowerLaw and the options
// opts, then compares their exponents: the overlap of every two families' t intervals, and the F test of equal slopes
// (EqualSlopes) on ln y against ln x, weighted as the fits are.
//
// A prediction target of a named model (Target.Family set) is predicted by its own family's law only; a number is
// predicted by every family's. With Options.Bootstrap []string{BootstrapAuto}, each family runs DefaultBootstraps of
// its own points (PowerLaw). Every point needs a family; a family of one model, or of models of one size,
// has no law and stays out of the comparison, with a warning.
func ByArchitecture(points []Point, opts Options) (*FamilyResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(points) == 0 {
		return nil, fmt.Errorf("no models to fit")
	}
	groups := map[string][]Point{}
	for _, p := range points {
		if p.Family == "" {
			where := fmt.Sprintf("model %q", p.Model)
			if p.Source != "" {
				where = p.Source + ": " + where
			}
			return nil, fmt.Errorf("%s has no architecture: a fit by architecture needs each model's family (run files record it; a --points CSV needs an architecture column)", where)
		}
		groups[p.Family] = append(groups[p.Family], p)
	}
	names := make([]string, 0, len(groups))
	for f := range groups {
		names = append(names, f)
	}
	slices.Sort(names)
	fr := &FamilyResult{X: o.X, Y: o.Y, Form: o.Form, Weights: o.Weights, Confidence: o.Confidence}
	if len(names) == 1 {
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("every model is %s: one family, so there is nothing to compare", names[0]))
	}

	// Named targets go to their own family's law; a family the points do not have cannot predict them.
	for _, tg := range o.Targets {
		if tg.Family == "" {
			continue
		}
		if _, ok := groups[tg.Family]; !ok {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("%s is a %s model, and no %s model was fitted: no prediction for it", tg.Label, tg.Family, tg.Family))
		}
	}

	var lawNames []string
	var ts, us, ws [][]float64
	for _, name := range names {
		pts := groups[name]
		ff := FamilyFit{Family: name}
		for _, p := range pts {
			ff.Models = append(ff.Models, p.Model)
		}
		fo := o
		fo.Targets = nil
		for _, tg := range o.Targets {
			if tg.Family == "" || tg.Family == name {
				fo.Targets = append(fo.Targets, tg)
			}
		}
		switch {
		case len(pts) < 2:
			ff.Note = "one model: a law needs at least two models of different size"
		default:
			res, err := PowerLaw(pts, fo)
			if err != nil {
				ff.Note = err.Error()
				break
			}
			ff.Result = res
		}
		if ff.Result == nil {
			w := fmt.Sprintf("%s has no law (%s), so it stays out of the comparison", name, ff.Note)
			if len(fo.Targets) > 0 {
				w += ", and nothing is predicted from it"
			}
			fr.Warnings = append(fr.Warnings, w)
		} else {
			lawNames = append(lawNames, name)
			t, u, w := familyLogs(ff.Result)
			ts, us, ws = append(ts, t), append(us, u), append(ws, w)
		}
		fr.Families = append(fr.Families, ff)
	}

	// The exponents, pair by pair.
	laws := map[string]*Result{}
	for _, f := range fr.Families {
		if f.Result != nil {
			laws[f.Family] = f.Result
		}
	}
	for i, a := range lawNames {
		for _, b := range lawNames[i+1:] {
			fr.Overlaps = append(fr.Overlaps, ExponentOverlap{A: a, B: b, Relation: exponentRelation(laws[a], laws[b])})
		}
	}

	switch {
	case len(lawNames) < 2:
		fr.NoTest = fmt.Sprintf("%s with a law: the test compares at least two", countFamilies(len(lawNames)))
	default:
		if o.Weights == WeightsNone {
			ws = nil
		}
		st, err := EqualSlopes(lawNames, ts, us, ws, o.Confidence)
		if err != nil {
			fr.NoTest = strings.TrimPrefix(err.Error(), "equal slopes: ")
		} else {
			fr.Slopes = st
		}
	}
	if o.Form != FormPower && fr.Slopes != nil {
		fr.Notes = append(fr.Notes, "the test of equal exponents compares the power laws fitted on (ln x, ln y), whatever the --form")
	}
	for _, name := range lawNames {
		if n := laws[name].N; n == 2 {
			fr.Notes = append(fr.Notes, fmt.Sprintf("%s has two models: its exponent is exact, with no interval, and it adds no residual degree of freedom to the test", name))
		}
	}
	return fr, nil
}

// familyLogs returns the (ln x, ln y) and regression weights of a family's fitted points, in the fit's order.
func familyLogs(r *Result) (t, u, w []float64) {
	for _, p := range r.Points {
		t, u = append(t, math.Log(p.X)), append(u, math.Log(p.Y))
	}
	return t, u, r.Line.Weights
}

// exponentRelation compares two laws' exponents through their t intervals.
func exponentRelation(a, b *Result) string {
	ai, bi := a.ExponentCI.Defined(), b.ExponentCI.Defined()
	switch {
	case ai && bi:
		if a.ExponentCI.Lo <= b.ExponentCI.Hi && b.ExponentCI.Lo <= a.ExponentCI.Hi {
			return OverlapYes
		}
		return OverlapNo
	case ai && !bi:
		if a.ExponentCI.Contains(b.Exponent) {
			return OverlapInside
		}
		return OverlapOutside
	case bi && !ai:
		if b.ExponentCI.Contains(a.Exponent) {
			return OverlapInside
		}
		return OverlapOutside
	}
	return OverlapNone
}

func countFamilies(n int) string {
	switch n {
	case 0:
		return "no family"
	case 1:
		return "only one family"
	}
	return fmt.Sprintf("%d families", n)
}

// Family returns the fit of the named family, or nil.
func (fr *FamilyResult) Family(name string) *FamilyFit {
	for i := range fr.Families {
		if fr.Families[i].Family == name {
			return &fr.Families[i]
		}
	}
	return nil
}

// Formula is the law fitted in every family, e.g. "final_mlp_gain = a·params^b".
func (fr *FamilyResult) Formula() string {
	if fr.Form == FormOffset {
		return fmt.Sprintf("%s = c + a·%s^b", fr.Y, fr.X)
	}
	return fmt.Sprintf("%s = a·%s^b", fr.Y, fr.X)
}

// Significant reports whether the F test rejects equal exponents at the level 1 − Confidence; false without a test.
func (fr *FamilyResult) Significant() bool {
	return fr.Slopes != nil && fr.Slopes.P < 1-fr.Confidence
}
