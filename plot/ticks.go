package plot

import (
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
)

// maxTickLabels is the most labelled ticks an axis gets; more would crowd a 4-inch panel.
const maxTickLabels = 7

// logTicks labels a log axis with plain numbers ("0.1", "0.5", "2", "70M", "1.4B"), never "1e+00".
//
// It labels the densest of the mantissa sets {1..9}, {1, 2, 3, 5, 7}, {1, 2, 5}, {1, 3} and {1} (times powers of
// ten) that gives at most maxTickLabels labels in the range, with unlabelled minor ticks at every integer mantissa.
// A range spanning more decades than that labels every k-th decade. A range narrower than a factor of 3, or one that
// would get fewer than three labels, is labelled like a linear axis instead: over so short a stretch the log axis
// is nearly linear, and round numbers such as 0.8, 1, 1.2 read better than a lone "1".
type logTicks struct{}

var mantissaSets = [][]int{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 5, 7}, {1, 2, 5}, {1, 3}, {1}}

// Ticks implements gonum's plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0 := int(math.Floor(math.Log10(lo)))
	e1 := int(math.Ceil(math.Log10(hi)))
	inRange := func(v float64) bool { return v >= lo*(1-1e-12) && v <= hi*(1+1e-12) }

	var labels []float64
	for _, set := range mantissaSets {
		labels = labels[:0]
		for e := e0; e <= e1; e++ {
			for _, m := range set {
				if v := decimal(m, e); inRange(v) {
					labels = append(labels, v)
				}
			}
		}
		if len(labels) <= maxTickLabels {
			break
		}
	}
	if len(labels) > maxTickLabels { // many decades: label every k-th one
		k := (len(labels) + maxTickLabels - 1) / maxTickLabels
		thin := labels[:0]
		for i := 0; i < len(labels); i += k {
			thin = append(thin, labels[i])
		}
		labels = thin
	}
	if len(labels) < 3 || hi/lo < 3 {
		return linearTicks{}.Ticks(lo, hi)
	}

	labelled := map[float64]bool{}
	var ticks []gplot.Tick
	for _, v := range labels {
		labelled[v] = true
		ticks = append(ticks, gplot.Tick{Value: v, Label: formatTick(v)})
	}
	minor := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	if e1-e0 > 8 {
		minor = []int{1}
	}
	for e := e0; e <= e1; e++ {
		for _, m := range minor {
			if v := decimal(m, e); inRange(v) && !labelled[v] {
				ticks = append(ticks, gplot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// linearTicks labels a linear axis at multiples of 1, 2 or 5 × 10^k, with at most maxTickLabels labels. With
// Integer set the step is at least 1, for an axis of layer indices.
type linearTicks struct{ Integer bool }

// Ticks implements gonum's plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	m, e := niceStep(lo, hi, t.Integer)
	step := decimal(m, e)
	var ticks []gplot.Tick
	for k := math.Ceil(lo/step - 1e-9); k <= math.Floor(hi/step+1e-9); k++ {
		// k·m·10^e as the float nearest to the decimal, so labels print as "0.3", not "0.30000000000000004".
		v := decimalf(k*float64(m), e)
		ticks = append(ticks, gplot.Tick{Value: v, Label: formatTick(v)})
	}
	return ticks
}

// niceStep returns the smallest step m·10^e with m in {1, 2, 5} that puts at most maxTickLabels multiples of the
// step in [lo, hi] (and is at least 1 when integer is set).
func niceStep(lo, hi float64, integer bool) (m, e int) {
	for e = int(math.Floor(math.Log10(hi-lo))) - 1; ; e++ {
		for _, m = range []int{1, 2, 5} {
			s := decimal(m, e)
			if math.Floor(hi/s)-math.Ceil(lo/s)+1 <= maxTickLabels && (!integer || s >= 1) {
				return m, e
			}
		}
	}
}

// decimal returns m·10^e as the float nearest to that decimal number.
func decimal(m, e int) float64 { return decimalf(float64(m), e) }

func decimalf(m float64, e int) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(m, 'f', -1, 64)+"e"+strconv.Itoa(e), 64)
	if err != nil {
		return m * math.Pow10(e)
	}
	return v
}

// formatTick prints a tick value briefly: "0.05", "1", "2048"; from 10^5 on with an SI suffix, "100K", "70M",
// "1.4B", "12T".
func formatTick(v float64) string {
	a := math.Abs(v)
	if a >= 1e5 {
		for _, u := range []struct {
			scale  float64
			suffix string
		}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}} {
			if a >= u.scale {
				return strconv.FormatFloat(v/u.scale, 'g', 4, 64) + u.suffix
			}
		}
	}
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}
