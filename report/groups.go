package report

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
)

// GroupedFitText is the fit command's output for one law per group (fit --x step: one per model), as plain text
// wrapped at width columns (0: no limit): a table of every group's law, then each law as FitText writes one, with
// the points it left out.
func GroupedFitText(g *fit.Grouped, width int) string {
	p := &page{width: width}
	p.heading(2, fmt.Sprintf("Laws %s = a·%s^b, one per %s", g.Y, g.X, g.By))
	writeGroupedOverview(p, g)
	for _, l := range g.Laws {
		if l.Fit == nil {
			continue
		}
		p.heading(3, l.Group+": "+l.Fit.Formula())
		p.para("Fitted by %s over %s.", fitMethod(l.Fit), textfmt.Plural(l.Fit.N, "point"))
		writeFit(p, l.Fit)
	}
	return p.String()
}

// WriteGroupedFitText writes GroupedFitText(g, width) to w.
func WriteGroupedFitText(w io.Writer, g *fit.Grouped, width int) error {
	_, err := io.WriteString(w, GroupedFitText(g, width))
	return err
}

// writeGroupedOverview writes one row per group: the points used and left out, the range of x, the exponent with
// its t interval, and R²; then why each group without a law has none, and what was left out.
func writeGroupedOverview(p *page, g *fit.Grouped) {
	conf := textfmt.Level(0.95)
	for _, l := range g.Laws {
		if l.Fit != nil {
			conf = textfmt.Level(l.Fit.Confidence)
			break
		}
	}
	t := textfmt.Table{Header: []string{upperFirst(g.By), "Used", "Left out", "Range of " + g.X, "Exponent b", conf + " CI", "R²"},
		Align: []byte{'l', 'r', 'r', 'r', 'r', 'l', 'r'}}
	var notes []string
	for _, l := range g.Laws {
		row := []string{l.Group, "0", strconv.Itoa(len(l.Left)), textfmt.Dash, textfmt.Dash, textfmt.Dash, textfmt.Dash}
		if f := l.Fit; f != nil {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, pt := range f.Points {
				lo, hi = math.Min(lo, pt.X), math.Max(hi, pt.X)
			}
			row[1], row[3], row[4], row[5], row[6] = strconv.Itoa(f.N), textfmt.X(lo)+" – "+textfmt.X(hi),
				textfmt.Num(f.Exponent), fitBounds(f.ExponentCI), textfmt.Num(f.R2)
		} else {
			notes = append(notes, fmt.Sprintf("%s: no law: %s.", l.Group, l.NoFit))
		}
		for _, lo := range l.Left {
			notes = append(notes, fmt.Sprintf("%s left out: %s.", lo.Model, lo.Reason))
		}
		t.Add(row...)
	}
	p.table(t)
	p.list(notes)
}
