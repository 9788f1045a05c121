package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
)

// fmtG formats a number with 4 significant digits, "—" when undefined.
func fmtG4(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// fmtX formats a covariate: integers below 10¹⁵ with digit grouping, others with 4 significant digits.
func fmtX4(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 && math.Abs(v) >= 1e4 {
		return textfmt.GroupDigits(int64(v))
	}
	return fmtG4(v)
}

func fmtB4(b fit.Bounds) string {
	if !b.Defined() {
		return "—"
	}
	return "[" + fmtG4(b.Lo) + ", " + fmtG4(b.Hi) + "]"
}

// WriteFitText prints the readable report of the fit r: the points, the coefficients with their t intervals, the
// bootstraps, the predictions, leave-one-out, the offset form and the warnings.
func WriteFitText(w io.Writer, r *fit.Result) error {
	var err error
	pf := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	table := func(rows [][]string) {
		if err != nil {
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, row := range rows {
			fmt.Fprintln(tw, "  "+strings.Join(row, "\t"))
		}
		err = tw.Flush()
	}
	conf := textfmt.Level(r.Confidence)
	method := "OLS on (ln x, ln y)"
	if r.Weights == fit.WeightsInverseVariance {
		method = "WLS on (ln x, ln y), inverse-variance weights"
	}
	if r.Form == fit.FormOffset {
		method = "nonlinear least squares on y"
	}
	pf("scalefit fit: %s   (%s; n = %d; %s intervals)\n\n", r.Formula(), method, r.N, conf)

	resHead := "ln residual"
	if r.Form == fit.FormOffset {
		resHead = "residual"
	}
	rows := [][]string{{"model", r.X, r.Y, "y_se", "fitted", resHead}}
	for i, p := range r.Points {
		res := r.Line.Resid[i]
		if r.Form == fit.FormOffset {
			res = p.Y - r.Fitted[i]
		}
		rows = append(rows, []string{p.Model, fmtX4(p.X), fmtG4(p.Y), fmtG4(p.YSE), fmtG4(r.Fitted[i]), fmtG4(res)})
	}
	table(rows)
	pf("\n")

	df := r.Line.DF
	if r.Form == fit.FormOffset {
		df = r.Offset.DF
	}
	ciWhy := fmt.Sprintf("(Student t, %d df)", df)
	if df == 0 || !r.ExponentCI.Defined() {
		ciWhy = "no interval: two points determine the line exactly (0 degrees of freedom)"
	}
	table([][]string{
		{"exponent b", fmtG4(r.Exponent), "se " + fmtG4(r.ExponentSE), conf + " CI " + fmtB4(r.ExponentCI), ciWhy},
		{"prefactor a", fmtG4(r.Prefactor), "se " + fmtG4(r.PrefactorSE), conf + " CI " + fmtB4(r.PrefactorCI), ""},
		{"R²", fmtG4(r.R2), "", "", ""},
	})

	if len(r.Bootstraps) > 0 {
		pf("\nbootstrap of the exponent (%d resamples each, seed %d; the headline interval above is the t interval)\n", r.Bootstraps[0].Resamples, r.Seed)
		rows = [][]string{{"method", "used", "degenerate", "invalid", "percentile", "basic", "BCa"}}
		for _, b := range r.Bootstraps {
			rows = append(rows, []string{b.Method, strconv.Itoa(b.Used), strconv.Itoa(b.Degenerate), strconv.Itoa(b.Invalid),
				fmtB4(b.Exponent.Percentile), fmtB4(b.Exponent.Basic), fmtB4(b.Exponent.BCa)})
		}
		table(rows)
		for _, b := range r.Bootstraps {
			if b.Warning != "" {
				pf("  ! %s: %s\n", b.Method, b.Warning)
			}
		}
	}

	if len(r.Predictions) > 0 {
		what := "median of y"
		if r.Form == fit.FormOffset {
			what = "mean of y"
		}
		bootHead := "bootstrap"
		if b := r.Primary(); b != nil {
			bootHead = fmt.Sprintf("bootstrap (%s, %s)", b.Method, r.Interval)
			if b.Method != fit.Hierarchical && r.N < fit.SmallN {
				bootHead = fmt.Sprintf("bootstrap (%s, %s; n < %d: undercovers)", b.Method, r.Interval, fit.SmallN)
			}
		}
		pf("\npredictions (%s at x)\n", what)
		rows = [][]string{{"target", r.X, "predicted", conf + " CI", conf + " PI", bootHead, "source"}}
		for _, p := range r.Predictions {
			rows = append(rows, []string{p.Label, fmtX4(p.X), fmtG4(p.Y), fmtB4(p.CI), fmtB4(p.PI), fmtB4(p.Boot), p.Source})
		}
		table(rows)
	}

	if len(r.LOO) > 0 {
		pf("\nleave-one-out (each model predicted by the law fitted to the others)\n")
		rows = [][]string{{"model", "y", "predicted", "error", conf + " PI", "covered"}}
		for _, l := range r.LOO {
			rows = append(rows, []string{l.Model, fmtG4(l.Y), fmtG4(l.Predicted), l.ErrorText(), fmtB4(l.PI), l.CoveredText()})
		}
		table(rows)
		if cov, def := fit.LOOCoverage(r.LOO); def > 0 {
			pf("  covered %d of %d\n", cov, def)
		}
	}

	if o := r.Offset; o != nil {
		pf("\noffset form y = c + a·x^b (nonlinear least squares on y, %d starts, %d reached the best loss, converged: %v)\n",
			o.Starts, o.Agree, o.Converged)
		table([][]string{
			{"c", fmtG4(o.C), "se " + fmtG4(o.SE[0])},
			{"a", fmtG4(o.A), "se " + fmtG4(o.SE[1])},
			{"b", fmtG4(o.B), "se " + fmtG4(o.SE[2]), conf + " CI " + fmtB4(o.ExponentCI(r.Confidence))},
		})
	}
	if len(r.Comparison) > 0 {
		pf("\nmodel comparison (Gaussian likelihood of y on the y scale, each form by least squares on y; lower is better)\n")
		rows = [][]string{{"form", "k", "RSS", "AIC", "BIC"}}
		for _, s := range r.Comparison {
			rows = append(rows, []string{s.Form, strconv.Itoa(s.K), fmtG4(s.RSS), fmtG4(s.AIC), fmtG4(s.BIC)})
		}
		table(rows)
		if len(r.Comparison) == 2 {
			d := r.Comparison[1].AIC - r.Comparison[0].AIC
			pf("  ΔAIC (offset − power) = %s\n", fmtG4(d))
		}
	}

	if len(r.Warnings) > 0 {
		pf("\nwarnings\n")
		for _, s := range r.Warnings {
			pf("  ! %s\n", s)
		}
	}
	if len(r.Notes) > 0 {
		pf("\nnotes\n")
		for _, s := range r.Notes {
			pf("  - %s\n", s)
		}
	}
	return err
}
