package fit

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// fitNum is a float64 that marshals to JSON as null when it is NaN or infinite, since JSON has neither.
type fitNum float64

func (v fitNum) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// MarshalJSON writes b as [lo, hi], or null when either bound is undefined.
func (b Bounds) MarshalJSON() ([]byte, error) {
	if !b.Defined() {
		return []byte("null"), nil
	}
	return json.Marshal([2]float64{b.Lo, b.Hi})
}

type fitJSONPoint struct {
	Model    string `json:"model"`
	X        fitNum `json:"x"`
	Y        fitNum `json:"y"`
	YSE      fitNum `json:"y_se"`
	Layer    *int   `json:"layer"`
	Fitted   fitNum `json:"fitted"`
	Residual fitNum `json:"residual"`
	Source   string `json:"source,omitempty"`
}

type fitJSONBootIntervals struct {
	Estimate     fitNum `json:"estimate"`
	SE           fitNum `json:"se"`
	Percentile   Bounds `json:"percentile"`
	Basic        Bounds `json:"basic"`
	BCa          Bounds `json:"bca"`
	Z0           fitNum `json:"z0"`
	Acceleration fitNum `json:"acceleration"`
}

func fitJSONBI(b BootIntervals, exp bool) fitJSONBootIntervals {
	if exp {
		b.Estimate = math.Exp(b.Estimate)
		b.SE = math.NaN() // the SE of ln a is not the SE of a
		b.Percentile, b.Basic, b.BCa = b.Percentile.Exp(), b.Basic.Exp(), b.BCa.Exp()
	}
	return fitJSONBootIntervals{fitNum(b.Estimate), fitNum(b.SE), b.Percentile, b.Basic, b.BCa, fitNum(b.Z0), fitNum(b.Accel)}
}

type fitJSONBootstrap struct {
	Method      string               `json:"method"`
	Resamples   int                  `json:"resamples"`
	Used        int                  `json:"used"`
	Degenerate  int                  `json:"degenerate"`
	Invalid     int                  `json:"invalid"`
	Resampled   int                  `json:"resampled_models"`
	Jackknife   int                  `json:"jackknife"`
	Seed        uint64               `json:"seed"`
	Interval    string               `json:"interval"`
	ExponentCI  Bounds               `json:"exponent_ci"`
	PrefactorCI Bounds               `json:"prefactor_ci"`
	Exponent    fitJSONBootIntervals `json:"exponent"`
	Prefactor   fitJSONBootIntervals `json:"prefactor"`
	Warning     string               `json:"warning,omitempty"`
}

type fitJSONPrediction struct {
	Label         string `json:"label"`
	Source        string `json:"source"`
	X             fitNum `json:"x"`
	Y             fitNum `json:"y"`
	CI            Bounds `json:"ci"`
	PI            Bounds `json:"pi"`
	BootstrapCI   Bounds `json:"bootstrap_ci"`
	Extrapolation fitNum `json:"extrapolation"`
}

type fitJSONLOO struct {
	Model     string `json:"model"`
	X         fitNum `json:"x"`
	Y         fitNum `json:"y"`
	Predicted fitNum `json:"predicted"`
	PI        Bounds `json:"pi"`
	LogError  fitNum `json:"log_error"`
	RelError  fitNum `json:"rel_error"`
	Covered   *bool  `json:"covered"`
}

type fitJSONOffset struct {
	C              fitNum    `json:"c"`
	A              fitNum    `json:"a"`
	B              fitNum    `json:"b"`
	SE             [3]fitNum `json:"se_c_a_b"`
	ExponentCI     Bounds    `json:"exponent_ci"`
	RSS            fitNum    `json:"rss"`
	R2             fitNum    `json:"r2"`
	DF             int       `json:"df"`
	Converged      bool      `json:"converged"`
	Decrement      fitNum    `json:"gauss_newton_decrement"`
	Starts         int       `json:"starts"`
	StartsAgreeing int       `json:"starts_agreeing"`
	Note           string    `json:"note,omitempty"`
}

type fitJSONScore struct {
	Form   string `json:"form"`
	K      int    `json:"k"`
	RSS    fitNum `json:"rss"`
	LogLik fitNum `json:"loglik"`
	AIC    fitNum `json:"aic"`
	BIC    fitNum `json:"bic"`
	A      fitNum `json:"a"`
	B      fitNum `json:"b"`
	C      fitNum `json:"c"`
}

type fitJSON struct {
	X             string              `json:"x"`
	Y             string              `json:"y"`
	Form          string              `json:"form"`
	Formula       string              `json:"formula"`
	Weights       string              `json:"weights"`
	N             int                 `json:"n"`
	Confidence    float64             `json:"confidence"`
	Interval      string              `json:"interval"`
	Exponent      fitNum              `json:"exponent"`
	ExponentSE    fitNum              `json:"exponent_se"`
	ExponentCI    Bounds              `json:"exponent_ci"`
	Prefactor     fitNum              `json:"prefactor"`
	PrefactorSE   fitNum              `json:"prefactor_se"`
	PrefactorCI   Bounds              `json:"prefactor_ci"`
	DF            int                 `json:"df"`
	ResidualSE    fitNum              `json:"residual_se"`
	R2            fitNum              `json:"r2"`
	ResidualScale string              `json:"residual_scale"`
	Points        []fitJSONPoint      `json:"points"`
	Bootstrap     *fitJSONBootstrap   `json:"bootstrap"`
	Bootstraps    []fitJSONBootstrap  `json:"bootstraps"`
	Predictions   []fitJSONPrediction `json:"predictions"`
	LOO           []fitJSONLOO        `json:"loo"`
	Offset        *fitJSONOffset      `json:"offset"`
	Comparison    []fitJSONScore      `json:"comparison"`
	Seed          uint64              `json:"seed"`
	Warnings      []string            `json:"warnings"`
	Notes         []string            `json:"notes"`
}

// Formula is the headline law in words, e.g. "final_mlp_gain = a·params^b".
func (r *Result) Formula() string {
	if r.Form == FormOffset {
		return fmt.Sprintf("%s = c + a·%s^b", r.Y, r.X)
	}
	return fmt.Sprintf("%s = a·%s^b", r.Y, r.X)
}

// MarshalJSON writes the result with the keys of the issue (x, y, form, n, confidence, exponent, exponent_se,
// exponent_ci, prefactor, prefactor_ci, r2, points, bootstrap, predictions, loo) and more. Undefined values are null.
// "bootstrap" is the primary bootstrap (null when none ran); "bootstraps" lists every one.
func (r *Result) MarshalJSON() ([]byte, error) {
	j := fitJSON{X: r.X, Y: r.Y, Form: r.Form, Formula: r.Formula(), Weights: r.Weights, N: r.N, Confidence: r.Confidence,
		Interval: "t", Exponent: fitNum(r.Exponent), ExponentSE: fitNum(r.ExponentSE), ExponentCI: r.ExponentCI,
		Prefactor: fitNum(r.Prefactor), PrefactorSE: fitNum(r.PrefactorSE), PrefactorCI: r.PrefactorCI, R2: fitNum(r.R2),
		Seed: r.Seed, Warnings: r.Warnings, Notes: r.Notes, ResidualScale: "ln y",
		Points: []fitJSONPoint{}, Bootstraps: []fitJSONBootstrap{}, Predictions: []fitJSONPrediction{}, LOO: []fitJSONLOO{}}
	j.DF, j.ResidualSE = r.Line.DF, fitNum(math.Sqrt(r.Line.Scale))
	if r.Form == FormOffset {
		j.ResidualScale = "y"
		j.DF, j.ResidualSE = r.Offset.DF, fitNum(math.Sqrt(r.Offset.Scale))
	}
	for i, p := range r.Points {
		jp := fitJSONPoint{Model: p.Model, X: fitNum(p.X), Y: fitNum(p.Y), YSE: fitNum(p.YSE), Fitted: fitNum(r.Fitted[i]),
			Source: p.Source}
		if p.Layer >= 0 {
			l := p.Layer
			jp.Layer = &l
		}
		jp.Residual = fitNum(r.Line.Resid[i])
		if r.Form == FormOffset {
			jp.Residual = fitNum(p.Y - r.Fitted[i])
		}
		j.Points = append(j.Points, jp)
	}
	for _, b := range r.Bootstraps {
		jb := fitJSONBootstrap{Method: b.Method, Resamples: b.Resamples, Used: b.Used, Degenerate: b.Degenerate,
			Invalid: b.Invalid, Resampled: b.Resampled, Jackknife: b.Jackknife, Seed: b.Seed, Interval: r.Interval,
			ExponentCI: b.Exponent.Pick(r.Interval), PrefactorCI: b.Intercept.Pick(r.Interval).Exp(),
			Exponent: fitJSONBI(b.Exponent, false), Prefactor: fitJSONBI(b.Intercept, true), Warning: b.Warning}
		j.Bootstraps = append(j.Bootstraps, jb)
	}
	if len(j.Bootstraps) > 0 {
		j.Bootstrap = &j.Bootstraps[0]
	}
	for _, p := range r.Predictions {
		j.Predictions = append(j.Predictions, fitJSONPrediction{Label: p.Label, Source: p.Source, X: fitNum(p.X),
			Y: fitNum(p.Y), CI: p.CI, PI: p.PI, BootstrapCI: p.Boot, Extrapolation: fitNum(p.Extrapolation)})
	}
	for _, l := range r.LOO {
		j.LOO = append(j.LOO, fitJSONLOO{Model: l.Model, X: fitNum(l.X), Y: fitNum(l.Y), Predicted: fitNum(l.Predicted),
			PI: l.PI, LogError: fitNum(l.LogError), RelError: fitNum(l.RelError), Covered: l.Covered})
	}
	if o := r.Offset; o != nil {
		j.Offset = &fitJSONOffset{C: fitNum(o.C), A: fitNum(o.A), B: fitNum(o.B),
			SE:         [3]fitNum{fitNum(o.SE[0]), fitNum(o.SE[1]), fitNum(o.SE[2])},
			ExponentCI: o.ExponentCI(r.Confidence), RSS: fitNum(o.RSS), R2: fitNum(o.R2), DF: o.DF, Converged: o.Converged,
			Decrement: fitNum(o.Decrement), Starts: o.Starts, StartsAgreeing: o.Agree, Note: o.Note}
	}
	for _, s := range r.Comparison {
		j.Comparison = append(j.Comparison, fitJSONScore{Form: s.Form, K: s.K, RSS: fitNum(s.RSS), LogLik: fitNum(s.LogLik),
			AIC: fitNum(s.AIC), BIC: fitNum(s.BIC), A: fitNum(s.A), B: fitNum(s.B), C: fitNum(s.C)})
	}
	if j.Warnings == nil {
		j.Warnings = []string{}
	}
	return json.Marshal(j)
}

// fmtG formats a number with 4 significant digits, "—" when undefined.
func fmtG(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// fmtX formats a covariate: integers below 10¹⁵ with digit grouping, others with 4 significant digits.
func fmtX(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 && math.Abs(v) >= 1e4 {
		return textfmt.GroupDigits(int64(v))
	}
	return fmtG(v)
}

func fmtB(b Bounds) string {
	if !b.Defined() {
		return "—"
	}
	return "[" + fmtG(b.Lo) + ", " + fmtG(b.Hi) + "]"
}

// WriteText prints the readable report of the fit: the points, the coefficients with their t intervals, the
// bootstraps, the predictions, leave-one-out, the offset form and the warnings.
func (r *Result) WriteText(w io.Writer) error {
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
	conf := textfmt.Percent(r.Confidence)
	method := "OLS on (ln x, ln y)"
	if r.Weights == WeightsInverseVariance {
		method = "WLS on (ln x, ln y), inverse-variance weights"
	}
	if r.Form == FormOffset {
		method = "nonlinear least squares on y"
	}
	pf("scalefit fit: %s   (%s; n = %d; %s intervals)\n\n", r.Formula(), method, r.N, conf)

	resHead := "ln residual"
	if r.Form == FormOffset {
		resHead = "residual"
	}
	rows := [][]string{{"model", r.X, r.Y, "y_se", "fitted", resHead}}
	for i, p := range r.Points {
		res := r.Line.Resid[i]
		if r.Form == FormOffset {
			res = p.Y - r.Fitted[i]
		}
		rows = append(rows, []string{p.Model, fmtX(p.X), fmtG(p.Y), fmtG(p.YSE), fmtG(r.Fitted[i]), fmtG(res)})
	}
	table(rows)
	pf("\n")

	df := r.Line.DF
	if r.Form == FormOffset {
		df = r.Offset.DF
	}
	ciWhy := fmt.Sprintf("(Student t, %d df)", df)
	if df == 0 || !r.ExponentCI.Defined() {
		ciWhy = "no interval: two points determine the line exactly (0 degrees of freedom)"
	}
	table([][]string{
		{"exponent b", fmtG(r.Exponent), "se " + fmtG(r.ExponentSE), conf + " CI " + fmtB(r.ExponentCI), ciWhy},
		{"prefactor a", fmtG(r.Prefactor), "se " + fmtG(r.PrefactorSE), conf + " CI " + fmtB(r.PrefactorCI), ""},
		{"R²", fmtG(r.R2), "", "", ""},
	})

	if len(r.Bootstraps) > 0 {
		pf("\nbootstrap of the exponent (%d resamples each, seed %d; the headline interval above is the t interval)\n", r.Bootstraps[0].Resamples, r.Seed)
		rows = [][]string{{"method", "used", "degenerate", "invalid", "percentile", "basic", "BCa"}}
		for _, b := range r.Bootstraps {
			rows = append(rows, []string{b.Method, strconv.Itoa(b.Used), strconv.Itoa(b.Degenerate), strconv.Itoa(b.Invalid),
				fmtB(b.Exponent.Percentile), fmtB(b.Exponent.Basic), fmtB(b.Exponent.BCa)})
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
		if r.Form == FormOffset {
			what = "mean of y"
		}
		bootHead := "bootstrap"
		if b := r.Primary(); b != nil {
			bootHead = fmt.Sprintf("bootstrap (%s, %s)", b.Method, r.Interval)
			if b.Method != Hierarchical && r.N < resSmallN {
				bootHead = fmt.Sprintf("bootstrap (%s, %s; n < %d: undercovers)", b.Method, r.Interval, resSmallN)
			}
		}
		pf("\npredictions (%s at x)\n", what)
		rows = [][]string{{"target", r.X, "predicted", conf + " CI", conf + " PI", bootHead, "source"}}
		for _, p := range r.Predictions {
			rows = append(rows, []string{p.Label, fmtX(p.X), fmtG(p.Y), fmtB(p.CI), fmtB(p.PI), fmtB(p.Boot), p.Source})
		}
		table(rows)
	}

	if len(r.LOO) > 0 {
		pf("\nleave-one-out (each model predicted by the law fitted to the others)\n")
		rows = [][]string{{"model", "y", "predicted", "error", conf + " PI", "covered"}}
		for _, l := range r.LOO {
			rows = append(rows, []string{l.Model, fmtG(l.Y), fmtG(l.Predicted), l.ErrorText(), fmtB(l.PI), l.CoveredText()})
		}
		table(rows)
		if cov, def := LOOCoverage(r.LOO); def > 0 {
			pf("  covered %d of %d\n", cov, def)
		}
	}

	if o := r.Offset; o != nil {
		pf("\noffset form y = c + a·x^b (nonlinear least squares on y, %d starts, %d reached the best loss, converged: %v)\n",
			o.Starts, o.Agree, o.Converged)
		table([][]string{
			{"c", fmtG(o.C), "se " + fmtG(o.SE[0])},
			{"a", fmtG(o.A), "se " + fmtG(o.SE[1])},
			{"b", fmtG(o.B), "se " + fmtG(o.SE[2]), conf + " CI " + fmtB(o.ExponentCI(r.Confidence))},
		})
	}
	if len(r.Comparison) > 0 {
		pf("\nmodel comparison (Gaussian likelihood of y on the y scale, each form by least squares on y; lower is better)\n")
		rows = [][]string{{"form", "k", "RSS", "AIC", "BIC"}}
		for _, s := range r.Comparison {
			rows = append(rows, []string{s.Form, strconv.Itoa(s.K), fmtG(s.RSS), fmtG(s.AIC), fmtG(s.BIC)})
		}
		table(rows)
		if len(r.Comparison) == 2 {
			d := r.Comparison[1].AIC - r.Comparison[0].AIC
			pf("  ΔAIC (offset − power) = %s\n", fmtG(d))
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
