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
	xs, ys := newSpan(), newSpan()
	ys.add(1)
	for i := range series {
		s := &series[i]
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", title, err)
		}
		xs.add(s.X...)
		ys.add(s.Y...)
		if s.HasBand() {
			ys.add(s.Lo...)
			ys.add(s.Hi...)
		}
	}
	// Bands first, then the reference line, then lines, then markers: nothing hides a marker.
	for _, s := range series {
		if s.HasBand() {
			p.Add(bandPolygon(s.X, s.Lo, s.Hi, styleOf(style[s.Label]).band))
		}
	}
	p.Add(refLine{Y: 1, Style: draw.LineStyle{Color: refLineColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}})
	for _, s := range series {
		l, err := plotter.NewLine(xys(s.X, s.Y))
		if err != nil {
			return nil, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		l.LineStyle = styleOf(style[s.Label]).line
		p.Add(l)
	}
	for _, s := range series {
		sc, err := plotter.NewScatter(xys(s.X, s.Y))
		if err != nil {
			return nil, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		sc.GlyphStyle = styleOf(style[s.Label]).glyph
		p.Add(sc)
	}
	if depth {
		setLinear(&p.X, min(xs.lo, 0), max(xs.hi, 1), false)
	} else {
		setLinear(&p.X, xs.lo, xs.hi, true)
	}
	setLog(&p.Y, ys.lo, ys.hi, 0.04)
	return p, nil
}
