package plot

import (
	"fmt"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// layerPanel builds a layer-profile panel: every series as a line with markers over its shaded band, on a log y
// axis that always includes y = 1, drawn dashed. style maps a series label to its style index, so a model keeps
// its colour and marker across panels.
func layerPanel(title string, series []Series, style map[string]int, depth bool) (*gplot.Plot, error) {
	xlabel := "layer"
	if depth {
		xlabel = "normalised depth  layer / (L − 1)"
	}
	p := newPanel(title, xlabel, "gain  |out| / |in|")
	xs, ys, err := addSeries(p, title, series, style,
		refLine{Y: 1, Style: draw.LineStyle{Color: refLineColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}})
	if err != nil {
		return nil, err
	}
	ys.add(1)
	if depth {
		setLinear(&p.X, min(xs.lo, 0), max(xs.hi, 1), false)
	} else {
		setLinear(&p.X, xs.lo, xs.hi, true)
	}
	setLog(&p.Y, ys.lo, ys.hi, 0.04)
	return p, nil
}

// addSeries validates series and adds them to p: their bands first, then the plotters of under (a reference line),
// then the lines, then the markers, so that nothing hides a marker. It returns the span of their x and of their y,
// bands included. style maps a series label to its style index.
func addSeries(p *gplot.Plot, title string, series []Series, style map[string]int, under ...gplot.Plotter) (xs, ys span, err error) {
	xs, ys = newSpan(), newSpan()
	for i := range series {
		s := &series[i]
		if err := s.validate(); err != nil {
			return xs, ys, fmt.Errorf("%s: %w", title, err)
		}
		xs.add(s.X...)
		ys.add(s.Y...)
		if s.HasBand() {
			ys.add(s.Lo...)
			ys.add(s.Hi...)
		}
	}
	for _, s := range series {
		if s.HasBand() {
			p.Add(bandPolygon(s.X, s.Lo, s.Hi, styleOf(style[s.Label]).band))
		}
	}
	p.Add(under...)
	for _, s := range series {
		l, err := plotter.NewLine(xys(s.X, s.Y))
		if err != nil {
			return xs, ys, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		l.LineStyle = styleOf(style[s.Label]).line
		p.Add(l)
	}
	for _, s := range series {
		sc, err := plotter.NewScatter(xys(s.X, s.Y))
		if err != nil {
			return xs, ys, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		sc.GlyphStyle = styleOf(style[s.Label]).glyph
		p.Add(sc)
	}
	return xs, ys, nil
}
