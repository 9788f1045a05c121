package fit

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// SlopeTest is the F test of equal slopes across groups: do k straight lines u = α_g + b_g·t (one per group, here one
// per architecture family on t = ln x, u = ln y) share one slope?
//
// The full model gives every group its own intercept and slope, u = α_g + b_g·t, with 2k parameters; its residual sum
// of squares is the sum of the groups' own fits, RSS_full = Σ_g Σ_i w_i e_{g,i}². The restricted model keeps the
// intercepts apart but shares the slope, u = α_g + b·t, with k + 1 parameters. Its slope is the pooled within-group
// slope
//
//	b = Σ_g Stu_g / Σ_g Stt_g,   α_g = ū_g − b·t̄_g,
//
// with the weighted centred sums Stt_g, Stu_g of Line taken around each group's own means. With N points,
//
//	F = ((RSS_restricted − RSS_full) / (k − 1)) / (RSS_full / (N − 2k)),
//
// which follows the F distribution with (k − 1, N − 2k) degrees of freedom when the slopes are equal and the
// residuals are independent normal with one variance (weights w_i ∝ 1/variance). This is the F test of the
// group × ln x interaction in one pooled regression: statsmodels' anova_lm of ln y ~ C(f) + ln x against
// ln y ~ C(f) * ln x. P is its upper tail, Pr(F_{k−1, N−2k} ≥ F).
//
// A group whose line is exact (two points) adds a slope and no residual degree of freedom: it still enters the test,
// through RSS_restricted. The test needs N − 2k ≥ 1, so at least one group with three or more points.
type SlopeTest struct {
	Groups []string `json:"groups"` // the groups in the test, in order
	N      int      `json:"n"`      // points in those groups
	DF1    int      `json:"df1"`    // k − 1
	DF2    int      `json:"df2"`    // N − 2k
	F      float64  `json:"-"`
	P      float64  `json:"-"`
	// RSSFull and RSSRestricted are the residual sums of squares of the two models (weighted, in ln y).
	RSSFull, RSSRestricted float64 `json:"-"`
	// Common is the shared slope of the restricted model, with its standard error s_r/√(Σ_g Stt_g) (s_r² =
	// RSS_restricted/(N − k − 1)) and its Student-t interval with N − k − 1 degrees of freedom: the exponent the
	// groups would have if they had one.
	Common, CommonSE float64 `json:"-"`
	CommonCI         Bounds  `json:"-"`
}

// EqualSlopes runs the F test of equal slopes on the groups' points: t[g], u[g] and w[g] (nil for weights 1) are
// group g's abscissae, ordinates and weights. Every group needs at least two distinct t; there must be at least two
// groups and at least one group of three points or more.
func EqualSlopes(names []string, t, u, w [][]float64, confidence float64) (*SlopeTest, error) {
	k := len(t)
	if len(names) != k || len(u) != k || (w != nil && len(w) != k) {
		return nil, fmt.Errorf("equal slopes: %d names, %d t, %d u and %d w groups", len(names), k, len(u), len(w))
	}
	if k < 2 {
		return nil, fmt.Errorf("equal slopes: %d group(s): the test compares at least two", k)
	}
	st := &SlopeTest{Groups: append([]string(nil), names...)}
	var sumStt, sumStu float64
	type moments struct{ tbar, ubar float64 }
	mom := make([]moments, k)
	for g := range t {
		var wg []float64
		if w != nil {
			wg = w[g]
		}
		l, err := FitLine(t[g], u[g], wg)
		if err != nil {
			return nil, fmt.Errorf("equal slopes: group %s: %w", names[g], err)
		}
		st.N += l.N
		st.RSSFull += l.RSS()
		sumStt += l.Stt
		sumStu += l.Slope * l.Stt // Stu_g = b_g·Stt_g
		mom[g] = moments{l.TBar, l.Intercept + l.Slope*l.TBar}
	}
	st.DF1, st.DF2 = k-1, st.N-2*k
	if st.DF2 < 1 {
		return nil, fmt.Errorf("equal slopes: %d points in %d groups leave %d residual degrees of freedom: every group's line is exact, so there is nothing to test against (a group of three models or more is needed)", st.N, k, st.DF2)
	}
	st.Common = sumStu / sumStt
	for g := range t {
		for i := range t[g] {
			wi := 1.0
			if w != nil {
				wi = w[g][i]
			}
			e := u[g][i] - mom[g].ubar - st.Common*(t[g][i]-mom[g].tbar)
			st.RSSRestricted += wi * e * e
		}
	}
	// The restricted model is the full one with k − 1 constraints, so RSS_restricted ≥ RSS_full up to rounding.
	diff := math.Max(st.RSSRestricted-st.RSSFull, 0)
	switch {
	case st.RSSFull > 0:
		st.F = (diff / float64(st.DF1)) / (st.RSSFull / float64(st.DF2))
		st.P = fSurvival(st.F, float64(st.DF1), float64(st.DF2))
	case diff > 0: // every line fits exactly, and the slopes differ
		st.F, st.P = math.Inf(1), 0
	default:
		st.F, st.P = math.NaN(), math.NaN()
	}
	dfr := st.N - k - 1
	s2 := st.RSSRestricted / float64(dfr)
	st.CommonSE = math.Sqrt(s2 / sumStt)
	q := olsTQuantile(dfr, confidence)
	st.CommonCI = Bounds{st.Common - q*st.CommonSE, st.Common + q*st.CommonSE}
	return st, nil
}

// fSurvival is the upper tail Pr(F_{d1,d2} ≥ f) of the F distribution, I_{d2/(d2 + d1·f)}(d2/2, d1/2) with gonum's
// regularised incomplete beta function. It is gonum's distuv.F{D1: d1, D2: d2}.Survival(f) written without the
// subtraction 1 − CDF, which loses every digit of a small p-value.
func fSurvival(f, d1, d2 float64) float64 {
	if !(f > 0) {
		return 1
	}
	if math.IsInf(f, 1) {
		return 0
	}
	return mathext.RegIncBeta(d2/2, d1/2, d2/(d2+d1*f))
}
