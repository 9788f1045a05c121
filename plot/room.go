package plot

import (
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Room in the scaling panel: the gap kept between the legend and the data, and the most the y axis may grow, as a
// factor on its length in log space, to make room.
const (
	roomMargin  = 3 // points
	roomMaxGrow = 2.0
)

// makeRoom widens the log y axis of the scaling panel p, about to be drawn into c, where the overlay o would
// otherwise have to cover data, and reports whether it changed the axis. It makes two kinds of room:
//
//   - above the highest labelled point, room for its label, so that the labels of points crowding the top of the
//     panel (a reference's largest models, say) need not pile onto each other;
//   - for the legend, when no corner of the data area is free of data (see legendNeed). The top corners move the top
//     of the axis, the bottom corners its bottom, and the corner that needs the least wins.
//
// The axis grows at most to roomMaxGrow times its length; past that the overlay makes do with the room there is.
func (o *overlay) makeRoom(p *gplot.Plot, c draw.Canvas) bool {
	var top *labelled
	for i, pt := range o.points {
		if pt.text != "" && (top == nil || pt.y > top.y) {
			top = &o.points[i]
		}
	}
	maxLen := roomMaxGrow * math.Log(p.Y.Max/p.Y.Min)
	changed := false
	grow := func(length float64, atTop bool) bool {
		if length > maxLen {
			return false
		}
		lo, hi := p.Y.Min, p.Y.Max
		if atTop {
			p.Y.Min, p.Y.Max = extendToLabels(lo, lo*math.Exp(length))
		} else {
			p.Y.Min, p.Y.Max = extendToLabels(hi/math.Exp(length), hi)
		}
		changed = true
		return true
	}
	// Each pass makes one kind of room and then looks again: widening the axis moves the data, and can change the
	// width of the tick labels and so the data area.
	for pass := 0; pass < 6; pass++ {
		dc := p.DataCanvas(c)
		H := dc.Max.Y - dc.Min.Y
		L := math.Log(p.Y.Max / p.Y.Min)
		if top != nil {
			above := top.radius + vg.Points(2) + pointLabelStyle().Height(top.text) + vg.Points(1)
			if free := H - above; free > 0 {
				if need := float64(H) * math.Log(top.y/p.Y.Min) / float64(free); need > L*(1+1e-9) {
					if !grow(need, true) {
						return changed
					}
					continue
				}
			}
		}
		need, atTop := o.legendNeed(p, c)
		if need <= L*(1+1e-9) || !grow(need, atTop) {
			return changed
		}
	}
	return changed
}

// legendNeed returns the length in log space the y axis of the scaling panel p, drawn into c, needs for the legend
// to fit into a corner of the data area without covering a marker, a bar's end or a sample of a fitted line, and
// whether that corner is at the top. It returns the axis' own length when some corner is free already, and +Inf
// when there is no legend or no corner can hold it.
//
// A datum at log distance d from the far end of the axis, with canvas half-size r, clears a legend of height h in
// a data area of height H when H·d/L′ ≤ H − h − inset − margin − r; the need of a corner is the largest such L′
// over the data under it.
func (o *overlay) legendNeed(p *gplot.Plot, c draw.Canvas) (length float64, atTop bool) {
	w, h := o.legend.size()
	inset, margin := vg.Points(4), vg.Points(roomMargin)
	dc := p.DataCanvas(c)
	H := dc.Max.Y - dc.Min.Y
	if len(o.legend.entries) == 0 || w+2*inset > dc.Max.X-dc.Min.X || h+2*inset > H*2/3 {
		return math.Inf(1), false
	}
	type datum struct {
		x, y float64
		r    vg.Length
	}
	var data []datum
	for _, pt := range o.points {
		data = append(data, datum{pt.x, pt.y, pt.radius + vg.Points(1)})
	}
	for _, ob := range o.obstacle {
		data = append(data, datum{ob[0], ob[1], vg.Points(2)})
	}
	trX, _ := p.Transforms(&dc)
	lo, hi := p.Y.Min, p.Y.Max
	length = math.Inf(1)
	for corner := 0; corner < 4; corner++ { // top left, top right, bottom left, bottom right
		left, top := corner%2 == 0, corner < 2
		x0 := dc.Min.X + inset
		if !left {
			x0 = dc.Max.X - inset - w
		}
		need := math.Log(hi / lo)
		for _, d := range data {
			if cx := trX(d.x); cx+d.r < x0 || cx-d.r > x0+w {
				continue
			}
			dist := math.Log(d.y / lo) // from the bottom, for a top corner
			if !top {
				dist = math.Log(hi / d.y)
			}
			free := H - h - inset - margin - d.r
			if free <= 0 {
				need = math.Inf(1)
				break
			}
			need = math.Max(need, float64(H)*dist/float64(free))
		}
		if need < length {
			length, atTop = need, top
		}
	}
	return length, atTop
}

// legendFree reports whether the legend of the scaling panel p, drawn into c, has a corner free of data.
func (o *overlay) legendFree(p *gplot.Plot, c draw.Canvas) bool {
	need, _ := o.legendNeed(p, c)
	return need <= math.Log(p.Y.Max/p.Y.Min)*(1+1e-9)
}
