package plot

import (
	"fmt"
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
// Note is a line of text under the panel title, typically the exponent and its confidence interval. Without a line
// and with fewer than two points the panel also says, inside the plot, that a fit needs at least two models
// (NoFitNote).
type ScalingPanel struct {
	Points         []Point
	LineX, LineY   []float64
	BandLo, BandHi []float64
	Predictions    []Point

	XLabel, YLabel, Title string
	Note                  string

	// Legend texts; empty ones default to "measured", "power-law fit", "confidence band" and "prediction".
	PointsLegend, LineLegend, BandLegend, PredictionsLegend string
}

// NoFitNote is what the scaling panel shows in place of a fitted line when it has fewer than two points.
const NoFitNote = "need ≥ 2 models for a fit"

func (s *ScalingPanel) validate() error {
	if len(s.Points) == 0 && len(s.Predictions) == 0 {
		return fmt.Errorf("scaling panel has no points")
	}
	check := func(kind string, pts []Point) error {
		for _, p := range pts {
			if !positive(p.X) || !positive(p.Y) {
				return fmt.Errorf("scaling panel: %s %q is at (%v, %v); log–log axes need finite x and y > 0", kind, p.Label, p.X, p.Y)
			}
			if p.HasInterval() && (!positive(p.YLo) || !positive(p.YHi) || p.YLo > p.YHi) {
				return fmt.Errorf("scaling panel: %s %q has interval [%v, %v]; want finite 0 < lo ≤ hi", kind, p.Label, p.YLo, p.YHi)
			}
		}
		return nil
	}
	if err := check("point", s.Points); err != nil {
		return err
	}
	if err := check("prediction", s.Predictions); err != nil {
		return err
	}
	if len(s.LineX) != len(s.LineY) {
		return fmt.Errorf("scaling panel: fitted line has %d x and %d y values", len(s.LineX), len(s.LineY))
	}
	if len(s.LineX) == 1 {
		return fmt.Errorf("scaling panel: fitted line needs at least 2 points")
	}
	hasBand := s.BandLo != nil || s.BandHi != nil
	if hasBand && (len(s.BandLo) != len(s.LineX) || len(s.BandHi) != len(s.LineX)) {
		return fmt.Errorf("scaling panel: fitted line has %d points but its band %d lower and %d upper values", len(s.LineX), len(s.BandLo), len(s.BandHi))
	}
	for i := range s.LineX {
		if !positive(s.LineX[i]) || !positive(s.LineY[i]) {
			return fmt.Errorf("scaling panel: fitted line point %d is (%v, %v); log–log axes need finite x and y > 0", i, s.LineX[i], s.LineY[i])
		}
		if hasBand && (!positive(s.BandLo[i]) || !positive(s.BandHi[i]) || s.BandLo[i] > s.BandHi[i]) {
			return fmt.Errorf("scaling panel: band at x = %g is [%v, %v]; want finite 0 < lo ≤ hi", s.LineX[i], s.BandLo[i], s.BandHi[i])
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

// build draws the panel: band, line, bars, markers, then the overlay with legend, labels and note.
func (s *ScalingPanel) build(title string) (*gplot.Plot, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.Note != "" {
		title += "\n" + s.Note
	}
	p := newPanel(title, orDefault(s.XLabel, "x"), orDefault(s.YLabel, "y"))
	xs, ys := newSpan(), newSpan()
	ov := &overlay{}
	var entries []legendEntry

	hasBand := s.BandLo != nil && len(s.LineX) > 0
	if hasBand {
		p.Add(bandPolygon(s.LineX, s.BandLo, s.BandHi, bandColor))
		ys.add(s.BandLo...)
		ys.add(s.BandHi...)
	}
	if len(s.LineX) > 0 {
		l, err := plotter.NewLine(xys(s.LineX, s.LineY))
		if err != nil {
			return nil, fmt.Errorf("scaling panel: fitted line: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: fitColor, Width: vg.Points(1.5)}
		p.Add(l)
		xs.add(s.LineX...)
		ys.add(s.LineY...)
		for i := range s.LineX {
			ov.obstacle = append(ov.obstacle, [2]float64{s.LineX[i], s.LineY[i]})
		}
		entries = append(entries, legendEntry{orDefault(s.LineLegend, "power-law fit"), func(c *draw.Canvas) {
			y := c.Center().Y
			c.StrokeLine2(l.LineStyle, c.Min.X, y, c.Max.X, y)
		}})
	}
	if hasBand {
		entries = append(entries, legendEntry{orDefault(s.BandLegend, "confidence band"), func(c *draw.Canvas) {
			r := c.Rectangle
			c.FillPolygon(bandColor, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
		}})
	}

	markers := func(pts []Point, glyph draw.GlyphStyle, bar draw.LineStyle, legendText string) error {
		if len(pts) == 0 {
			return nil
		}
		var bx, blo, bhi []float64
		xy := make(plotter.XYs, len(pts))
		for i, pt := range pts {
			xy[i] = plotter.XY{X: pt.X, Y: pt.Y}
			xs.add(pt.X)
			ys.add(pt.Y)
			ov.points = append(ov.points, labelled{x: pt.X, y: pt.Y, text: pt.Label, radius: glyph.Radius * 1.3})
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
			return err
		}
		sc.GlyphStyle = glyph
		p.Add(sc)
		withBars := len(bx) > 0
		entries = append(entries, legendEntry{legendText, func(c *draw.Canvas) {
			ctr := c.Center()
			if withBars {
				c.StrokeLine2(bar, ctr.X, c.Min.Y, ctr.X, c.Max.Y)
				c.StrokeLine2(bar, ctr.X-vg.Points(3), c.Min.Y, ctr.X+vg.Points(3), c.Min.Y)
				c.StrokeLine2(bar, ctr.X-vg.Points(3), c.Max.Y, ctr.X+vg.Points(3), c.Max.Y)
			}
			c.DrawGlyphNoClip(glyph, ctr)
		}})
		return nil
	}
	if err := markers(s.Points,
		draw.GlyphStyle{Color: pointColor, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}},
		draw.LineStyle{Color: pointColor, Width: vg.Points(1.2)},
		orDefault(s.PointsLegend, "measured")); err != nil {
		return nil, fmt.Errorf("scaling panel: points: %w", err)
	}
	if err := markers(s.Predictions,
		draw.GlyphStyle{Color: predictionColor, Radius: vg.Points(3.5), Shape: openDiamondGlyph{}},
		draw.LineStyle{Color: predictionColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}},
		orDefault(s.PredictionsLegend, "prediction")); err != nil {
		return nil, fmt.Errorf("scaling panel: predictions: %w", err)
	}

	if len(s.LineX) == 0 && len(s.Points) < 2 {
		ov.note = NoFitNote
	}
	ov.legend = legend{entries: entries, cols: 1, boxed: true}
	p.Add(ov)

	setLog(&p.X, xs.lo, xs.hi, 0.07)
	setLog(&p.Y, ys.lo, ys.hi, 0.1)
	return p, nil
}
