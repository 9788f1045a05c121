package fit

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
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
	Family   string `json:"architecture,omitempty"`
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
			Source: p.Source, Family: p.Family}
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
