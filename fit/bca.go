package fit

import (
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/resample"
	"gonum.org/v1/gonum/stat/distuv"
)

// BootIntervals holds the three bootstrap confidence intervals of one statistic θ, computed from the same resamples
// exactly as scipy.stats.bootstrap computes them (Efron & Tibshirani 1993, §13.3, §14.3 and eq. 14.15; DiCiccio &
// Efron 1996).
//
// With α = (1 − confidence)/2 and q(p) the p-quantile of the B bootstrap values θ*_b (numpy's default "linear"
// interpolation between order statistics, position p·(B − 1)):
//
//	percentile  [q(α), q(1 − α)]
//	basic       [2θ̂ − q(1 − α), 2θ̂ − q(α)]
//	BCa         [q(α₁), q(α₂)],  α₁ = Φ(z₀ + (z₀ + z_α)/(1 − â(z₀ + z_α))),  α₂ = Φ(z₀ + (z₀ + z_{1−α})/(1 − â(z₀ + z_{1−α})))
//
// The bias correction is z₀ = Φ⁻¹(p̂), where p̂ = (#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / 2B is the share of resamples below
// the estimate, ties counting one half. The acceleration comes from the jackknife: for each independently resampled
// sample j of size n_j with leave-one-out values θ_(j,i) and their mean θ_(j,·), U_ji = (n_j − 1)(θ_(j,·) − θ_(j,i)) and
//
//	â = Σ_j Σ_i U_ji³/n_j³ / (6·(Σ_j Σ_i U_ji²/n_j²)^{3/2}),
//
// which for one sample is the familiar â = Σ U_i³ / (6 (Σ U_i²)^{3/2}). A BCa bound is NaN when z₀ is infinite (every
// resample on one side of θ̂) or â is undefined (every jackknife value equal); the other intervals remain.
type BootIntervals struct {
	Estimate   float64 // θ̂, the statistic on the data
	SE         float64 // standard deviation of the bootstrap values (ddof = 1)
	Percentile Bounds
	Basic      Bounds
	BCa        Bounds
	Z0         float64 // BCa bias correction
	Accel      float64 // BCa acceleration â
}

// ComputeBootIntervals returns the percentile, basic and BCa intervals of a statistic whose value on the data is
// thetaHat, whose bootstrap values are boot (reordered in place: they are sorted) and whose jackknife values are
// jack[j][i] for sample j without its observation i. jack may be nil, and then the BCa interval is undefined.
func ComputeBootIntervals(thetaHat float64, boot []float64, jack [][]float64, confidence float64) BootIntervals {
	out := BootIntervals{Estimate: thetaHat, SE: math.NaN(), Percentile: undefinedBounds, Basic: undefinedBounds,
		BCa: undefinedBounds, Z0: math.NaN(), Accel: math.NaN()}
	B := len(boot)
	if B == 0 {
		return out
	}
	slices.Sort(boot)
	alpha := (1 - confidence) / 2
	lo, hi := resample.Percentile(boot, alpha), resample.Percentile(boot, 1-alpha)
	out.Percentile = Bounds{lo, hi}
	out.Basic = Bounds{2*thetaHat - hi, 2*thetaHat - lo}
	if B > 1 {
		var m, s float64
		for _, v := range boot {
			m += v
		}
		m /= float64(B)
		for _, v := range boot {
			s += (v - m) * (v - m)
		}
		out.SE = math.Sqrt(s / float64(B-1))
	}

	// z0 from the share of resamples below the estimate, ties counting half.
	below := 0
	for below < B && boot[below] < thetaHat {
		below++
	}
	atMost := below
	for atMost < B && boot[atMost] <= thetaHat {
		atMost++
	}
	out.Z0 = distuv.UnitNormal.Quantile(float64(below+atMost) / float64(2*B))
	out.Accel = jackknifeAccel(jack)
	if math.IsInf(out.Z0, 0) || math.IsNaN(out.Z0) || math.IsNaN(out.Accel) {
		return out
	}
	za := distuv.UnitNormal.Quantile(alpha)
	a1 := bcaLevel(out.Z0, za, out.Accel)
	a2 := bcaLevel(out.Z0, -za, out.Accel)
	out.BCa = Bounds{resample.Percentile(boot, a1), resample.Percentile(boot, a2)}
	return out
}

func bcaLevel(z0, z, a float64) float64 {
	num := z0 + z
	return distuv.UnitNormal.CDF(z0 + num/(1-a*num))
}

// jackknifeAccel is the BCa acceleration â from jackknife values grouped by sample (see BootIntervals). It is NaN
// when there are no jackknife values, any is NaN, or all of them are equal within every sample.
func jackknifeAccel(jack [][]float64) float64 {
	var num, den float64
	any := false
	for _, th := range jack {
		n := float64(len(th))
		if len(th) == 0 {
			continue
		}
		any = true
		var mean float64
		for _, v := range th {
			mean += v
		}
		mean /= n
		var s2, s3 float64
		for _, v := range th {
			u := (n - 1) * (mean - v)
			s2 += u * u
			s3 += u * u * u
		}
		num += s3 / (n * n * n)
		den += s2 / (n * n)
	}
	if !any || !(den > 0) {
		return math.NaN()
	}
	return num / (6 * math.Pow(den, 1.5))
}
