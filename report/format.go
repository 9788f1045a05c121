package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/fit"
)

// table is a markdown table under construction.
type table struct {
	header []string
	align  []byte // per column: 'l' or 'r'; missing columns are left-aligned
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// markdown renders the table in GitHub-flavoured markdown. Pipes inside cells are escaped.
func (t *table) markdown() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range t.header {
			c := ""
			if i < len(cells) {
				c = strings.ReplaceAll(cells[i], "|", `\|`)
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	line(t.header)
	b.WriteString("|")
	for i := range t.header {
		if i < len(t.align) && t.align[i] == 'r' {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		line(r)
	}
	return b.String()
}

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
