// Package textfmt holds the small number formats that scalefit's tables share.
package textfmt

import (
	"strconv"
	"strings"
)

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

// Percent writes a confidence level such as 0.95 as a percentage to four significant digits: "95 %", "99.5 %".
func Percent(c float64) string { return strconv.FormatFloat(100*c, 'g', 4, 64) + " %" }
