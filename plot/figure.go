package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/scalefit/scalefit/schema"
)

// Format is an output format of a figure.
type Format int

const (
	PNG Format = iota // raster, at Figure.DPI
	SVG               // vector, for the web
	PDF               // vector, for papers
)

func (f Format) String() string {
	switch f {
	case PNG:
		return "png"
	case SVG:
		return "svg"
	case PDF:
		return "pdf"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatOf returns the format that path's extension names: .png, .svg or .pdf.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	case ".pdf":
		return PDF, nil
	}
	return 0, fmt.Errorf("%s: unknown figure extension %q (want .png, .svg or .pdf)", path, filepath.Ext(path))
}

// Default sizes: the four-panel figure fills a page at 10×8 in; one panel is 7×5 in. At these sizes every text is
// at least 9 pt.
const (
	DefaultDPI = 150
	gridWidth  = 10 * vg.Inch
	gridHeight = 8 * vg.Inch
	oneWidth   = 7 * vg.Inch
	oneHeight  = 5 * vg.Inch
)

// minStripPanelHeight is the least height of the scaling panel's data area for its legend to move under the panels
// (see Figure.Render).
const minStripPanelHeight = 1.5 * vg.Inch

// Figure is scalefit's figure: up to four panels in a grid, (a) attention, (b) MLP and (c) combined gain per layer,
// one series per model, and (d) the scaling law. The models of (a)–(c) share one legend strip under the panels; a
// model keeps its colour and marker in every panel. The legend of (d) sits in the corner of its data area that holds
// no data; when none does (two crossing laws, say), it gets a strip of its own under the panels, or, for a scaling
// panel alone, its y axis grows until a corner is free.
type Figure struct {
	Title string // above the panels; empty for none

	Attn, MLP, Combined []Series
	Scaling             *ScalingPanel
	Steps               *StepPanel // a metric against training step (PanelSteps), drawn when named or alone

	// Depth says that the X of the layer series are normalised depths ℓ/(L−1) rather than layer indices, which puts
	// models of different depth on a common axis.
	Depth bool

	// Panels lists the panels to draw, in order. Nil draws every panel that has data.
	Panels []Panel

	// Width and Height are the page size; zero picks 10×8 in for several panels and 7×5 in for one, and one of them
	// zero keeps that aspect ratio. DPI is the PNG resolution, DefaultDPI when zero.
	Width, Height vg.Length
	DPI           int
}

func (f *Figure) series(p Panel) []Series {
	switch p {
	case PanelAttn:
		return f.Attn
	case PanelMLP:
		return f.MLP
	case PanelCombined:
		return f.Combined
	case PanelSteps:
		if f.Steps != nil {
			return f.Steps.Series
		}
	}
	return nil
}

// panels returns the panels to draw, checking that each has data.
func (f *Figure) panels() ([]Panel, error) {
	if f.Panels == nil {
		var out []Panel
		for _, p := range AllPanels {
			if (p == PanelScaling && f.Scaling != nil) || (p != PanelScaling && len(f.series(p)) > 0) {
				out = append(out, p)
			}
		}
		if len(out) == 0 && f.Steps != nil {
			out = append(out, PanelSteps)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("figure has no data to draw")
		}
		return out, nil
	}
	if len(f.Panels) == 0 {
		return nil, fmt.Errorf("figure has no panels to draw")
	}
	for _, p := range f.Panels {
		switch {
		case p < PanelAttn || p > PanelSteps:
			return nil, fmt.Errorf("figure: unknown panel %d", int(p))
		case p == PanelScaling && f.Scaling == nil:
			return nil, fmt.Errorf("figure: panel scaling has no data")
		case p != PanelScaling && len(f.series(p)) == 0:
			return nil, fmt.Errorf("figure: panel %s has no series", p)
		}
	}
	return f.Panels, nil
}

// Save writes the figure to path in the format its extension names (.png, .svg or .pdf). The file is written
// atomically: on any error an existing file at path is left as it was.
func (f *Figure) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	// Render into memory first, so a figure that fails to draw never creates a file.
	var buf bytes.Buffer
	if err := f.Render(&buf, format); err != nil {
		return err
	}
	return schema.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

// Render draws the figure and writes it to w in format.
func (f *Figure) Render(w io.Writer, format Format) error {
	panels, err := f.panels()
	if err != nil {
		return err
	}
	dw, dh := gridWidth, gridHeight
	if len(panels) == 1 {
		dw, dh = oneWidth, oneHeight
	}
	width, height := f.Width, f.Height
	switch {
	case width == 0 && height == 0:
		width, height = dw, dh
	case height == 0: // keep the default aspect ratio
		height = width * dh / dw
	case width == 0:
		width = height * dw / dh
	}
	if !(width >= vg.Inch && height >= vg.Inch && width <= 200*vg.Inch && height <= 200*vg.Inch) {
		return fmt.Errorf("figure size %.1f×%.1f in: want between 1 and 200 in on each side", width/vg.Inch, height/vg.Inch)
	}
	dpi := f.DPI
	if dpi == 0 {
		dpi = DefaultDPI
	}
	if format == PNG && (dpi < 10 || float64(width/vg.Inch)*float64(height/vg.Inch)*float64(dpi*dpi) > 1e8) {
		return fmt.Errorf("figure of %.1f×%.1f in at %d dpi: want 10 dpi or more and at most 10⁸ pixels", width/vg.Inch, height/vg.Inch, dpi)
	}

	// Build every panel before drawing anything, so invalid data is an error, not a half-drawn figure.
	style := f.styleIndex(panels)
	plots := make([]*gplot.Plot, len(panels))
	var scaling *overlay // the scaling panel's overlay, whose legend may need room
	scalingAt := 0
	for i, p := range panels {
		title := p.title()
		if p == PanelScaling && f.Scaling.Title != "" {
			title = f.Scaling.Title
		}
		if p == PanelSteps && f.Steps.Title != "" {
			title = f.Steps.Title
		}
		if len(panels) > 1 {
			title = fmt.Sprintf("(%c) %s", 'a'+rune(i), title)
		}
		switch {
		case p == PanelScaling:
			plots[i], scaling, err = f.Scaling.build(title)
			scalingAt = i
		case p == PanelSteps:
			plots[i], err = f.Steps.build(title, style)
		default:
			plots[i], err = layerPanel(title, f.series(p), style, f.Depth)
		}
		if err != nil {
			return err
		}
	}

	var canvas vg.CanvasWriterTo
	switch format {
	case PNG:
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))}
	case SVG:
		canvas = vgsvg.New(width, height)
	case PDF:
		canvas = newPDFCanvas(width, height)
	default:
		return fmt.Errorf("unknown figure format %d", int(format))
	}
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	dc = draw.Crop(dc, vg.Points(8), -vg.Points(10), vg.Points(6), -vg.Points(8))

	if f.Title != "" {
		sty := text.Style{Color: color.Black, Font: font.From(textFont, figureTitleSize), XAlign: draw.XCenter,
			YAlign: draw.YTop, Handler: gplot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, f.Title)
		dc.Max.Y -= sty.Height(f.Title) + vg.Points(8)
	}
	// The legend strips under the panels: one for the models of the layer panels and, in a figure of several
	// panels, one for the scaling panel when its legend finds no corner free of data.
	var strips []legend
	if entries := f.legendEntries(panels, style); len(entries) > 0 {
		strips = append(strips, legend{entries: entries})
	}
	// area is what the strips leave of dc for the panels.
	area := func() draw.Canvas {
		a := dc
		for i := range strips {
			strips[i].fitColumns(dc.Max.X - dc.Min.X)
			_, h := strips[i].size()
			a.Min.Y += h + vg.Points(10)
		}
		return a
	}
	if len(strips) > 0 {
		strips[0].fitColumns(dc.Max.X - dc.Min.X)
		if _, h := strips[0].size(); h > (dc.Max.Y-dc.Min.Y)/2 {
			return fmt.Errorf("the legend of %d models needs %.1f in of the %.1f in page height: make the figure taller", len(strips[0].entries), h/vg.Inch, height/vg.Inch)
		}
	}

	rows, cols := 1, len(panels)
	if len(panels) > 2 {
		rows, cols = (len(panels)+1)/2, 2
	}
	grid := make([][]*gplot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*gplot.Plot, cols)
	}
	for i, p := range plots {
		grid[i/cols][i%cols] = p
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(18), PadY: vg.Points(14)}
	canvases := gplot.Align(grid, tiles, area())
	if scaling != nil {
		sp := plots[scalingAt]
		at := func() draw.Canvas { return canvases[scalingAt/cols][scalingAt%cols] }
		if len(panels) > 1 && len(scaling.legend.entries) > 0 && !scaling.legendFree(sp, at()) {
			// Moved, the legend hides nothing, but it takes height from every panel: only if enough is left.
			strips = append(strips, legend{entries: scaling.legend.entries})
			moved := gplot.Align(grid, tiles, area())
			if data := sp.DataCanvas(moved[scalingAt/cols][scalingAt%cols]); data.Max.Y-data.Min.Y >= minStripPanelHeight {
				scaling.legend.entries = nil
				canvases = moved
			} else {
				strips = strips[:len(strips)-1]
			}
		}
		if scaling.makeRoom(sp, at()) {
			canvases = gplot.Align(grid, tiles, area())
		}
	}

	y := area().Min.Y - vg.Points(10)
	for _, lg := range strips {
		w, _ := lg.size()
		lg.draw(dc, vg.Point{X: dc.Center().X - w/2, Y: y})
		_, h := lg.size()
		y -= h + vg.Points(10)
	}
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}

	if _, err := canvas.WriteTo(w); err != nil {
		return fmt.Errorf("write %s: %w", format, err)
	}
	return nil
}

// styleIndex numbers the series labels of the layer panels in order of first appearance.
func (f *Figure) styleIndex(panels []Panel) map[string]int {
	idx := map[string]int{}
	for _, p := range panels {
		for _, s := range f.series(p) {
			if _, ok := idx[s.Label]; !ok {
				idx[s.Label] = len(idx)
			}
		}
	}
	return idx
}

// legendEntries is the shared legend of the layer panels: one entry per model, with a band sample when any of its
// series has a band.
func (f *Figure) legendEntries(panels []Panel, style map[string]int) []legendEntry {
	labels := make([]string, len(style))
	band := make([]bool, len(style))
	for _, p := range panels {
		for _, s := range f.series(p) {
			labels[style[s.Label]] = s.Label
			band[style[s.Label]] = band[style[s.Label]] || s.HasBand()
		}
	}
	var out []legendEntry
	for i, l := range labels {
		st := styleOf(i)
		if !band[i] {
			st.band = nil
		}
		out = append(out, legendEntry{text: l, thumb: seriesThumb(st)})
	}
	return out
}
