package plot

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// pdfCanvas is a vg.Canvas that draws to a PDF through fpdf, with every font embedded as a UTF-8 TrueType font that
// fpdf subsets to the glyphs the figure uses.
//
// gonum/plot's own vgpdf canvas embeds whole fonts in code page 1252 but hands fpdf UTF-8 strings, so every character
// outside ASCII (the ² of R², the × of "attention × MLP", ≥, –) comes out as two wrong glyphs, and pdftotext reads
// mojibake. This canvas is vgpdf's geometry with that one thing done right: text goes to fpdf as UTF-8, in fonts
// registered with AddUTF8FontFromBytes, so that the PDF's text is the figure's text and the file carries only the
// glyphs it shows.
type pdfCanvas struct {
	doc       *fpdf.Fpdf
	w, h      vg.Length
	stack     []pdfContext
	fonts     map[font.Font]string // registered font → its family name in the document
	numImages int
}

type pdfContext struct {
	width vg.Length
}

// pdfDPI is the nominal resolution of drawing in PDF: one unit is one point.
const pdfDPI = 72

// newPDFCanvas returns a PDF canvas of one page of w × h. Its bytes depend only on what is drawn: the creation date is
// fixed, so the same figure always gives the same file.
func newPDFCanvas(w, h vg.Length) *pdfCanvas {
	doc := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w.Points(), Ht: h.Points()}})
	doc.SetCreationDate(time.Unix(0, 0).UTC())
	doc.SetModificationDate(time.Unix(0, 0).UTC())
	doc.SetCatalogSort(true)
	doc.SetProducer("scalefit", true)
	doc.SetMargins(0, 0, 0)
	doc.SetAutoPageBreak(false, 0)
	c := &pdfCanvas{doc: doc, w: w, h: h, stack: make([]pdfContext, 1), fonts: map[font.Font]string{}}
	doc.AddPage()
	c.Push()
	c.Translate(vg.Point{X: 0, Y: h})
	c.Scale(1, -1)
	vg.Initialize(c)
	return c
}

func (c *pdfCanvas) context() *pdfContext { return &c.stack[len(c.stack)-1] }

// Size is the page size.
func (c *pdfCanvas) Size() (w, h vg.Length) { return c.w, c.h }

func (c *pdfCanvas) unit(l vg.Length) float64 { return l.Dots(pdfDPI) }

func (c *pdfCanvas) point(pt vg.Point) (float64, float64) { return c.unit(pt.X), c.unit(pt.Y) }

func (c *pdfCanvas) SetLineWidth(w vg.Length) {
	c.context().width = w
	c.doc.SetLineWidth(c.unit(w))
}

func (c *pdfCanvas) SetLineDash(dashes []vg.Length, offs vg.Length) {
	ds := make([]float64, len(dashes))
	for i, d := range dashes {
		ds[i] = c.unit(d)
	}
	c.doc.SetDashPattern(ds, c.unit(offs))
}

func (c *pdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	r, g, b, a := clr.RGBA()
	ri, gi, bi := int(r>>8), int(g>>8), int(b>>8)
	c.doc.SetFillColor(ri, gi, bi)
	c.doc.SetDrawColor(ri, gi, bi)
	c.doc.SetTextColor(ri, gi, bi)
	c.doc.SetAlpha(float64(a)/math.MaxUint16, "Normal")
}

func (c *pdfCanvas) Rotate(r float64) { c.doc.TransformRotate(-r*180/math.Pi, 0, 0) }

func (c *pdfCanvas) Translate(pt vg.Point) { c.doc.TransformTranslate(c.point(pt)) }

func (c *pdfCanvas) Scale(x, y float64) { c.doc.TransformScale(x*100, y*100, 0, 0) }

func (c *pdfCanvas) Push() {
	c.stack = append(c.stack, *c.context())
	c.doc.TransformBegin()
}

func (c *pdfCanvas) Pop() {
	c.doc.TransformEnd()
	c.stack = c.stack[:len(c.stack)-1]
}

func (c *pdfCanvas) Stroke(p vg.Path) {
	if c.context().width > 0 {
		c.path(p, "D")
	}
}

func (c *pdfCanvas) Fill(p vg.Path) { c.path(p, "F") }

// FillString draws str with its baseline's left end at pt.
func (c *pdfCanvas) FillString(fnt font.Face, pt vg.Point, str string) {
	if fnt.Font.Size == 0 {
		return
	}
	family := c.font(fnt)
	c.doc.SetFont(family, "", c.unit(fnt.Font.Size))
	c.Push()
	defer c.Pop()
	c.Translate(pt)
	c.Scale(1, -1) // fpdf's text origin is the top left
	_, h := c.doc.GetFontSize()
	d := c.doc.GetFontDesc(family, "")
	top := -0.81 * h
	if d.Ascent != 0 && d.Ascent != d.Descent {
		top = -float64(d.Ascent) * h / float64(d.Ascent-d.Descent)
	}
	margin := c.doc.GetCellMargin()
	c.doc.MoveTo(-margin, top)
	c.doc.CellFormat(c.doc.GetStringWidth(str), h, str, "", 0, "BL", false, 0, "")
}

// font registers fnt's TrueType source with the document once, as a UTF-8 font, and returns its family name.
func (c *pdfCanvas) font(fnt font.Face) string {
	if name, ok := c.fonts[fnt.Font]; ok {
		return name
	}
	var src bytes.Buffer
	if _, err := fnt.Face.WriteSourceTo(nil, &src); err != nil {
		// The faces are gonum/plot's embedded Liberation fonts; failing to serialise one is a defect.
		panic(fmt.Sprintf("plot: pdf: font %q: %v", fnt.Name(), err))
	}
	name := fmt.Sprintf("f%d", len(c.fonts))
	c.doc.AddUTF8FontFromBytes(name, "", src.Bytes())
	c.fonts[fnt.Font] = name
	return name
}

// path draws p with the given fpdf style: "D" strokes, "F" fills.
func (c *pdfCanvas) path(p vg.Path, style string) {
	var x0, y0 float64
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			x0, y0 = c.point(comp.Pos)
			c.doc.MoveTo(x0, y0)
		case vg.LineComp:
			c.doc.LineTo(c.point(comp.Pos))
		case vg.ArcComp:
			c.arc(comp, style)
		case vg.CurveComp:
			px, py := c.point(comp.Pos)
			switch len(comp.Control) {
			case 1:
				cx, cy := c.point(comp.Control[0])
				c.doc.CurveTo(cx, cy, px, py)
			case 2:
				cx, cy := c.point(comp.Control[0])
				dx, dy := c.point(comp.Control[1])
				c.doc.CurveBezierCubicTo(cx, cy, dx, dy, px, py)
			}
		case vg.CloseComp:
			c.doc.LineTo(x0, y0)
			c.doc.ClosePath()
		}
	}
	c.doc.DrawPath(style)
}

func (c *pdfCanvas) arc(comp vg.PathComp, style string) {
	x0 := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start))
	y0 := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start))
	c.doc.LineTo(c.unit(x0), c.unit(y0))
	r := c.unit(comp.Radius)
	const deg = 180 / math.Pi
	beg := comp.Start * deg
	c.doc.Arc(c.unit(comp.Pos.X), c.unit(comp.Pos.Y), r, r, comp.Angle*deg, beg, beg+comp.Angle*deg, style)
	x1 := comp.Pos.X + comp.Radius*vg.Length(math.Cos(comp.Start+comp.Angle))
	y1 := comp.Pos.Y + comp.Radius*vg.Length(math.Sin(comp.Start+comp.Angle))
	c.doc.MoveTo(c.unit(x1), c.unit(y1))
}

// DrawImage draws img into rect.
func (c *pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Sprintf("plot: pdf: encode image: %v", err))
	}
	c.numImages++
	name := fmt.Sprintf("image_%03d.png", c.numImages)
	opts := fpdf.ImageOptions{ImageType: "png", ReadDpi: true}
	c.doc.RegisterImageOptionsReader(name, opts, &buf)
	x, y := c.point(rect.Min)
	w, h := c.point(rect.Size())
	c.doc.ImageOptions(name, x, y, w, h, false, opts, 0, "")
}

// WriteTo writes the PDF to w. The canvas cannot be drawn on afterwards.
func (c *pdfCanvas) WriteTo(w io.Writer) (int64, error) {
	c.Pop()
	if err := c.doc.Error(); err != nil {
		return 0, fmt.Errorf("pdf: %w", err)
	}
	cw := &countWriter{w: w}
	b := bufio.NewWriter(cw)
	if err := c.doc.Output(b); err != nil {
		return cw.n, fmt.Errorf("pdf: %w", err)
	}
	return cw.n, b.Flush()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (cw *countWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}
