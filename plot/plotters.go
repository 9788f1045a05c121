package plot

import (
	"image/color"
	"math"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// refLine is a horizontal line across the whole data area at y = Y, such as the dashed y = 1 that separates
// contraction from expansion. It reports no data range: it does not stretch the axis by itself.
type refLine struct {
	Y     float64
	Style draw.LineStyle
}

// Plot implements gonum's plot.Plotter.
func (r refLine) Plot(c draw.Canvas, p *gplot.Plot) {
	if r.Y < p.Y.Min || r.Y > p.Y.Max {
		return
	}
	_, trY := p.Transforms(&c)
	y := trY(r.Y)
	c.StrokeLine2(r.Style, c.Min.X, y, c.Max.X, y)
}

// intervalBars draws a vertical bar with end caps from Lo[i] to Hi[i] at X[i].
type intervalBars struct {
	X, Lo, Hi []float64
	Style     draw.LineStyle
	Cap       vg.Length
}

// Plot implements gonum's plot.Plotter.
func (b intervalBars) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range b.X {
		x, lo, hi := trX(b.X[i]), trY(b.Lo[i]), trY(b.Hi[i])
		c.StrokeLines(b.Style, c.ClipLinesY([]vg.Point{{X: x, Y: lo}, {X: x, Y: hi}})...)
		for _, y := range []vg.Length{lo, hi} {
			if c.ContainsY(y) {
				c.StrokeLine2(b.Style, x-b.Cap/2, y, x+b.Cap/2, y)
			}
		}
	}
}

// DataRange implements gonum's plot.DataRanger.
func (b intervalBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range b.X {
		xmin, xmax = math.Min(xmin, b.X[i]), math.Max(xmax, b.X[i])
		ymin, ymax = math.Min(ymin, b.Lo[i]), math.Max(ymax, b.Hi[i])
	}
	return
}

// labelled is a point of the scaling panel that gets a text label.
type labelled struct {
	x, y   float64
	text   string
	radius vg.Length   // of its marker
	color  color.Color // of its label; nil for the default
}

// overlay draws, last and in the data area of the scaling panel, the things that must not hide data or each
// other: an optional note, the legend (if it has entries) in the corner that covers the fewest data, and a label
// beside every point, each put where it overlaps the least of the markers, bars, lines, legend and the labels placed
// before it. Figure.Render may first take the legend away, or widen the y axis to make room (makeRoom).
type overlay struct {
	legend   legend
	note     string
	points   []labelled
	obstacle [][2]float64 // data coordinates of line samples and bar ends that labels should avoid
}

func pointLabelStyle() text.Style {
	return text.Style{Color: color.NRGBA{0x20, 0x20, 0x20, 0xff}, Font: font.From(textFont, pointLabelSize),
		XAlign: draw.XLeft, YAlign: draw.YBottom, Handler: gplot.DefaultTextHandler}
}

func noteStyle() text.Style {
	return text.Style{Color: noteColor, Font: font.From(textFont, axisLabelSize),
		XAlign: draw.XCenter, YAlign: draw.YBottom, Handler: gplot.DefaultTextHandler}
}

// Plot implements gonum's plot.Plotter.
func (o *overlay) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	inset := vg.Points(4)

	// What is already drawn, in canvas coordinates. Covering a marker, the legend or another label is bad; running
	// over the fitted line or an error bar matters less, so those weigh less.
	var taken []obstacle
	for _, pt := range o.points {
		ctr := vg.Point{X: trX(pt.x), Y: trY(pt.y)}
		taken = append(taken, obstacle{square(ctr, pt.radius+vg.Points(1)), 1})
	}
	for _, ob := range o.obstacle {
		taken = append(taken, obstacle{square(vg.Point{X: trX(ob[0]), Y: trY(ob[1])}, vg.Points(2)), 0.7})
	}
	data := append([]obstacle(nil), taken...)

	// The note goes at the bottom centre if that is free, else at the top or the middle.
	if o.note != "" {
		sty := noteStyle()
		note := wrapText(sty, o.note, c.Max.X-c.Min.X-2*inset)
		w, h := sty.Width(note), sty.Height(note)
		cx := c.Center().X
		best, bestCost := vg.Rectangle{}, math.Inf(1)
		for _, y := range []vg.Length{c.Min.Y + inset, c.Max.Y - inset - h, c.Center().Y - h/2} {
			r := vg.Rectangle{Min: vg.Point{X: cx - w/2, Y: y}, Max: vg.Point{X: cx + w/2, Y: y + h}}
			if cost := overlapCost(r, data); cost < bestCost {
				best, bestCost = r, cost
			}
		}
		c.FillText(sty, vg.Point{X: cx, Y: best.Min.Y}, note)
		taken = append(taken, obstacle{best, 1})
	}
	// The legend goes in the corner where it covers the least.
	if len(o.legend.entries) > 0 {
		w, h := o.legend.size()
		corners := []vg.Point{
			{X: c.Min.X + inset, Y: c.Max.Y - inset},         // top left
			{X: c.Max.X - inset - w, Y: c.Max.Y - inset},     // top right
			{X: c.Min.X + inset, Y: c.Min.Y + inset + h},     // bottom left
			{X: c.Max.X - inset - w, Y: c.Min.Y + inset + h}, // bottom right
		}
		best, bestCost := corners[0], math.Inf(1)
		for _, tl := range corners {
			r := vg.Rectangle{Min: vg.Point{X: tl.X, Y: tl.Y - h}, Max: vg.Point{X: tl.X + w, Y: tl.Y}}
			if cost := overlapCost(r, taken); cost < bestCost {
				best, bestCost = tl, cost
			}
		}
		o.legend.draw(c, best)
		taken = append(taken, obstacle{vg.Rectangle{Min: vg.Point{X: best.X, Y: best.Y - h}, Max: vg.Point{X: best.X + w, Y: best.Y}}, 1})
	}

	// Each label goes beside its point where it covers the least, preferring the nearer places.
	sty := pointLabelStyle()
	centres := make([]vg.Point, len(o.points))
	for i, pt := range o.points {
		centres[i] = vg.Point{X: trX(pt.x), Y: trY(pt.y)}
	}
	for i, pt := range o.points {
		if pt.text == "" {
			continue
		}
		ctr := centres[i]
		sty := sty
		if pt.color != nil {
			sty.Color = pt.color
		}
		w, h := sty.Width(pt.text), sty.Height(pt.text)
		d := pt.radius + vg.Points(2)
		near := []vg.Point{ // lower-left corners of the label box
			{X: ctr.X + d, Y: ctr.Y + d/2},         // right, above
			{X: ctr.X + d, Y: ctr.Y - d/2 - h},     // right, below
			{X: ctr.X - d - w, Y: ctr.Y + d/2},     // left, above
			{X: ctr.X - d - w, Y: ctr.Y - d/2 - h}, // left, below
			{X: ctr.X - w/2, Y: ctr.Y + d},         // above
			{X: ctr.X - w/2, Y: ctr.Y - d - h},     // below
			{X: ctr.X + d, Y: ctr.Y - h/2},         // right
			{X: ctr.X - d - w, Y: ctr.Y - h/2},     // left
		}
		// Near an edge of the data area, above and below also slide along it, as far as the label still spans the
		// marker, so that a point in a corner can have its label over or under it.
		if sx := max(c.Min.X, min(ctr.X-w/2, c.Max.X-w)); sx != ctr.X-w/2 && sx <= ctr.X && sx+w >= ctr.X {
			near = append(near, vg.Point{X: sx, Y: ctr.Y + d}, vg.Point{X: sx, Y: ctr.Y - d - h})
		}
		var best vg.Rectangle
		bestCost, bestFar := math.Inf(1), false
		for far := 0; far < 2; far++ {
			for _, ll := range near {
				if far == 1 { // the same, twice as far out, for crowded spots
					ll = vg.Point{X: ctr.X + 2*(ll.X+w/2-ctr.X) - w/2, Y: ctr.Y + 2*(ll.Y+h/2-ctr.Y) - h/2}
				}
				r := vg.Rectangle{Min: ll, Max: vg.Point{X: ll.X + w, Y: ll.Y + h}}
				cost := overlapCost(r, taken) + 40*float64(far) + 0.2*ambiguity(r, i, centres)
				if r.Min.X < c.Min.X || r.Max.X > c.Max.X || r.Min.Y < c.Min.Y || r.Max.Y > c.Max.Y {
					cost += 1e6 // outside the data area: over the axes or the next panel
				}
				if cost < bestCost {
					best, bestCost, bestFar = r, cost, far == 1
				}
			}
		}
		if bestFar { // a thin leader line from the marker to a label set apart
			to := vg.Point{X: max(best.Min.X, min(ctr.X, best.Max.X)), Y: max(best.Min.Y, min(ctr.Y, best.Max.Y))}
			dir := to.Sub(ctr)
			if n := vg.Length(math.Hypot(float64(dir.X), float64(dir.Y))); n > pt.radius+vg.Points(2) {
				from := ctr.Add(dir.Scale((pt.radius + vg.Points(1)) / n))
				c.StrokeLine2(draw.LineStyle{Color: noteColor, Width: vg.Points(0.5)}, from.X, from.Y, to.X, to.Y)
			}
		}
		c.FillText(sty, best.Min, pt.text)
		taken = append(taken, obstacle{best, 1})
	}
}

// ambiguity is how much nearer, in points, the centre of the label box r of point i is to the centre of another
// point than to its own, or 0. A reader pairs a label with the marker nearest to it, so between places that cover
// nothing the label goes where it is least likely to name the wrong point; it weighs too little to outweigh covering
// anything.
func ambiguity(r vg.Rectangle, i int, centres []vg.Point) float64 {
	m := vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: (r.Min.Y + r.Max.Y) / 2}
	dist := func(p vg.Point) float64 { return math.Hypot(float64(p.X-m.X), float64(p.Y-m.Y)) }
	own, worst := dist(centres[i]), 0.0
	for j, c := range centres {
		if j != i {
			worst = max(worst, own-dist(c))
		}
	}
	return worst
}

// obstacle is an area already drawn on, with the weight of covering it.
type obstacle struct {
	r      vg.Rectangle
	weight float64
}

// overlapCost is the weighted area r shares with the obstacles, plus a constant per obstacle touched, so a slight
// overlap with one thing beats a slight overlap with several.
func overlapCost(r vg.Rectangle, taken []obstacle) float64 {
	var cost float64
	for _, t := range taken {
		w := min(r.Max.X, t.r.Max.X) - max(r.Min.X, t.r.Min.X)
		h := min(r.Max.Y, t.r.Max.Y) - max(r.Min.Y, t.r.Min.Y)
		if w > 0 && h > 0 {
			cost += t.weight * (float64(w*h) + 10)
		}
	}
	return cost
}

func square(c vg.Point, r vg.Length) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: c.X - r, Y: c.Y - r}, Max: vg.Point{X: c.X + r, Y: c.Y + r}}
}

// wrapText breaks s into lines no wider than width in style sty, at spaces; a word wider than width keeps a line of
// its own.
func wrapText(sty text.Style, s string, width vg.Length) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case sty.Width(line+" "+word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return strings.Join(append(lines, line), "\n")
}
