package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
)

// FitText is the fit command's output for the fit f, as plain text wrapped at width columns (0: no limit). It is
// the same rendering as the report's scaling-law section.
func FitText(f *fit.Result, width int) string {
	p := &page{width: width}
	p.heading(2, "Scaling law "+f.Formula())
	p.para("Fitted by %s over %s.", fitMethod(f), textfmt.Plural(f.N, "model"))
	writeFit(p, f)
	return p.String()
}

// WriteFitText writes FitText(f, width) to w.
func WriteFitText(w io.Writer, f *fit.Result, width int) error {
	_, err := io.WriteString(w, FitText(f, width))
	return err
}

// fitMethod says in words how the headline law was fitted.
func fitMethod(f *fit.Result) string {
	switch {
	case f.Form == fit.FormOffset:
		return "nonlinear least squares on y"
	case f.Weights == fit.WeightsInverseVariance:
		return "weighted least squares on (ln x, ln y), with inverse-variance weights"
	}
	return "least squares on (ln x, ln y)"
}

// writeFit writes one fitted law: the points, the exponent with its t interval, the bootstraps, the predictions,
// leave-one-out, the offset form and the model comparison when they were fitted, the warnings and the notes. What a
// fit does not have (intervals at n = 2, leave-one-out below three models) is left out, not shown empty.
func writeFit(p *page, f *fit.Result) {
	conf := textfmt.Level(f.Confidence)
	resHead := "ln residual"
	if f.Form == fit.FormOffset {
		resHead = "residual"
	}
	t := textfmt.Table{Header: []string{"Model", f.X, f.Y, "y SE", "Fitted", resHead}, Align: []byte{'l', 'r', 'r', 'r', 'r', 'r'}}
	for i, pt := range f.Points {
		res := f.Line.Resid[i]
		if f.Form == fit.FormOffset {
			res = pt.Y - f.Fitted[i]
		}
		t.Add(pt.Model, textfmt.X(pt.X), textfmt.Num(pt.Y), textfmt.Num(pt.YSE), textfmt.Num(f.Fitted[i]), textfmt.Signed(res))
	}
	p.table(t)

	df := f.Line.DF
	if f.Form == fit.FormOffset {
		df = f.Offset.DF
	}
	if f.ExponentCI.Defined() {
		p.para("%s, %s CI %s (Student t, %d df, se %s); prefactor a = %s, %s CI %s; R² = %s; n = %d.",
			p.bold("Exponent b = "+textfmt.Num(f.Exponent)), conf, fitBounds(f.ExponentCI), df, textfmt.Num(f.ExponentSE),
			textfmt.Num(f.Prefactor), conf, fitBounds(f.PrefactorCI), textfmt.Num(f.R2), f.N)
	} else {
		p.para("%s, prefactor a = %s: %s models determine the line exactly (0 degrees of freedom), so it has no interval.",
			p.bold("Exponent b = "+textfmt.Num(f.Exponent)), textfmt.Num(f.Prefactor), countWord(f.N))
	}

	if len(f.Bootstraps) > 0 {
		beside := "beside the t interval above"
		if !f.ExponentCI.Defined() {
			beside = "which measure the noise of the measurements alone, since the law itself has no interval"
		}
		p.para("Bootstrap intervals of the exponent (%d resamples each, seed %d), %s:", f.Bootstraps[0].Resamples, f.Seed, beside)
		bt := textfmt.Table{Header: []string{"Method", "Used", "Percentile", "Basic", "BCa", "Caveat"}, Align: []byte{'l', 'r'}}
		for _, bs := range f.Bootstraps {
			var caveat []string
			if bs.Degenerate+bs.Invalid > 0 {
				caveat = append(caveat, fmt.Sprintf("%d degenerate and %d invalid resamples left out", bs.Degenerate, bs.Invalid))
			}
			if bs.Warning != "" {
				caveat = append(caveat, bs.Warning)
			}
			bt.Add(bs.Method, strconv.Itoa(bs.Used), fitBounds(bs.Exponent.Percentile), fitBounds(bs.Exponent.Basic),
				fitBounds(bs.Exponent.BCa), strings.Join(caveat, "; "))
		}
		p.table(bt)
	}

	if len(f.Predictions) > 0 {
		writePredictions(p, f)
	}

	if len(f.LOO) > 0 {
		p.para("Leave-one-out: each model predicted by the law fitted to the others.")
		withPI := false
		for _, l := range f.LOO {
			withPI = withPI || l.PI.Defined()
		}
		lt := textfmt.Table{Header: []string{"Held out", f.Y, "Predicted", "Error"}, Align: []byte{'l', 'r', 'r', 'r', 'l', 'l'}}
		if withPI {
			lt.Header = append(lt.Header, conf+" PI", "Covered")
		}
		for _, l := range f.LOO {
			row := []string{l.Model, textfmt.Num(l.Y), textfmt.Num(l.Predicted), textfmt.Change(l.RelError, 1)}
			if withPI {
				row = append(row, fitBounds(l.PI), looCovered(l))
			}
			lt.Add(row...)
		}
		p.table(lt)
		if cov, def := fit.LOOCoverage(f.LOO); def > 0 {
			p.para("%d of %d held-out models fall inside their prediction interval.", cov, def)
		}
	}

	if o := f.Offset; o != nil {
		p.para("The offset form y = c + a·x^b, by nonlinear least squares on y (%d starts, %d reached the best loss; "+
			"converged: %v):", o.Starts, o.Agree, map[bool]string{true: "yes", false: "no"}[o.Converged])
		ot := textfmt.Table{Header: []string{"Parameter", "Estimate", "SE", conf + " CI"}, Align: []byte{'l', 'r', 'r', 'l'}}
		ot.Add("c", textfmt.Num(o.C), textfmt.Num(o.SE[0]), "")
		ot.Add("a", textfmt.Num(o.A), textfmt.Num(o.SE[1]), "")
		ot.Add("b", textfmt.Num(o.B), textfmt.Num(o.SE[2]), fitBounds(o.ExponentCI(f.Confidence)))
		p.table(ot)
	}
	if len(f.Comparison) > 0 {
		p.para("Model comparison (Gaussian likelihood of y on the y scale, each form by least squares on y; lower is better):")
		ct := textfmt.Table{Header: []string{"Form", "k", "RSS", "AIC", "BIC"}, Align: []byte{'l', 'r', 'r', 'r', 'r'}}
		for _, s := range f.Comparison {
			ct.Add(s.Form, strconv.Itoa(s.K), textfmt.Num(s.RSS), textfmt.Num(s.AIC), textfmt.Num(s.BIC))
		}
		p.table(ct)
		if len(f.Comparison) == 2 {
			p.para("ΔAIC (offset − power) = %s.", textfmt.Signed(f.Comparison[1].AIC-f.Comparison[0].AIC))
		}
	}

	var items []string
	for _, w := range f.Warnings {
		items = append(items, "⚠ "+w)
	}
	items = append(items, f.Notes...)
	p.list(items)
}

// writePredictions writes the predictions table. Its interval columns appear only when the fit has intervals, and the
// sizes of named targets are credited to their source below it.
func writePredictions(p *page, f *fit.Result) {
	conf := textfmt.Level(f.Confidence)
	what := "median a·x^b"
	if f.Form == fit.FormOffset {
		what = "mean c + a·x^b"
	}
	ci, boot := false, false
	for _, pr := range f.Predictions {
		ci = ci || pr.CI.Defined()
		boot = boot || pr.Boot.Defined()
	}
	head := []string{"Target", f.X, "Predicted " + f.Y}
	if ci {
		p.para("Predictions: the fitted %s, its %s confidence interval, and the %s prediction interval for a new "+
			"model of that size.", what, conf, conf)
		head = append(head, conf+" CI", conf+" PI (new model)")
	} else {
		p.para("Predictions: the fitted %s, without interval.", what)
	}
	if boot {
		h := "Bootstrap"
		if b := f.Primary(); b != nil {
			h = fmt.Sprintf("Bootstrap (%s, %s)", b.Method, f.Interval)
			if b.Method != fit.Hierarchical && f.N < fit.SmallN {
				h = fmt.Sprintf("Bootstrap (%s, %s; n < %d: undercovers)", b.Method, f.Interval, fit.SmallN)
			}
		}
		head = append(head, h)
	}
	head = append(head, "Beyond the data")
	t := textfmt.Table{Header: head, Align: []byte{'l', 'r', 'r'}}
	var sources []string
	for _, pr := range f.Predictions {
		row := []string{pr.Label, textfmt.X(pr.X), textfmt.Num(pr.Y)}
		if ci {
			row = append(row, fitBounds(pr.CI), fitBounds(pr.PI))
		}
		if boot {
			row = append(row, fitBounds(pr.Boot))
		}
		t.Add(append(row, extrapolation(pr.Extrapolation))...)
		if pr.Source != "" && pr.Source != "given" {
			sources = append(sources, pr.Label+": "+pr.Source)
		}
	}
	p.table(t)
	if len(sources) > 0 {
		p.para("Sizes of named targets: %s.", strings.Join(sources, "; "))
	}
}

// fitBounds writes an interval of a fit, or a dash when it is undefined.
func fitBounds(b fit.Bounds) string { return textfmt.Interval(b.Lo, b.Hi, textfmt.Num) }

// looCovered says whether a held-out model fell inside the others' prediction interval: yes, no, or a dash when
// there is no interval.
func looCovered(l fit.LOOPrediction) string {
	switch {
	case l.Covered == nil:
		return textfmt.Dash
	case *l.Covered:
		return "yes"
	}
	return "no"
}

// extrapolation writes how far a target lies outside the data: "29×" beyond the largest model, "1/3.2" below the
// smallest, "inside" within the range.
func extrapolation(e float64) string {
	switch {
	case math.IsNaN(e):
		return textfmt.Dash
	case e > 1:
		return textfmt.Num(e) + "×"
	case e < 1:
		return "1/" + textfmt.Num(1/e)
	}
	return "inside"
}
