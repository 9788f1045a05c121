package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// writeFinding opens the report with what the runs show, in three to five sentences built from their own numbers:
// the scaling law, which of the seed note's predictions hold and how firmly, and how trained runs differ from
// untrained controls (or how the law compares with the reference's).
func writeFinding(p *page, r *Report) {
	var s []string
	if r.Scaling.ByArch != nil {
		s = append(s, r.archLawSentence())
	} else {
		s = append(s, r.lawSentence())
	}
	s = append(s, r.verdictSentence())
	if v := r.archVerdictSentence(); v != "" {
		s = append(s, v)
	}
	if v := r.robustnessSentence(); v != "" {
		s = append(s, v)
	}
	if v := r.controlSentence(); v != "" {
		s = append(s, v)
	}
	if v := r.referenceSentence(); v != "" {
		s = append(s, v)
	}
	p.para("%s", strings.Join(s, " "))
}

// lawSentence says how the report's metric scales with size, or what it is when there is no law.
func (r *Report) lawSentence() string {
	sc, o := r.Scaling, r.Options
	what := "The " + sc.Metric.Label
	f := sc.Fit
	if f == nil {
		if len(r.Profiles) == 1 {
			pr := r.Profiles[0]
			v, layer := sc.Metric.Eval(pr, nil)
			at := ""
			if sc.Metric.HasLayer && layer >= 0 {
				at = fmt.Sprintf(" (L%d)", layer)
			}
			return fmt.Sprintf("%s is %s%s in %s; a scaling law needs at least two models.", what, textfmt.Gain(v), at, pr.Name())
		}
		return fmt.Sprintf("No scaling law of %s could be fitted: %s.", o.Y, sc.NoFit)
	}
	first, last := f.Points[0], f.Points[len(f.Points)-1]
	span := fmt.Sprintf("from %s in %s to %s in %s", textfmt.Num(first.Y), first.Model, textfmt.Num(last.Y), last.Model)
	if !f.ExponentCI.Defined() {
		return fmt.Sprintf("%s goes %s, an exponent of %s in %s that %s models determine exactly, with no interval.",
			what, span, textfmt.Num(f.Exponent), o.X, countWord(f.N))
	}
	ci := fmt.Sprintf("%s CI %s, n = %d", textfmt.Level(f.Confidence), fitBounds(f.ExponentCI), f.N)
	switch {
	case f.ExponentCI.Lo > 0:
		return fmt.Sprintf("%s grows with size as %s^%s (%s), %s.", what, o.X, textfmt.Num(f.Exponent), ci, span)
	case f.ExponentCI.Hi < 0:
		return fmt.Sprintf("%s falls with size as %s^%s (%s), %s.", what, o.X, textfmt.Num(f.Exponent), ci, span)
	}
	return fmt.Sprintf("%s shows no clear trend with size: the exponent %s has a %s that includes 0; it goes %s.",
		what, textfmt.Num(f.Exponent), ci, span)
}

// archLawSentence says how the report's metric scales within each architecture family, and whether the families'
// exponents differ.
func (r *Report) archLawSentence() string {
	fr, o := r.Scaling.ByArch, r.Options
	var parts []string
	for _, f := range fr.Families {
		res := f.Result
		switch {
		case res == nil:
			parts = append(parts, fmt.Sprintf("no law in %s (%s)", f.Family, textfmt.Plural(len(f.Models), "model")))
		case !res.ExponentCI.Defined():
			parts = append(parts, fmt.Sprintf("%s^%s in %s (two models, no interval)", o.X, textfmt.Num(res.Exponent), f.Family))
		default:
			parts = append(parts, fmt.Sprintf("%s^%s in %s (%s CI %s, n = %d)", o.X, textfmt.Num(res.Exponent), f.Family,
				textfmt.Level(res.Confidence), fitBounds(res.ExponentCI), res.N))
		}
	}
	out := fmt.Sprintf("Within each architecture, the %s scales as %s", r.Scaling.Metric.Label, joinAnd(parts))
	st := fr.Slopes
	switch {
	case st == nil:
		return out + "; there is no test of equal exponents: " + fr.NoTest + "."
	case fr.Significant():
		return out + fmt.Sprintf("; the F test of equal exponents gives p = %s, so the exponents differ.", pValue(st.P))
	}
	return out + fmt.Sprintf("; the F test of equal exponents gives p = %s: no evidence that they differ.", pValue(st.P))
}

// archVerdictSentence names the predictions whose status differs between architecture families; "" with one family.
func (r *Report) archVerdictSentence() string {
	v := r.Verdicts
	if len(v.Families) < 2 {
		return ""
	}
	var differ []string
	for _, pr := range v.Predictions {
		if pr.Differs {
			differ = append(differ, predictionWords(pr))
		}
	}
	if len(differ) == 0 {
		return fmt.Sprintf("No verdict differs between %s.", joinAnd(v.Families))
	}
	return fmt.Sprintf("Between %s, %s %s: %s.", joinAnd(v.Families), countWord(len(differ)),
		verb(len(differ), "verdict differs", "verdicts differ"), joinAnd(differ))
}

// verdictSentence introduces the seed note and groups its five predictions by their status across models.
func (r *Report) verdictSentence() string {
	v := r.Verdicts
	var universal, fails, na, parts []string
	for _, pr := range v.Predictions {
		name := predictionWords(pr)
		switch pr.Status {
		case layers.StatusUniversal:
			universal = append(universal, name)
		case layers.StatusFails:
			fails = append(fails, name)
		case layers.StatusNA:
			na = append(na, name)
		case layers.StatusScaleDependent:
			var in []string
			for _, m := range pr.Models {
				if m.Applicable && m.Holds {
					in = append(in, m.Model)
				}
			}
			parts = append(parts, fmt.Sprintf("%s: holds only in %s", name, joinAnd(in)))
		}
	}
	every, none := " in every model", " in every model"
	if len(r.Profiles) == 1 {
		every, none = " on this model", " on this model"
	}
	if len(universal) > 0 {
		parts = append([]string{fmt.Sprintf("%s %s%s (%s)", countWord(len(universal)), verb(len(universal), "holds", "hold"), every, joinAnd(universal))}, parts...)
	}
	if len(fails) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s%s (%s)", countWord(len(fails)), verb(len(fails), "fails", "fail"), none, joinAnd(fails)))
	}
	if len(na) > 0 {
		parts = append(parts, fmt.Sprintf("%s cannot be judged for lack of rows (%s)", countWord(len(na)), joinAnd(na)))
	}
	return "The seed note (" + SeedNote + ") made five predictions about sublayer gains. Here " + strings.Join(parts, "; ") + "."
}

// predictionWords names a prediction inside a sentence: its statement without the parenthesised threshold, its first
// letter lowered.
func predictionWords(pr layers.Verdict) string {
	s := pr.Prediction
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	return lowerFirst(s)
}

// lowerFirst lowers the first letter of a phrase for use inside a sentence, unless it begins an acronym ("MLP").
func lowerFirst(s string) string {
	if len(s) > 1 && strings.ToUpper(s[:2]) == s[:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// robustnessSentence says how many verdicts the layer intervals confirm, naming the ones they do not.
func (r *Report) robustnessSentence() string {
	v := r.Verdicts
	total, robust := 0, 0
	var weak []string
	for _, pr := range v.Predictions {
		for _, m := range pr.Models {
			if !m.Applicable || !m.Bootstrapped {
				continue
			}
			total++
			if m.Robust {
				robust++
			} else {
				name := predictionWords(pr)
				if len(r.Profiles) > 1 {
					name += " in " + m.Model
				}
				weak = append(weak, name)
			}
		}
	}
	switch {
	case total == 0 && len(r.Profiles) == 1:
		return "The run has a single sequence, so no verdict has an interval: they rest on the point estimates alone."
	case total == 0:
		return "No run has more than one sequence, so no verdict has an interval: they rest on the point estimates alone."
	case robust == total:
		return fmt.Sprintf("Every verdict is robust: none could change within the %s layer intervals.", textfmt.Level(v.Confidence))
	case len(weak) <= 3:
		return fmt.Sprintf("%s of the %d verdicts %s robust; the %s (%s) could change within the %s layer intervals.",
			upperFirst(countWord(robust)), total, verb(robust, "is", "are"), verb(len(weak), "other", "others"),
			strings.Join(weak, "; "), textfmt.Level(v.Confidence))
	}
	return fmt.Sprintf("%s of the %d verdicts %s robust; the other %d could change within the %s layer intervals.",
		upperFirst(countWord(robust)), total, verb(robust, "is", "are"), total-robust, textfmt.Level(v.Confidence))
}

// controlSentence contrasts trained runs with untrained controls when the report has both, or says that every run is
// a control.
func (r *Report) controlSentence() string {
	var trained, controls []int
	for i, pr := range r.Profiles {
		if pr.Meta[schema.MetaSynthetic] == "true" {
			controls = append(controls, i)
		} else {
			trained = append(trained, i)
		}
	}
	if len(trained) == 0 || r.Options.Untrained && len(controls) == 0 {
		if len(r.Profiles) == 1 {
			return "The run is an untrained control, so these numbers describe the architecture at initialisation, not what training does."
		}
		return "Every run is an untrained control, so these numbers describe the architecture at initialisation, not what training does."
	}
	if len(controls) == 0 {
		return ""
	}
	// Predictions on which every control agrees and every trained model agrees, but the two groups disagree.
	var differ []string
	for _, pr := range r.Verdicts.Predictions {
		tHolds, tOK := groupHolds(pr, trained)
		cHolds, cOK := groupHolds(pr, controls)
		if tOK && cOK && tHolds != cHolds {
			name := predictionWords(pr)
			differ = append(differ, fmt.Sprintf("%s (%s in the trained models)", name, map[bool]string{true: "holds", false: "fails"}[tHolds]))
		}
	}
	if len(differ) == 0 {
		return "The untrained controls reach the same verdicts as the trained models, so the verdicts reflect the " +
			"architecture at initialisation as much as training."
	}
	return fmt.Sprintf("Training makes the difference on %s: the untrained controls reach the opposite verdict.", joinAnd(differ))
}

// groupHolds reports whether a prediction holds in every one of the models idx (true, true), in none (false, true),
// or in some (_, false).
func groupHolds(pr layers.Verdict, idx []int) (holds, agree bool) {
	n := 0
	for _, i := range idx {
		if pr.Models[i].Holds {
			n++
		}
	}
	return n == len(idx), n == 0 || n == len(idx)
}

// referenceSentence places the runs' exponent beside the reference's published one.
func (r *Report) referenceSentence() string {
	sc := r.Scaling
	if sc.Reference == nil || sc.RefFit == nil || sc.Fit == nil {
		return ""
	}
	f, rf := sc.Fit, sc.RefFit
	if fr := sc.ByArch; fr != nil {
		// Several families: the reference's exponent beside each family's interval, not the pooled law's.
		var inside, outside, none []string
		for _, fam := range fr.Families {
			switch g := fam.Result; {
			case g == nil || !g.ExponentCI.Defined():
				none = append(none, fam.Family)
			case g.ExponentCI.Contains(rf.Exponent):
				inside = append(inside, fam.Family)
			default:
				outside = append(outside, fam.Family)
			}
		}
		var parts []string
		if len(inside) > 0 {
			parts = append(parts, "inside the interval of "+joinAnd(inside))
		}
		if len(outside) > 0 {
			parts = append(parts, "outside the interval of "+joinAnd(outside))
		}
		if len(none) > 0 {
			parts = append(parts, "with no interval of "+joinAnd(none)+" to compare it with")
		}
		return fmt.Sprintf("%s's published exponent is %s, %s.", sc.Reference.Name, textfmt.Num(rf.Exponent), strings.Join(parts, ", "))
	}
	where := "no interval to compare it with"
	if f.ExponentCI.Defined() {
		where = "outside this fit's interval"
		if f.ExponentCI.Contains(rf.Exponent) {
			where = "inside this fit's interval"
		}
	}
	return fmt.Sprintf("%s's published exponent is %s, %s.", sc.Reference.Name, textfmt.Num(rf.Exponent), where)
}

// countWord spells small counts as words: "one", "two", … "five", then digits.
func countWord(n int) string {
	if n >= 0 && n <= 5 {
		return []string{"none", "one", "two", "three", "four", "five"}[n]
	}
	return fmt.Sprint(n)
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
