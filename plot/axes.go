package plot

import (
	"image/color"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// newPanel returns a gonum plot with scalefit's fonts, a light grid, and the given title and axis labels.
func newPanel(title, xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(textFont, panelTitleSize)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*gplot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(textFont, axisLabelSize)
		ax.Label.Padding = vg.Points(3)
		ax.Tick.Label.Font = font.From(textFont, tickLabelSize)
		ax.Padding = vg.Points(3)
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	g.Horizontal = g.Vertical
	p.Add(g)
	return p
}

// maxLogRange is the widest ratio hi/lo a log axis spans: twelve decades. Values further below the top are drawn at
// the bottom edge rather than stretching the axis to a subnormal gain (5e-324 is 324 decades below 1).
const maxLogRange = 1e12

// setLog makes ax a log axis over [lo, hi], widened on each side by the fraction pad of its length in log space and
// to at least a factor of 1.25, with readable ticks. The range is cut to maxLogRange below hi, and the axis never
// panics on a value ≤ 0 or below its range (see clampedLog), as gonum's LogScale does.
func setLog(ax *gplot.Axis, lo, hi, pad float64) {
	if !(hi > 0) || math.IsInf(hi, 0) { // no positive finite value at all
		lo, hi = 0.1, 10
	}
	if !(lo > 0) || hi/lo > maxLogRange {
		lo = hi / maxLogRange
	}
	if hi/lo < 1.25 { // (nearly) one value: show at least a factor of 1.25 around the middle
		m := math.Sqrt(lo * hi)
		lo, hi = m/math.Sqrt(1.25), m*math.Sqrt(1.25)
	}
	f := math.Pow(hi/lo, pad)
	ax.Min, ax.Max = extendToLabels(lo/f, hi*f)
	ax.Scale = clampedLog{}
	ax.Tick.Marker = logTicks{}
}

// clampedLog is gonum's LogScale for values inside the axis range; a value below it, zero or negative included, is
// placed just below the axis (and so clipped to its edge) instead of panicking.
type clampedLog struct{}

func (clampedLog) Normalize(min, max, x float64) float64 {
	if !(x >= min) {
		return -0.01
	}
	return gplot.LogScale{}.Normalize(min, max, x)
}

// extendToLabels widens a log range [lo, hi] to the next labelled tick beyond either end when that end is far from
// every label (more than a fifth of the range in log space), so that no stretch of data sits under an unlabelled
// part of the axis: a profile around 0.12 on an axis labelled 0.2 … 1 gets a 0.1 label.
func extendToLabels(lo, hi float64) (float64, float64) {
	labels := func(lo, hi float64) []float64 {
		var out []float64
		for _, t := range (logTicks{}).Ticks(lo, hi) {
			if t.Label != "" {
				out = append(out, t.Value)
			}
		}
		return out
	}
	in := labels(lo, hi)
	if len(in) == 0 {
		return lo, hi
	}
	far := math.Log(hi/lo) / 5
	newLo, newHi := lo, hi
	if math.Log(slices.Min(in)/lo) > far {
		// the nearest label below lo
		for _, v := range labels(lo/3, hi) {
			if v < lo && (newLo == lo || v > newLo) {
				newLo = v
			}
		}
	}
	if math.Log(hi/slices.Max(in)) > far {
		// the nearest label above hi
		for _, v := range labels(lo, hi*3) {
			if v > hi && (newHi == hi || v < newHi) {
				newHi = v
			}
		}
	}
	return newLo, newHi
}

// setLinear makes ax a linear axis over [lo, hi] with ticks at round numbers (whole numbers when integer is set).
func setLinear(ax *gplot.Axis, lo, hi float64, integer bool) {
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	ax.Min, ax.Max = lo, hi
	ax.Scale = gplot.LinearScale{}
	ax.Tick.Marker = linearTicks{Integer: integer}
}

// span tracks the smallest and largest of the values it is shown.
type span struct{ lo, hi float64 }

func newSpan() span { return span{math.Inf(1), math.Inf(-1)} }

func (s *span) add(vs ...float64) {
	for _, v := range vs {
		s.lo, s.hi = math.Min(s.lo, v), math.Max(s.hi, v)
	}
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i].X, out[i].Y = x[i], y[i]
	}
	return out
}

// bandPolygon is the region between lo and hi over x, filled with clr and without an outline.
func bandPolygon(x, lo, hi []float64, clr color.Color) *plotter.Polygon {
	ring := make(plotter.XYs, 0, 2*len(x))
	for i := range x {
		ring = append(ring, plotter.XY{X: x[i], Y: hi[i]})
	}
	for i := len(x) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: x[i], Y: lo[i]})
	}
	return &plotter.Polygon{XYs: []plotter.XYs{ring}, Color: clr}
}
