package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// writeComparison writes the seed note's comparison tables (layers.Compare): for each component, the counts of
// contracting and expanding layers, the extremes with their layers and normalised depths layer/(L − 1), the last
// layer and L*, model beside model with the change from each model to the next.
func writeComparison(p *page, c *layers.Comparison) {
	if len(c.Models) > 1 {
		p.para("Depth is layer/(L − 1), so that models of different depth line up. Each Change column compares a model " +
			"with the one before it (pp: percentage points; ≡: no change).")
	} else {
		p.para("Depth is layer/(L − 1), so that models of different depth line up.")
	}
	for _, comp := range c.Components {
		rows, _ := comparisonTable(c, comp) // comp is in c.Components, so no error
		title := cmpTitles[comp]
		if title == "" {
			title = comp
		}
		p.heading(3, title+" ("+comp+")")
		p.table(textfmt.Table{Header: rows[0], Rows: rows[1:]})
	}
}

var cmpTitles = map[string]string{
	"attn": "Attention gains", "mlp": "MLP gains", "combined": "Combined (net) gains",
	"attn_resid": "Attention update relative to the stream", "mlp_resid": "MLP update relative to the stream",
	"block": "Residual-stream growth per block",
}

// cmpRow is one metric row of a component table: how to print a model's cell and the change between two models.
type cmpRow struct {
	name   string
	cell   func(m *layers.ModelStats, cs *layers.ComponentStats) (string, bool)
	change func(a, b *layers.ModelStats, ca, cb *layers.ComponentStats) string
}

func cmpRows(comp string) []cmpRow {
	share := func(k func(*layers.ComponentStats) int) cmpRow {
		return cmpRow{
			cell: func(_ *layers.ModelStats, cs *layers.ComponentStats) (string, bool) {
				return textfmt.Share(k(cs), cs.Layers), true
			},
			change: func(_, _ *layers.ModelStats, ca, cb *layers.ComponentStats) string {
				return cmpShareChange(k(ca), ca.Layers, k(cb), cb.Layers)
			},
		}
	}
	value := func(v func(*layers.ComponentStats) layers.LayerValue, withLayer bool) cmpRow {
		return cmpRow{
			cell: func(_ *layers.ModelStats, cs *layers.ComponentStats) (string, bool) {
				x := v(cs)
				if !withLayer {
					return textfmt.Gain(x.Gain), true
				}
				return fmt.Sprintf("%s (L%d, %.2f)", textfmt.Gain(x.Gain), x.Layer, x.Depth), true
			},
			change: func(_, _ *layers.ModelStats, ca, cb *layers.ComponentStats) string {
				return cmpRelChange(v(ca).Gain, v(cb).Gain)
			},
		}
	}
	rows := []cmpRow{share(func(cs *layers.ComponentStats) int { return cs.Contracting }), share(func(cs *layers.ComponentStats) int { return cs.Expanding }),
		value(func(cs *layers.ComponentStats) layers.LayerValue { return cs.Min }, true), value(func(cs *layers.ComponentStats) layers.LayerValue { return cs.Max }, true),
		value(func(cs *layers.ComponentStats) layers.LayerValue { return cs.Last }, false)}
	rows[0].name, rows[1].name, rows[2].name, rows[3].name, rows[4].name = "Contracting", "Expanding", "Min gain", "Max gain", "Last layer"
	if comp == "attn" {
		rows = append(rows, cmpRow{
			name: "L* (attn min)",
			cell: func(m *layers.ModelStats, _ *layers.ComponentStats) (string, bool) {
				if m.LStar == nil {
					return "", false
				}
				return fmt.Sprintf("L%d (%.2f)", m.LStar.Layer, m.LStar.Depth), true
			},
			change: func(a, b *layers.ModelStats, _, _ *layers.ComponentStats) string {
				return cmpLayerChange(*a.LStar, *b.LStar)
			},
		})
	}
	return rows
}

// cmpShareChange is the change of a layer count between two models: the share in percentage points, and the count.
func cmpShareChange(ka, na, kb, nb int) string {
	pp := 100 * (float64(kb)/float64(nb) - float64(ka)/float64(na))
	dk := kb - ka
	sh := "≡"
	if math.Round(pp) != 0 {
		sh = fmt.Sprintf("%+.0f pp", pp)
	}
	if dk == 0 {
		return sh
	}
	sign := "+"
	if dk < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s (%s%s)", sh, sign, textfmt.Plural(max(dk, -dk), "layer"))
}

// cmpRelChange is the relative change b/a − 1 in whole percent, "≡" when it rounds to 0 %.
func cmpRelChange(a, b float64) string {
	if a == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return "—"
	}
	if c := textfmt.Change(b/a-1, 0); c != "0 %" {
		return c
	}
	return "≡"
}

// cmpLayerChange is the change of a layer position: in layers, and in depth.
func cmpLayerChange(a, b layers.LayerValue) string {
	if a.Layer == b.Layer && math.Abs(a.Depth-b.Depth) < 0.005 {
		return "≡"
	}
	dl := "≡"
	if b.Layer != a.Layer {
		dl = fmt.Sprintf("%+d", b.Layer-a.Layer)
	}
	dd := "≡"
	if math.Abs(b.Depth-a.Depth) >= 0.005 {
		dd = fmt.Sprintf("%+.2f", b.Depth-a.Depth)
	}
	return fmt.Sprintf("%s (depth %s)", dl, dd)
}

// comparisonTable returns the rows of component's table: a header (Metric, the models, with a Change column after each
// model but the first, comparing it with the model before), then one row per metric.
func comparisonTable(c *layers.Comparison, component string) ([][]string, error) {
	if !slices.Contains(c.Components, component) {
		return nil, fmt.Errorf("comparison has no %q component (has %s)", component, strings.Join(c.Components, ", "))
	}
	header := []string{"Metric"}
	for i, m := range c.Models {
		header = append(header, m.Model)
		if i > 0 {
			header = append(header, "Change")
		}
	}
	out := [][]string{header}
	for _, r := range cmpRows(component) {
		row := []string{r.name}
		var prev *layers.ModelStats
		var prevCS *layers.ComponentStats
		for i := range c.Models {
			m := &c.Models[i]
			cs := m.Stats(component)
			cell, ok := "—", false
			if cs != nil && cs.Present {
				cell, ok = r.cell(m, cs)
				if !ok {
					cell = "—"
				}
			}
			row = append(row, cell)
			if i > 0 {
				ch := "—"
				if ok && prev != nil {
					ch = r.change(prev, m, prevCS, cs)
				}
				row = append(row, ch)
			}
			prev, prevCS = nil, nil
			if ok {
				prev, prevCS = m, cs
			}
		}
		out = append(out, row)
	}
	return out, nil
}
