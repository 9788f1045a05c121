package fit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Target is an x at which a fit predicts y: a number the user gave, or a named model from the registry.
type Target struct {
	Label  string  // what the user wrote ("175e9") or the model name ("pythia-12b")
	X      float64 // the covariate value
	Source string  // where X comes from: "given" for a number, or the registry's citation for a named model
}

// Prediction is the fit's prediction at one target.
//
// For the power law, Y is the fitted median exp(α + b·ln x0) = a·x0^b. CI is exp() of the log-space confidence
// interval of the mean of ln y, which is a confidence interval for the median of y at x0 (not for its mean); PI is
// exp() of the log-space prediction interval, an interval for a new model's y. Boot is exp() of the primary
// bootstrap's interval for the fitted ln y, also an interval for the median. For the offset form, Y is the fitted
// mean c + a·x0^b and CI and PI are delta-method intervals on the y scale.
type Prediction struct {
	Target
	Y    float64
	CI   Bounds
	PI   Bounds
	Boot Bounds
	// Extrapolation is x0 divided by the largest x of the data (> 1 beyond the data) or by the smallest (< 1 below it);
	// 1 inside the range.
	Extrapolation float64
}

// LOOPrediction is one model predicted by the power law fitted to the other n − 1 models.
type LOOPrediction struct {
	Model     string
	X, Y      float64
	Predicted float64 // the fitted median at X from the others
	PI        Bounds  // the others' prediction interval at X (undefined when they are only two)
	LogError  float64 // ln(Y / Predicted)
	RelError  float64 // Y/Predicted − 1
	Covered   *bool   // whether PI contains Y; nil when PI does not exist
}

// LOOCoverage counts the held-out models whose prediction interval covered them, out of those that had one.
func LOOCoverage(loo []LOOPrediction) (covered, defined int) {
	for _, l := range loo {
		if l.Covered != nil {
			defined++
			if *l.Covered {
				covered++
			}
		}
	}
	return covered, defined
}

// ParseTargets parses --predict items. Each item is a model name that lookup resolves, or a number: plain or in
// exponent form (175e9), or with a suffix K, M, B (or G) or T for 10³, 10⁶, 10⁹, 10¹² (175B). lookup may be nil.
func ParseTargets(items []string, lookup func(name string) (Target, bool)) ([]Target, error) {
	var out []Target
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if lookup != nil {
			if t, ok := lookup(it); ok {
				if !(t.X > 0) || math.IsInf(t.X, 0) {
					return nil, fmt.Errorf("--predict %s: the registry gives x = %v, which a power law cannot use", it, t.X)
				}
				out = append(out, t)
				continue
			}
		}
		x, err := parseCount(it)
		if err != nil {
			return nil, fmt.Errorf("--predict %q: neither a known model name nor a number (like 175e9 or 175B)", it)
		}
		if !(x > 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("--predict %q: x must be a finite number > 0", it)
		}
		out = append(out, Target{Label: it, X: x, Source: "given"})
	}
	return out, nil
}

func parseCount(s string) (float64, error) {
	mult := 1.0
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1e3
	case "M":
		mult = 1e6
	case "B", "G":
		mult = 1e9
	case "T":
		mult = 1e12
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	return v * mult, err
}
