// Package textfmt is the one set of number formats that scalefit's tables, reports, figures and messages share, so that
// a gain, an interval or a percentage reads the same wherever it is printed. Every formatter writes an undefined value
// (NaN or an infinity) as an em dash, "—".
package textfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dash is what every formatter writes for an undefined value.
const Dash = "—"

func undefined(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// GroupDigits writes n with thousands separators, as the Pythia model cards do: 70,426,624.
func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// Gain writes a gain as the seed note prints it, to about three significant figures without trailing exponent
// notation: 153, 12.4, 6.24, 0.527, 0.083, and two significant figures below 0.01 (0.0042).
func Gain(g float64) string {
	a := math.Abs(g)
	switch {
	case undefined(g):
		return Dash
	case a >= 100:
		return strconv.FormatFloat(g, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(g, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(g, 'f', 2, 64)
	case a >= 0.01 || a == 0:
		return strconv.FormatFloat(g, 'f', 3, 64)
	}
	return strconv.FormatFloat(g, 'g', 2, 64)
}

// Num writes any other statistic (an exponent, a prefactor, R², a residual, a prediction) with three significant
// digits, keeping trailing zeros so that a column reads at one precision: 7.00, 14.6, 0.0128, 405. Outside
// [0.001, 10000) it switches to exponent form, 1.23e+05.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case undefined(v):
		return Dash
	case a == 0:
		return "0"
	case a < 1e-3 || a >= 1e4:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	digits := max(0, 2-int(math.Floor(math.Log10(a))))
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if t, _ := strconv.ParseFloat(s, 64); math.Abs(t) >= 1e4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return s
}

// Signed is Num with an explicit sign on positive values: +0.0123.
func Signed(v float64) string {
	s := Num(v)
	if v > 0 && s != Dash {
		return "+" + s
	}
	return s
}

// Interval writes [lo, hi] with format applied to both bounds (Gain or Num), or a dash when either is undefined.
func Interval(lo, hi float64, format func(float64) string) string {
	if undefined(lo) || undefined(hi) {
		return Dash
	}
	return "[" + format(lo) + ", " + format(hi) + "]"
}

// X writes a covariate: a whole number with thousands separators (a parameter count, a layer count), anything else
// with Num.
func X(v float64) string {
	if !undefined(v) && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return GroupDigits(int64(v))
	}
	return Num(v)
}

// Params writes a parameter count the way model names do: 70.4M, 1.41B, 164k, 12T.
func Params(n float64) string {
	a := math.Abs(n)
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
	switch {
	case undefined(n):
		return Dash
	case a >= 1e12:
		return g(n/1e12) + "T"
	case a >= 1e9:
		return g(n/1e9) + "B"
	case a >= 1e6:
		return g(n/1e6) + "M"
	case a >= 1e3:
		return g(n/1e3) + "k"
	}
	return g(n)
}

// Percent writes a share as a whole percentage, "92 %". It is the one spelling of a percentage in scalefit's output:
// a number, a space, and the sign.
func Percent(share float64) string {
	if undefined(share) {
		return Dash
	}
	return strconv.FormatFloat(100*share, 'f', 0, 64) + " %"
}

// Level writes a confidence level as a percentage, keeping one decimal only where the level has one: "95 %",
// "99.5 %".
func Level(c float64) string {
	if undefined(c) {
		return Dash
	}
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(100*c, 'f', 1, 64), "0"), ".") + " %"
}

// Share writes k of n with its percentage, as the seed note counts layers: "22/24 (92 %)".
func Share(k, n int) string {
	if n <= 0 {
		return Dash
	}
	return fmt.Sprintf("%d/%d (%s)", k, n, Percent(float64(k)/float64(n)))
}

// Change writes a relative change r (0.077 for +7.7 %) as a signed percentage with the given decimals, and
// "0 %" (or "0.0 %") when it rounds to zero of either sign.
func Change(r float64, decimals int) string {
	if undefined(r) {
		return Dash
	}
	s := strconv.FormatFloat(100*r, 'f', decimals, 64)
	if z, _ := strconv.ParseFloat(s, 64); z == 0 {
		return strings.TrimPrefix(s, "-") + " %"
	}
	if r > 0 {
		s = "+" + s
	}
	return s + " %"
}

// Plural writes a count with its noun, singular for exactly one: "1 sequence", "3 sequences", "0 layers". The plural
// adds an s unless given: Plural(2, "phase") is "2 phases"; Plural(2, "model", "models") names it.
func Plural(n int, singular string, plural ...string) string {
	if n == 1 {
		return "1 " + singular
	}
	p := singular + "s"
	if len(plural) > 0 {
		p = plural[0]
	}
	return strconv.Itoa(n) + " " + p
}

// Layers writes a contiguous range of layers, "L0–6", or a single one, "L4".
func Layers(start, end int) string {
	if start == end {
		return fmt.Sprintf("L%d", start)
	}
	return fmt.Sprintf("L%d–%d", start, end)
}
