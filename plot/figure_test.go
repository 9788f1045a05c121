package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// pythia lists a few model sizes to build synthetic profiles from.
var pythia = []struct {
	name   string
	layers int
	params float64
}{
	{"pythia-70m", 6, 70426624},
	{"pythia-160m", 12, 162322944},
	{"pythia-410m", 24, 405334016},
	{"pythia-1b", 16, 1011781632},
	{"pythia-1.4b", 24, 1414647808},
	{"pythia-2.8b", 32, 2775208960},
	{"pythia-6.9b", 32, 6857302016},
	{"pythia-12b", 36, 11846072320},
	{"pythia-20b", 44, 20e9},
	{"pythia-40b", 48, 40e9},
}

// synthProfile returns a smooth made-up layer profile in the shape of the seed note: attention contracting with a
// minimum at 3/4 depth, MLP near 1 with an expanding last layer that grows with size.
func synthProfile(m int, component string, depth bool) Series {
	md := pythia[m]
	s := Series{Label: md.name}
	final := 2 * math.Pow(md.params/1e9, 0.3)
	for l := 0; l < md.layers; l++ {
		d := float64(l) / float64(md.layers-1)
		var g float64
		switch component {
		case "attn":
			g = 0.9*math.Exp(-3*d) + 0.08 + 0.2*d*d*d
		case "mlp":
			g = 0.6 + 0.5*math.Sin(3*d+float64(m)) + 0.05*float64(m)
			if l == md.layers-1 {
				g = final
			}
		default:
			g = (0.9*math.Exp(-3*d) + 0.08 + 0.2*d*d*d) * (0.6 + 0.5*math.Sin(3*d+float64(m)) + 0.05*float64(m))
		}
		x := float64(l)
		if depth {
			x = d
		}
		s.X = append(s.X, x)
		s.Y = append(s.Y, g)
		s.Lo = append(s.Lo, g*0.92)
		s.Hi = append(s.Hi, g*1.09)
	}
	return s
}

func synthScaling(n int, predict bool) *ScalingPanel {
	sp := &ScalingPanel{XLabel: "parameters", YLabel: "final_mlp_gain", Title: "final_mlp_gain vs params"}
	for m := 0; m < n; m++ {
		x := pythia[m].params
		y := 2 * math.Pow(x/1e9, 0.3) * (1 + 0.05*math.Sin(float64(m)))
		sp.Points = append(sp.Points, Point{Label: pythia[m].name, X: x, Y: y, YLo: y * 0.9, YHi: y * 1.12})
	}
	if n >= 2 {
		for i := 0; i <= 20; i++ {
			x := pythia[0].params * math.Pow(40e9/pythia[0].params, float64(i)/20)
			y := 2 * math.Pow(x/1e9, 0.3)
			w := 1.05 + 0.002*math.Pow(math.Log(x/1e9), 2)
			sp.LineX, sp.LineY = append(sp.LineX, x), append(sp.LineY, y)
			sp.BandLo, sp.BandHi = append(sp.BandLo, y/w), append(sp.BandHi, y*w)
		}
		sp.Note = "b = 0.300 [0.251, 0.349] (95% CI)"
	}
	if predict {
		y := 2 * math.Pow(40, 0.3)
		sp.Predictions = []Point{{Label: "40B (predicted)", X: 40e9, Y: y, YLo: y / 1.3, YHi: y * 1.3}}
	}
	return sp
}

func synthFigure(n int, depth bool) *Figure {
	f := &Figure{Title: "Sublayer gains of Pythia models", Depth: depth, Scaling: synthScaling(n, true)}
	for m := 0; m < n; m++ {
		f.Attn = append(f.Attn, synthProfile(m, "attn", depth))
		f.MLP = append(f.MLP, synthProfile(m, "mlp", depth))
		f.Combined = append(f.Combined, synthProfile(m, "combined", depth))
	}
	return f
}

// distinctColours counts the distinct colours of img.
func distinctColours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// paletteCounts counts, for every palette colour, the pixels of img that have exactly that colour.
func paletteCounts(img image.Image) []int {
	counts := make([]int, len(palette))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			for i, c := range palette {
				if a == 0xffff && r>>8 == uint32(c.R) && g>>8 == uint32(c.G) && bl>>8 == uint32(c.B) {
					counts[i]++
				}
			}
		}
	}
	return counts
}

func TestFigurePNG(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fig       *Figure
		w, h      int // pixels at 150 dpi
		minColors int
	}{
		{"one model", synthFigure(1, false), 1500, 1200, 50},
		{"three models depth", synthFigure(3, true), 1500, 1200, 200},
		{"ten models", synthFigure(10, false), 1500, 1200, 300},
		{"attn panel", func() *Figure { f := synthFigure(4, false); f.Panels = []Panel{PanelAttn}; return f }(), 1050, 750, 100},
		{"scaling panel", func() *Figure { f := synthFigure(4, false); f.Panels = []Panel{PanelScaling}; return f }(), 1050, 750, 50},
		{"width only", func() *Figure { f := synthFigure(2, false); f.Width, f.DPI = 5*vg.Inch, 100; return f }(), 500, 400, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fig.png")
			if err := tc.fig.Save(path); err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("SCALEFIT_PLOT_OUT"); dir != "" {
				data, _ := os.ReadFile(path)
				os.WriteFile(filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".png"), data, 0o644)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("decode png: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if n := distinctColours(img); n < tc.minColors {
				t.Errorf("%d distinct colours, want at least %d", n, tc.minColors)
			}
			// Every series of the layer panels shows up in its own palette colour (marker interiors are solid), and no
			// other palette colour does, except the grey of antialiased text and the red of the scaling panel's
			// predictions.
			if len(tc.fig.Attn) > 0 && (tc.fig.Panels == nil || tc.fig.Panels[0] != PanelScaling) {
				counts := paletteCounts(img)
				for i, n := range counts {
					if used := i < len(tc.fig.Attn); used && n < 20 || !used && n > 0 && i != 3 && i != 7 {
						t.Errorf("palette colour %d: %d solid pixels with %d series", i, n, len(tc.fig.Attn))
					}
				}
			}
		})
	}
}

// svgPaths renders f as SVG, checks that it parses as XML with an <svg> root, and counts its <path> elements.
func svgPaths(t *testing.T, f *Figure) int {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Render(&buf, SVG); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&buf)
	paths, root := 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("svg does not parse as XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "path" {
				paths++
			}
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	return paths
}

func TestFigureSVG(t *testing.T) {
	one, three := svgPaths(t, synthFigure(1, false)), svgPaths(t, synthFigure(3, false))
	if one < 150 {
		t.Errorf("one model: %d path elements, want at least 150 (axes, ticks, grid, lines, markers, bands)", one)
	}
	// Two more models add at least their lines, bands and markers (6 + 12 + 24 layers' worth) in three panels.
	if three < one+3*(2*2+12+24) {
		t.Errorf("three models: %d path elements, one model %d: the extra series are missing", three, one)
	}
}

func TestFigurePDF(t *testing.T) {
	var buf bytes.Buffer
	if err := synthFigure(3, false).Render(&buf, PDF); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("does not start with %%PDF-: %q", data[:min(10, len(data))])
	}
	if !bytes.Contains(data, []byte("/Type /Page")) && !bytes.Contains(data, []byte("/Type/Page")) {
		t.Error("no /Type /Page object")
	}
	if len(data) < 10000 {
		t.Errorf("%d bytes; want a non-trivial figure", len(data))
	}
}

// TestFigurePDFText reads a PDF figure's text back with pdftotext (poppler-utils): characters outside ASCII (², ×, ≥,
// –) must come out as themselves, which needs the fonts embedded with a Unicode encoding, and the fonts must be
// subsets, so that the file stays small.
func TestFigurePDFText(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (.ci/run installs poppler-utils)")
		}
		t.Skip("pdftotext is missing: apt-get install poppler-utils")
	}
	f := synthFigure(3, false)
	f.Title = "R² ≥ 0.9 – gains × 2"
	f.Scaling.LineLegend = "power law, b = 0.350 [0.320, 0.380], n = 3"
	var buf bytes.Buffer
	if err := f.Render(&buf, PDF); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"R² ≥ 0.9 – gains × 2", "combined gain (attention × MLP)", "power law, b = 0.350 [0.320, 0.380], n = 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Â") {
		t.Errorf("mojibake in the PDF's text:\n%s", text)
	}
	// Whole Liberation fonts are about 400 kB each; subsets of the glyphs a figure uses are a few kB.
	if n := buf.Len(); n > 150_000 {
		t.Errorf("PDF is %d bytes: the fonts are not subset", n)
	}
}

func TestFigureErrors(t *testing.T) {
	good := func() *Figure { return synthFigure(2, false) }
	for _, tc := range []struct {
		name string
		edit func(f *Figure)
		want string
	}{
		{"zero gain", func(f *Figure) { f.MLP[0].Y[2] = 0 }, "gain at x = 2 is 0"},
		{"NaN gain", func(f *Figure) { f.Attn[1].Y[0] = math.NaN() }, "is NaN"},
		{"short band", func(f *Figure) { f.Attn[0].Lo = f.Attn[0].Lo[:3] }, "band of 3 lower"},
		{"inverted band", func(f *Figure) { f.Attn[0].Lo[1], f.Attn[0].Hi[1] = 2, 1 }, "want finite 0 < lo ≤ hi"},
		{"no series", func(f *Figure) { f.Combined = nil; f.Panels = []Panel{PanelCombined} }, "panel combined has no series"},
		{"no scaling", func(f *Figure) { f.Scaling = nil; f.Panels = []Panel{PanelScaling} }, "panel scaling has no data"},
		{"negative y", func(f *Figure) { f.Scaling.Points[0].Y = -1 }, "need finite x and y > 0"},
		{"ragged line", func(f *Figure) { f.Scaling.LineY = f.Scaling.LineY[1:] }, "fitted line has 21 x and 20 y"},
		{"empty", func(f *Figure) { *f = Figure{} }, "no data"},
		{"tiny", func(f *Figure) { f.Width, f.Height = 10, 10 }, "want between 1 and 200 in"},
		{"NaN size", func(f *Figure) { f.Width = vg.Length(math.NaN()) }, "want between 1 and 200 in"},
		{"crowded legend", func(f *Figure) {
			for i := 0; i < 200; i++ {
				s := synthProfile(i%10, "attn", false)
				s.Label = fmt.Sprintf("model-%03d", i)
				f.Attn = append(f.Attn, s)
			}
			f.Width, f.Height = 4*vg.Inch, 3*vg.Inch
		}, "make the figure taller"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good()
			tc.edit(f)
			path := filepath.Join(t.TempDir(), "fig.png")
			err := f.Save(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if _, serr := os.Stat(path); !os.IsNotExist(serr) {
				t.Errorf("a failed Save left %s behind", path)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		path string
		want Format
		ok   bool
	}{{"a.png", PNG, true}, {"b/C.SVG", SVG, true}, {"x.pdf", PDF, true}, {"y.jpg", 0, false}, {"noext", 0, false}} {
		got, err := FormatOf(tc.path)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("FormatOf(%q) = %v, %v", tc.path, got, err)
		}
	}
}

func TestParsePanel(t *testing.T) {
	for i, name := range []string{"attn", "MLP", "combined", "scaling"} {
		p, err := ParsePanel(name)
		if err != nil || p != Panel(i) || !strings.EqualFold(p.String(), name) {
			t.Errorf("ParsePanel(%q) = %v, %v", name, p, err)
		}
	}
	if _, err := ParsePanel("block"); err == nil {
		t.Error("ParsePanel(block) succeeded")
	}
}
