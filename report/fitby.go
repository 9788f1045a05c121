package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
)

// FitByText is the output of fit --by architecture for fr, as plain text wrapped at width columns (0: no limit): a
// table of every family's exponent, whether the exponents differ (their intervals, the F test of equal slopes and the
// common exponent), then each family's law as FitText writes a single one.
func FitByText(fr *fit.FamilyResult, width int) string {
	p := &page{width: width}
	p.heading(2, "Scaling laws by architecture: "+fr.Formula())
	writeFamilies(p, fr)
	for _, f := range fr.Families {
		p.heading(3, "Architecture "+f.Family+": "+textfmt.Plural(len(f.Models), "model"))
		if f.Result == nil {
			p.para("No law: %s.", f.Note)
			continue
		}
		p.para("Fitted by %s over %s.", fitMethod(f.Result), textfmt.Plural(f.Result.N, "model"))
		writeFit(p, f.Result)
	}
	return p.String()
}

// WriteFitByText writes FitByText(fr, width) to w.
func WriteFitByText(w io.Writer, fr *fit.FamilyResult, width int) error {
	_, err := io.WriteString(w, FitByText(fr, width))
	return err
}

// writeFamilies writes the families side by side and the verdict on their exponents.
func writeFamilies(p *page, fr *fit.FamilyResult) {
	conf := textfmt.Level(fr.Confidence)
	t := textfmt.Table{Header: []string{"Architecture", "Models", "Exponent b", conf + " CI", "R²"}, Align: []byte{'l', 'r', 'r', 'l', 'r'}}
	for _, f := range fr.Families {
		r := f.Result
		if r == nil {
			t.Add(f.Family, strconv.Itoa(len(f.Models)), textfmt.Dash, "no law", textfmt.Dash)
			continue
		}
		ci := "none (n = 2)"
		if r.ExponentCI.Defined() {
			ci = fitBounds(r.ExponentCI)
		}
		t.Add(f.Family, strconv.Itoa(r.N), textfmt.Num(r.Exponent), ci, textfmt.Num(r.R2))
	}
	p.table(t)

	var items []string
	for _, o := range fr.Overlaps {
		items = append(items, fmt.Sprintf("%s and %s: %s", o.A, o.B, overlapWords(o.Relation, conf)))
	}
	if len(items) > 0 {
		p.para("The exponents' %s t intervals, pair by pair (intervals that overlap do not show equal exponents; the F test below is the test):", conf)
		p.list(items)
	}
	if s := fr.Slopes; s != nil {
		verdict := fmt.Sprintf("no evidence at the %s level that the exponents differ", textfmt.Percent(1-fr.Confidence))
		if fr.Significant() {
			verdict = fmt.Sprintf("the exponents differ at the %s level", textfmt.Percent(1-fr.Confidence))
		}
		p.para("%s F = %s on (%d, %d) degrees of freedom, p = %s: %s. One exponent shared by %s (separate "+
			"prefactors) would be %s, %s CI %s.", p.bold("Test of equal exponents (F test of a common slope in ln y against ln x)."),
			textfmt.Num(s.F), s.DF1, s.DF2, pValue(s.P), verdict, joinAnd(s.Groups), textfmt.Num(s.Common), conf, fitBounds(s.CommonCI))
	} else {
		p.para("%s none: %s.", p.bold("Test of equal exponents:"), fr.NoTest)
	}
	var notes []string
	for _, w := range fr.Warnings {
		notes = append(notes, "⚠ "+w)
	}
	p.list(append(notes, fr.Notes...))
}

// overlapWords says what the relation of two exponent intervals means.
func overlapWords(rel, conf string) string {
	switch rel {
	case fit.OverlapYes:
		return "the intervals overlap"
	case fit.OverlapNo:
		return "the intervals do not overlap: the exponents differ"
	case fit.OverlapInside:
		return "the exact exponent of the two-model family lies inside the other's interval"
	case fit.OverlapOutside:
		return "the exact exponent of the two-model family lies outside the other's interval"
	}
	return "neither has a " + conf + " interval (two models each)"
}

// pValue prints a p-value with two significant digits, or "< 1e-16" where double precision ends.
func pValue(p float64) string {
	if p < 1e-16 {
		return "< 1e-16"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}
