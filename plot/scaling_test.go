package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// synthReference is a law falling as x^-0.39 from 8 at 100M to 1 at 20B, sampled across the range of synthScaling:
// it crosses the rising law of synthScaling, so that between them they leave no corner of the panel empty.
func synthReference(label string, k float64) ScalingSeries {
	b := math.Log(1.0/8) / math.Log(200)
	law := func(x float64) float64 { return k * 8 * math.Pow(x/1e8, b) }
	r := ScalingSeries{Label: label, Points: []Point{
		{Label: "ref-100m", X: 1e8, Y: law(1e8)},
		{Label: "ref-20b", X: 2e10, Y: law(2e10)},
	}}
	for i := 0; i <= 20; i++ {
		x := pythia[0].params * math.Pow(40e9/pythia[0].params, float64(i)/20)
		r.LineX, r.LineY = append(r.LineX, x), append(r.LineY, law(x))
	}
	return r
}

// colourCount counts the opaque pixels of img that have exactly the colour c.
func colourCount(img image.Image, c color.NRGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0xffff && r>>8 == uint32(c.R) && g>>8 == uint32(c.G) && bl>>8 == uint32(c.B) {
				n++
			}
		}
	}
	return n
}

// TestScalingReferencesPNG draws reference laws beside the panel's own and finds each in its own colour.
func TestScalingReferencesPNG(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refs   int
		panels []Panel
	}{
		{"no reference", 0, nil},
		{"one reference", 1, nil},
		{"one reference, scaling panel", 1, []Panel{PanelScaling}},
		{"two references, scaling panel", 2, []Panel{PanelScaling}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := synthFigure(4, false)
			f.Panels = tc.panels
			for i := 0; i < tc.refs; i++ {
				f.Scaling.References = append(f.Scaling.References, synthReference("published law", 1+float64(i)))
			}
			var buf bytes.Buffer
			if err := f.Render(&buf, PNG); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("decode png: %v", err)
			}
			// The dashed lines and open markers are 1.5 pt wide, three pixels at 150 dpi: their middle pixel is solid.
			// Line and markers give some 1000 such pixels, the legend's sample alone about 60.
			for i, c := range referenceColors {
				n := colourCount(img, c)
				if used := i < tc.refs; used && n < 300 || !used && n > 0 {
					t.Errorf("reference colour %d: %d solid pixels with %d references", i, n, tc.refs)
				}
			}
		})
	}
}

// svgTexts renders f as SVG and returns the height above the page's bottom of each text it writes, by text.
func svgTexts(t *testing.T, f *Figure) map[string]float64 {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Render(&buf, SVG); err != nil {
		t.Fatal(err)
	}
	// vgsvg writes <text x="…" y="-Y" transform="scale(1, -1)" …>text</text>, Y measured up from the bottom.
	out := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?s)<text x="[^"]*" y="([^"]*)"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(buf.String(), -1) {
		y, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatalf("text %q at y %q: %v", m[2], m[1], err)
		}
		out[m[2]] = -y
	}
	return out
}

// TestScalingLegendPlacement: the scaling panel's legend stays in a free corner of the panel when there is one, and
// moves under the panels of a full figure when the panel's own law and a crossing reference leave none.
func TestScalingLegendPlacement(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ref    bool
		panels []Panel
		inside bool
	}{
		{"alone, free corner", false, nil, true},
		{"crossing reference, four panels", true, nil, false},
		{"crossing reference, scaling panel", true, []Panel{PanelScaling}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := synthFigure(4, false)
			f.Panels = tc.panels
			if tc.ref {
				f.Scaling.References = []ScalingSeries{synthReference("published law", 1)}
			}
			texts := svgTexts(t, f)
			legendY, ok := texts["measured"]
			axisY, ok2 := texts["parameters"]
			if !ok || !ok2 {
				t.Fatalf("no legend text \"measured\" or axis label \"parameters\" in the SVG: %v", texts)
			}
			if inside := legendY > axisY; inside != tc.inside {
				t.Errorf("legend at y = %.1f pt, x axis label at %.1f pt: inside the panel = %v, want %v", legendY, axisY, inside, tc.inside)
			}
		})
	}
}

// TestMakeRoom: with a crossing reference no corner of a lone scaling panel is free; makeRoom grows the y axis until
// one is, and leaves room above the highest labelled point for its label.
func TestMakeRoom(t *testing.T) {
	sp := synthScaling(4, true)
	sp.References = []ScalingSeries{synthReference("published law", 1)}
	p, ov, err := sp.build("scaling")
	if err != nil {
		t.Fatal(err)
	}
	c := draw.New(vgimg.New(oneWidth, oneHeight))
	if ov.legendFree(p, c) {
		t.Fatal("the test data leave a corner free; they should not")
	}
	lo, hi := p.Y.Min, p.Y.Max
	if !ov.makeRoom(p, c) {
		t.Fatal("makeRoom changed nothing")
	}
	if !ov.legendFree(p, c) {
		t.Errorf("after makeRoom (y axis %g–%g, was %g–%g) the legend still has no free corner", p.Y.Min, p.Y.Max, lo, hi)
	}
	if p.Y.Min > lo || p.Y.Max < hi || math.Log(p.Y.Max/p.Y.Min) > roomMaxGrow*math.Log(hi/lo)*1.5 {
		t.Errorf("y axis %g–%g from %g–%g: want a widening by at most about %g× in log length", p.Y.Min, p.Y.Max, lo, hi, roomMaxGrow)
	}
	// The highest labelled point (the 40B prediction) has room for a label above it.
	dc := p.DataCanvas(c)
	_, trY := p.Transforms(&dc)
	top := sp.Predictions[0]
	above := dc.Max.Y - trY(top.Y)
	if need := vg.Points(3.5*1.3+2) + pointLabelStyle().Height(top.Label); above < need {
		t.Errorf("%.1f pt above the highest point, want at least %.1f for its label", above.Points(), need.Points())
	}
}

// TestScalingReferenceRanges: the axes cover the references' points and lines, and a reference alone is drawable.
func TestScalingReferenceRanges(t *testing.T) {
	sp := synthScaling(3, false)
	ref := ScalingSeries{Label: "far", Points: []Point{{Label: "tiny", X: 1e5, Y: 0.01}, {Label: "huge", X: 1e13, Y: 300}},
		LineX: []float64{1e5, 1e13}, LineY: []float64{0.01, 300}}
	sp.References = []ScalingSeries{ref}
	p, _, err := sp.build("scaling")
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min > 1e5 || p.X.Max < 1e13 || p.Y.Min > 0.01 || p.Y.Max < 300 {
		t.Errorf("axes x %g–%g, y %g–%g do not cover the reference's 1e5–1e13, 0.01–300", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	alone := &ScalingPanel{References: []ScalingSeries{ref}}
	f := &Figure{Scaling: alone, Panels: []Panel{PanelScaling}}
	if texts := svgTexts(t, f); texts["far"] == 0 || texts["huge"] == 0 {
		t.Errorf("a panel with only a reference lacks its legend or labels: %v", texts)
	}
}

func TestScalingReferenceErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(r *ScalingSeries)
		want string
	}{
		{"zero y", func(r *ScalingSeries) { r.Points[1].Y = 0 }, `reference "published law": point "ref-20b" is at`},
		{"ragged line", func(r *ScalingSeries) { r.LineY = r.LineY[2:] }, `reference "published law": fitted line has 21 x and 19 y`},
		{"one-point line", func(r *ScalingSeries) { r.LineX, r.LineY = r.LineX[:1], r.LineY[:1] }, "at least 2 points"},
		{"short band", func(r *ScalingSeries) { r.BandLo, r.BandHi = r.LineY[:3], r.LineY }, "band 3 lower"},
		{"NaN line", func(r *ScalingSeries) { r.LineY[4] = math.NaN() }, "fitted line point 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := synthFigure(2, false)
			r := synthReference("published law", 1)
			tc.edit(&r)
			f.Scaling.References = []ScalingSeries{r}
			err := f.Render(&bytes.Buffer{}, SVG)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
