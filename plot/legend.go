package plot

import (
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendEntry is one line of a legend: a sample of the drawing style and its text.
type legendEntry struct {
	text  string
	thumb func(c *draw.Canvas) // draws the sample into c's rectangle
}

// legend lays out entries in a grid of cols columns, filled row by row. gonum's own legend stacks its entries in
// one column inside the data area; this one can also form a strip of many models under the panels, where it hides
// no data.
type legend struct {
	entries []legendEntry
	cols    int
	boxed   bool // draw a white, outlined box behind the entries
}

const (
	legendThumbWidth = 22
	legendGap        = 5  // between thumbnail and text
	legendColGap     = 16 // between columns
	legendPad        = 5  // inside the box
)

func legendTextStyle() text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(textFont, legendSize),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: gplot.DefaultTextHandler,
	}
}

func (l *legend) rows() int { return (len(l.entries) + l.cols - 1) / l.cols }

func (l *legend) rowHeight() vg.Length { return vg.Points(legendSize * 1.45) }

func (l *legend) colWidth() vg.Length {
	sty := legendTextStyle()
	var w vg.Length
	for _, e := range l.entries {
		w = max(w, sty.Width(e.text))
	}
	return vg.Points(legendThumbWidth+legendGap) + w
}

// size is the extent of the legend.
func (l *legend) size() (w, h vg.Length) {
	if len(l.entries) == 0 {
		return 0, 0
	}
	w = vg.Length(l.cols)*l.colWidth() + vg.Length(l.cols-1)*vg.Points(legendColGap)
	h = vg.Length(l.rows()) * l.rowHeight()
	if l.boxed {
		w += 2 * vg.Points(legendPad)
		h += 2 * vg.Points(legendPad)
	}
	return w, h
}

// fitColumns sets the number of columns to the most that fit in width, then evens out the rows, so eight models
// in a strip with room for five columns become two rows of four.
func (l *legend) fitColumns(width vg.Length) {
	n := len(l.entries)
	if n == 0 {
		l.cols = 1
		return
	}
	per := l.colWidth() + vg.Points(legendColGap)
	cols := int((width + vg.Points(legendColGap)) / per)
	cols = max(1, min(cols, n))
	rows := (n + cols - 1) / cols
	l.cols = (n + rows - 1) / rows
}

// draw draws the legend with its top-left corner at topLeft.
func (l *legend) draw(c draw.Canvas, topLeft vg.Point) {
	w, h := l.size()
	x0, y0 := topLeft.X, topLeft.Y
	if l.boxed {
		box := vg.Rectangle{Min: vg.Point{X: x0, Y: y0 - h}, Max: vg.Point{X: x0 + w, Y: y0}}
		c.SetColor(color.NRGBA{0xff, 0xff, 0xff, 0xe0})
		c.Fill(box.Path())
		c.SetLineStyle(draw.LineStyle{Color: color.NRGBA{0xb0, 0xb0, 0xb0, 0xff}, Width: vg.Points(0.5)})
		c.Stroke(box.Path())
		x0 += vg.Points(legendPad)
		y0 -= vg.Points(legendPad)
	}
	sty := legendTextStyle()
	rh, cw := l.rowHeight(), l.colWidth()
	for i, e := range l.entries {
		row, col := i/l.cols, i%l.cols
		x := x0 + vg.Length(col)*(cw+vg.Points(legendColGap))
		yc := y0 - (vg.Length(row)+0.5)*rh
		thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: yc - rh*0.35},
			Max: vg.Point{X: x + vg.Points(legendThumbWidth), Y: yc + rh*0.35},
		}}
		e.thumb(&thumb)
		c.FillText(sty, vg.Point{X: x + vg.Points(legendThumbWidth+legendGap), Y: yc}, e.text)
	}
}

// seriesThumb draws a line with a marker in its middle.
func seriesThumb(st seriesStyle) func(c *draw.Canvas) {
	return func(c *draw.Canvas) {
		y := c.Center().Y
		if st.band != nil {
			c.FillPolygon(st.band, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
		}
		c.StrokeLine2(st.line, c.Min.X, y, c.Max.X, y)
		c.DrawGlyphNoClip(st.glyph, c.Center())
	}
}
