package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/fit"
)

// fmtGain writes a gain to about three significant figures in the seed note's style (the same rule as fit's
// verdict tables): 12.4, 6.24, 0.527, 0.083, and 0.0042 below 0.01. NaN and infinities print as an em dash.
func fmtGain(g float64) string {
	if math.IsNaN(g) || math.IsInf(g, 0) {
		return "—"
	}
	return fit.FormatGain(g)
}

// fmtInterval writes [lo, hi] with fmtGain, or an em dash when the interval is undefined.
func fmtInterval(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "—"
	}
	return "[" + fmtGain(lo) + ", " + fmtGain(hi) + "]"
}

// fmtCount writes k of n with its percentage, as the seed note does: "24/24 (100 %)".
func fmtCount(k, n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d (%.0f %%)", k, n, 100*float64(k)/float64(n))
}

// fmtPercent writes a confidence level such as 0.95 as "95 %", keeping a decimal when it needs one ("99.5 %").
func fmtPercent(c float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", 100*c), "0"), ".") + " %"
}

// fmtParams writes a parameter count in engineering style, as model names do: 70.4M, 1.41B, 812k.
func fmtParams(n float64) string {
	a := math.Abs(n)
	switch {
	case a >= 1e12:
		return trimG(n/1e12) + "T"
	case a >= 1e9:
		return trimG(n/1e9) + "B"
	case a >= 1e6:
		return trimG(n/1e6) + "M"
	case a >= 1e3:
		return trimG(n/1e3) + "k"
	}
	return trimG(n)
}

func trimG(v float64) string { return fmt.Sprintf("%.3g", v) }
