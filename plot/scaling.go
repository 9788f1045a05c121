package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Point is a labelled point of the scaling panel: a measured model or a prediction. [YLo, YHi] is the interval of Y
// drawn as an error bar (a bootstrap confidence interval for a measured model, a prediction interval for a
// prediction); leave both zero, or NaN, for a point without one.
type Point struct {
	Label    string
	X, Y     float64
	YLo, YHi float64
}

// HasInterval reports whether p carries an interval of Y.
func (p Point) HasInterval() bool {
	return !(p.YLo == 0 && p.YHi == 0) && !math.IsNaN(p.YLo) && !math.IsNaN(p.YHi)
}

// ScalingPanel is the scaling-law panel: a model-level metric y against a size x on log–log axes.
//
// The fitted power law y = a·x^b is a straight line there; LineX and LineY sample it (a handful of points across
// the range, sorted by x), and BandLo, BandHi, when not nil, bound its confidence band at the same x. Predictions are
// drawn with their own marker and interval bars. Every x and y must be finite and positive.
//
// The line is fitted to the models between FitLo and FitHi in x; where it runs beyond them, to reach a prediction or
// a reference's models, it is drawn dashed and lighter, as an extrapolation. Both zero means no such stretch.
//
// Note is a short text drawn inside the plot where it covers the least data. The law's own numbers (its exponent and
// interval) belong in LineLegend and the references' Labels, so that the legend says which line they describe.
// Without a line and with fewer than two points the panel says, inside the plot, that a fit needs at least two models
// (NoFitNote). Empty says why the panel has no law to draw at all (a metric that is not positive, say): the panel is
// then drawn as a frame with that text in it, whatever points it may still have.
type ScalingPanel struct {
	Points         []Point
	LineX, LineY   []float64
	BandLo, BandHi []float64
	FitLo, FitHi   float64
	Predictions    []Point
	Empty          string

	XLabel, YLabel, Title string
	Note                  string

	// Legend texts; empty ones default to "measured", "power-law fit", "confidence band", "prediction" and
	// "extrapolation".
	PointsLegend, LineLegend, BandLegend, PredictionsLegend, ExtrapolationLegend string

	// References are other laws drawn beside this one for comparison, such as a law published for trained models
	// beside the fit of the user's runs. Each has its own muted style: a dashed line, open markers and labels in a
	// colour the panel's own series do not use.
	References []ScalingSeries
}

// ScalingSeries is a reference law of the scaling panel: its points and the line y = a·x^b through them. LineX and
// LineY sample the line (sorted by x, at least two points, or none for no line); BandLo and BandHi, when not nil,
// bound its confidence band at the same x. A point's [YLo, YHi], if set, is drawn as an error bar. Label is the text
// of its legend entry, such as "seed-pythia (trained)": keep it short, as a wide legend finds no free corner; the
// law's exponent fits better in the panel's Note. The points carry their own labels, drawn in the reference's colour.
type ScalingSeries struct {
	Label          string
	Points         []Point
	LineX, LineY   []float64
	BandLo, BandHi []float64
	FitLo, FitHi   float64 // the x range of the models behind the line, as in ScalingPanel
}

// NoFitNote is what the scaling panel shows in place of a fitted line when it has fewer than two points.
const NoFitNote = "need ≥ 2 models for a fit"

func (s *ScalingPanel) validate() error {
	n := len(s.Points) + len(s.Predictions)
	for _, r := range s.References {
		n += len(r.Points)
	}
	if n == 0 && s.Empty == "" {
		return fmt.Errorf("scaling panel has no points")
	}
	if err := checkPoints("point", s.Points); err != nil {
		return fmt.Errorf("scaling panel: %w", err)
	}
	if err := checkPoints("prediction", s.Predictions); err != nil {
		return fmt.Errorf("scaling panel: %w", err)
	}
	if err := checkLine(s.LineX, s.LineY, s.BandLo, s.BandHi); err != nil {
		return fmt.Errorf("scaling panel: %w", err)
	}
	for _, r := range s.References {
		if err := checkPoints("point", r.Points); err != nil {
			return fmt.Errorf("scaling panel: reference %q: %w", r.Label, err)
		}
		if err := checkLine(r.LineX, r.LineY, r.BandLo, r.BandHi); err != nil {
			return fmt.Errorf("scaling panel: reference %q: %w", r.Label, err)
		}
	}
	return nil
}

// checkPoints checks that pts (of the given kind, for the message) can be drawn on log–log axes.
func checkPoints(kind string, pts []Point) error {
	for _, p := range pts {
		if !positive(p.X) || !positive(p.Y) {
			return fmt.Errorf("%s %q is at (%v, %v); log–log axes need finite x and y > 0", kind, p.Label, p.X, p.Y)
		}
		if p.HasInterval() && (!positive(p.YLo) || !positive(p.YHi) || p.YLo > p.YHi) {
			return fmt.Errorf("%s %q has interval [%v, %v]; want finite 0 < lo ≤ hi", kind, p.Label, p.YLo, p.YHi)
		}
	}
	return nil
}

// checkLine checks a fitted line and its optional band.
func checkLine(x, y, lo, hi []float64) error {
	if len(x) != len(y) {
		return fmt.Errorf("fitted line has %d x and %d y values", len(x), len(y))
	}
	if len(x) == 1 {
		return fmt.Errorf("fitted line needs at least 2 points")
	}
	hasBand := lo != nil || hi != nil
	if hasBand && (len(lo) != len(x) || len(hi) != len(x)) {
		return fmt.Errorf("fitted line has %d points but its band %d lower and %d upper values", len(x), len(lo), len(hi))
	}
	for i := range x {
		if !positive(x[i]) || !positive(y[i]) {
			return fmt.Errorf("fitted line point %d is (%v, %v); log–log axes need finite x and y > 0", i, x[i], y[i])
		}
		if hasBand && (!positive(lo[i]) || !positive(hi[i]) || lo[i] > hi[i]) {
			return fmt.Errorf("band at x = %g is [%v, %v]; want finite 0 < lo ≤ hi", x[i], lo[i], hi[i])
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// build draws the panel: the references' bands and lines, the band and line, bars and markers of the panel's own
// law, the references' markers, then the overlay with legend, labels and note.
func (s *ScalingPanel) build(title string) (*gplot.Plot, *overlay, error) {
	if err := s.validate(); err != nil {
		return nil, nil, err
	}
	p := newPanel(title, orDefault(s.XLabel, "x"), orDefault(s.YLabel, "y"))
	xs, ys := newSpan(), newSpan()
	ov := &overlay{}
	var entries []legendEntry

	// The references go under the panel's own law, which is what the reader compares with them.
	refs := make([]referenceStyle, len(s.References))
	for i, r := range s.References {
		refs[i] = referenceStyleOf(i)
		if r.BandLo != nil && len(r.LineX) > 0 {
			p.Add(bandPolygon(r.LineX, r.BandLo, r.BandHi, refs[i].band))
			ys.add(r.BandLo...)
			ys.add(r.BandHi...)
		}
	}
	for i, r := range s.References {
		if len(r.LineX) == 0 {
			continue
		}
		if err := addLine(p, r.LineX, r.LineY, r.FitLo, r.FitHi, refs[i].line, extrapolated(refs[i].line)); err != nil {
			return nil, nil, fmt.Errorf("scaling panel: reference %q: line: %w", r.Label, err)
		}
		xs.add(r.LineX...)
		ys.add(r.LineY...)
		for j := range r.LineX {
			ov.obstacle = append(ov.obstacle, [2]float64{r.LineX[j], r.LineY[j]})
		}
	}

	hasBand := s.BandLo != nil && len(s.LineX) > 0
	if hasBand {
		p.Add(bandPolygon(s.LineX, s.BandLo, s.BandHi, bandColor))
		ys.add(s.BandLo...)
		ys.add(s.BandHi...)
	}
	if len(s.LineX) > 0 {
		solid := draw.LineStyle{Color: fitColor, Width: vg.Points(1.5)}
		dashed := extrapolated(solid)
		if err := addLine(p, s.LineX, s.LineY, s.FitLo, s.FitHi, solid, dashed); err != nil {
			return nil, nil, fmt.Errorf("scaling panel: fitted line: %w", err)
		}
		xs.add(s.LineX...)
		ys.add(s.LineY...)
		for i := range s.LineX {
			ov.obstacle = append(ov.obstacle, [2]float64{s.LineX[i], s.LineY[i]})
		}
		entries = append(entries, legendEntry{orDefault(s.LineLegend, "power-law fit"), func(c *draw.Canvas) {
			y := c.Center().Y
			c.StrokeLine2(solid, c.Min.X, y, c.Max.X, y)
		}})
		if s.FitLo > 0 && (s.LineX[0] < s.FitLo || s.LineX[len(s.LineX)-1] > s.FitHi) {
			entries = append(entries, legendEntry{orDefault(s.ExtrapolationLegend, "extrapolation"), func(c *draw.Canvas) {
				y := c.Center().Y
				c.StrokeLine2(dashed, c.Min.X, y, c.Max.X, y)
			}})
		}
	}
	if hasBand {
		entries = append(entries, legendEntry{orDefault(s.BandLegend, "confidence band"), func(c *draw.Canvas) {
			r := c.Rectangle
			c.FillPolygon(bandColor, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
		}})
	}

	// markers draws pts with their interval bars and queues their labels, in labelColor (nil: the default). It
	// reports whether any point has a bar.
	markers := func(pts []Point, glyph draw.GlyphStyle, bar draw.LineStyle, labelColor color.Color) (bool, error) {
		if len(pts) == 0 {
			return false, nil
		}
		var bx, blo, bhi []float64
		xy := make(plotter.XYs, len(pts))
		for i, pt := range pts {
			xy[i] = plotter.XY{X: pt.X, Y: pt.Y}
			xs.add(pt.X)
			ys.add(pt.Y)
			ov.points = append(ov.points, labelled{x: pt.X, y: pt.Y, text: pt.Label, radius: glyph.Radius * 1.3, color: labelColor})
			if pt.HasInterval() {
				bx, blo, bhi = append(bx, pt.X), append(blo, pt.YLo), append(bhi, pt.YHi)
				ys.add(pt.YLo, pt.YHi)
				ov.obstacle = append(ov.obstacle, [2]float64{pt.X, pt.YLo}, [2]float64{pt.X, pt.YHi})
			}
		}
		bars := intervalBars{X: bx, Lo: blo, Hi: bhi, Style: bar, Cap: vg.Points(6)}
		if len(bx) > 0 {
			p.Add(bars)
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return false, err
		}
		sc.GlyphStyle = glyph
		p.Add(sc)
		return len(bx) > 0, nil
	}
	// markerThumb is the legend sample of markers: the glyph, on its bar when the points have bars.
	markerThumb := func(glyph draw.GlyphStyle, bar draw.LineStyle, withBars bool) func(c *draw.Canvas) {
		return func(c *draw.Canvas) {
			ctr := c.Center()
			if withBars {
				c.StrokeLine2(bar, ctr.X, c.Min.Y, ctr.X, c.Max.Y)
				c.StrokeLine2(bar, ctr.X-vg.Points(3), c.Min.Y, ctr.X+vg.Points(3), c.Min.Y)
				c.StrokeLine2(bar, ctr.X-vg.Points(3), c.Max.Y, ctr.X+vg.Points(3), c.Max.Y)
			}
			c.DrawGlyphNoClip(glyph, ctr)
		}
	}
	for _, m := range []struct {
		pts    []Point
		glyph  draw.GlyphStyle
		bar    draw.LineStyle
		legend string
		what   string
	}{
		{s.Points, draw.GlyphStyle{Color: pointColor, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}},
			draw.LineStyle{Color: pointColor, Width: vg.Points(1.2)}, orDefault(s.PointsLegend, "measured"), "points"},
		{s.Predictions, draw.GlyphStyle{Color: predictionColor, Radius: vg.Points(3.5), Shape: openDiamondGlyph{}},
			draw.LineStyle{Color: predictionColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}},
			orDefault(s.PredictionsLegend, "prediction"), "predictions"},
	} {
		withBars, err := markers(m.pts, m.glyph, m.bar, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("scaling panel: %s: %w", m.what, err)
		}
		if len(m.pts) > 0 {
			entries = append(entries, legendEntry{m.legend, markerThumb(m.glyph, m.bar, withBars)})
		}
	}
	for i, r := range s.References {
		st := refs[i]
		if _, err := markers(r.Points, st.glyph, st.bar, st.color); err != nil {
			return nil, nil, fmt.Errorf("scaling panel: reference %q: %w", r.Label, err)
		}
		withLine, withBand, withPoints := len(r.LineX) > 0, r.BandLo != nil && len(r.LineX) > 0, len(r.Points) > 0
		entries = append(entries, legendEntry{orDefault(r.Label, "reference"), func(c *draw.Canvas) {
			if withBand {
				rc := c.Rectangle
				c.FillPolygon(st.band, []vg.Point{rc.Min, {X: rc.Max.X, Y: rc.Min.Y}, rc.Max, {X: rc.Min.X, Y: rc.Max.Y}})
			}
			if withLine {
				y := c.Center().Y
				c.StrokeLine2(st.line, c.Min.X, y, c.Max.X, y)
			}
			if withPoints {
				c.DrawGlyphNoClip(st.glyph, c.Center())
			}
		}})
	}

	switch {
	case s.Empty != "":
		ov.note = s.Empty
	case len(s.LineX) == 0 && len(s.Points) < 2:
		ov.note = NoFitNote
	default:
		ov.note = s.Note
	}
	empty := xs.lo > xs.hi // nothing to draw: a frame for the Empty text
	if empty {
		xs.add(1, 10)
		ys.add(1, 10)
	}
	ov.legend = legend{entries: entries, cols: 1, boxed: true}
	p.Add(ov)

	setLog(&p.X, xs.lo, xs.hi, 0.07)
	setLog(&p.Y, ys.lo, ys.hi, 0.1)
	if empty {
		p.X.Tick.Marker = gplot.ConstantTicks(nil)
		p.Y.Tick.Marker = gplot.ConstantTicks(nil)
	}
	return p, ov, nil
}

// extrapolated is the style of a law's line beyond the models it was fitted to: dashed, thinner and lighter than st.
func extrapolated(st draw.LineStyle) draw.LineStyle {
	r, g, b, _ := st.Color.RGBA()
	out := draw.LineStyle{Color: color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x90}, Width: st.Width * 0.8,
		Dashes: []vg.Length{vg.Points(2), vg.Points(2.5)}}
	if len(st.Dashes) > 0 { // a reference's dashed line becomes dotted
		out.Dashes = []vg.Length{vg.Points(1), vg.Points(2.5)}
	}
	return out
}

// addLine adds the line through (xs, ys) to p: in style in on [lo, hi] and in style out beyond it, splitting it where
// it crosses lo and hi. The line is straight on log–log axes, so the crossing points are interpolated in log space.
// lo = hi = 0 draws it all in style in.
func addLine(p *gplot.Plot, xs, ys []float64, lo, hi float64, in, out draw.LineStyle) error {
	type seg struct {
		pts   plotter.XYs
		style draw.LineStyle
	}
	var segs []seg
	inside := func(x float64) bool { return !(lo > 0) || x >= lo*(1-1e-12) && x <= hi*(1+1e-12) }
	cur := seg{style: out}
	if inside(xs[0]) {
		cur.style = in
	}
	for i := range xs {
		if i > 0 && inside(xs[i]) != inside(xs[i-1]) {
			// The boundary between xs[i-1] and xs[i].
			b := lo
			if xs[i] > hi || xs[i-1] > hi {
				b = hi
			}
			t := (math.Log(b) - math.Log(xs[i-1])) / (math.Log(xs[i]) - math.Log(xs[i-1]))
			yb := math.Exp(math.Log(ys[i-1]) + t*(math.Log(ys[i])-math.Log(ys[i-1])))
			cur.pts = append(cur.pts, plotter.XY{X: b, Y: yb})
			segs = append(segs, cur)
			cur = seg{pts: plotter.XYs{{X: b, Y: yb}}, style: out}
			if inside(xs[i]) {
				cur.style = in
			}
		}
		cur.pts = append(cur.pts, plotter.XY{X: xs[i], Y: ys[i]})
	}
	segs = append(segs, cur)
	for _, sg := range segs {
		if len(sg.pts) < 2 {
			continue
		}
		l, err := plotter.NewLine(sg.pts)
		if err != nil {
			return err
		}
		l.LineStyle = sg.style
		p.Add(l)
	}
	return nil
}
