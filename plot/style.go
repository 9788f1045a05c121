package plot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Font sizes, in points. At the default 10×8 in figure every text is at least 9 pt, readable in print.
const (
	figureTitleSize = 14
	panelTitleSize  = 12
	axisLabelSize   = 11
	tickLabelSize   = 10
	legendSize      = 10
	pointLabelSize  = 9
)

// textFont is the typeface of every text in a figure.
var textFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// palette holds ten colours that stay distinguishable on white and in greyscale print (matplotlib's tab10).
var palette = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// shapes are the marker shapes series cycle through. Their count (7) is prime to the palette's (10), so the first 70
// series all differ in colour or shape; from the eleventh on, lines are also dashed.
var shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{},
	draw.BoxGlyph{},
	draw.PyramidGlyph{},
	diamondGlyph{},
	draw.RingGlyph{},
	draw.SquareGlyph{},
	draw.TriangleGlyph{},
}

var dashes = [][]vg.Length{nil, {vg.Points(5), vg.Points(2)}, {vg.Points(1.5), vg.Points(1.5)}, {vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)}}

// seriesStyle is how series i of a layer panel is drawn: its line, its markers and its band.
type seriesStyle struct {
	line  draw.LineStyle
	glyph draw.GlyphStyle
	band  color.Color
}

func styleOf(i int) seriesStyle {
	c := palette[i%len(palette)]
	band := c
	band.A = 0x30
	return seriesStyle{
		line:  draw.LineStyle{Color: c, Width: vg.Points(1.25), Dashes: dashes[(i/len(palette))%len(dashes)]},
		glyph: draw.GlyphStyle{Color: c, Radius: vg.Points(2.6), Shape: shapes[i%len(shapes)]},
		band:  band,
	}
}

// Colours of the scaling panel.
var (
	pointColor      = color.NRGBA{0x1f, 0x4e, 0x9a, 0xff} // measured points and their bars
	fitColor        = color.NRGBA{0x20, 0x20, 0x20, 0xff} // the fitted line
	bandColor       = color.NRGBA{0x1f, 0x77, 0xb4, 0x38} // its confidence band
	predictionColor = color.NRGBA{0xd6, 0x27, 0x28, 0xff} // predictions and their intervals
	refLineColor    = color.NRGBA{0x55, 0x55, 0x55, 0xff} // the dashed y = 1 line
	gridColor       = color.NRGBA{0xe4, 0xe4, 0xe4, 0xff}
	noteColor       = color.NRGBA{0x40, 0x40, 0x40, 0xff}
)

// diamondGlyph is a filled diamond (a square turned by 45°), a shape gonum does not provide.
type diamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}

// openDiamondGlyph is an outlined diamond, the marker of predictions.
type openDiamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (openDiamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	r := sty.Radius * 1.3
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Stroke(p)
}

// referenceColors are the colours of the scaling panel's reference laws, in order. None is a colour of the panel's
// own series (blue points, black line, red predictions) nor exactly one of the palette's.
var referenceColors = []color.NRGBA{
	{0xc8, 0x64, 0x00, 0xff}, // dark orange
	{0x7b, 0x4f, 0xa8, 0xff}, // purple
	{0x2e, 0x8b, 0x57, 0xff}, // sea green
	{0x8a, 0x6a, 0x2a, 0xff}, // ochre
}

// referenceShapes are the open markers of the reference laws: a triangle pointing up, a square, a triangle pointing
// down and a pentagon. Open shapes and dashed lines keep a reference visibly secondary to the panel's own law.
var referenceShapes = []draw.GlyphDrawer{
	outlineGlyph{corners: 3, turn: 0},
	outlineGlyph{corners: 4, turn: 0.5},
	outlineGlyph{corners: 3, turn: 0.5},
	outlineGlyph{corners: 5, turn: 0},
}

// referenceStyle is how reference law i of the scaling panel is drawn.
type referenceStyle struct {
	color color.Color // of markers, line and point labels
	line  draw.LineStyle
	glyph draw.GlyphStyle
	bar   draw.LineStyle
	band  color.Color
}

func referenceStyleOf(i int) referenceStyle {
	c := referenceColors[i%len(referenceColors)]
	band := c
	band.A = 0x30
	return referenceStyle{
		color: c,
		line:  draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}},
		glyph: draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: referenceShapes[i%len(referenceShapes)]},
		bar:   draw.LineStyle{Color: c, Width: vg.Points(1.2)},
		band:  band,
	}
}

// outlineGlyph is an outlined regular polygon with the given number of corners, drawn with a 1.5 pt line. One corner
// points up, or with turn = 0.5 the polygon is turned by half a corner's angle (a triangle then points down and a
// square sits on its side).
type outlineGlyph struct {
	corners int
	turn    float64
}

// DrawGlyph implements draw.GlyphDrawer.
func (g outlineGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	r := sty.Radius * 1.3
	var p vg.Path
	for k := 0; k < g.corners; k++ {
		a := math.Pi/2 + 2*math.Pi*(float64(k)+g.turn)/float64(g.corners)
		q := vg.Point{X: pt.X + r*vg.Length(math.Cos(a)), Y: pt.Y + r*vg.Length(math.Sin(a))}
		if k == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
	p.Close()
	c.Stroke(p)
}
