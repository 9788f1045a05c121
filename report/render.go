package report

// Rendering of the seed note's analysis (package layers): the comparison tables, the verdicts and the phases, as
// markdown for the report and as aligned text for the compare command.

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// CompareText is the compare command's output for the analysis a: the comparison tables, the verdicts with their
// significance, and the phases, as aligned text.
func CompareText(a *layers.Analysis) string {
	var b strings.Builder
	b.WriteString(renderComparison(a.Comparison, false))
	fmt.Fprintf(&b, "\nVerdicts on the seed's predictions\n%s", renderVerdicts(a.Verdicts, false))
	if len(a.Phases) > 0 {
		fmt.Fprintf(&b, "\nPhases (%s gain, BIC-optimal piecewise-constant fit in log gain)\n", a.Phases[0].Component)
		for _, s := range a.Phases {
			b.WriteString(phasesText(s))
		}
	}
	return b.String()
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
	unit := "layers"
	if dk == 1 || dk == -1 {
		unit = "layer"
	}
	return fmt.Sprintf("%s (%+d %s)", sh, dk, unit)
}

// cmpRelChange is the relative change b/a − 1 in whole percent, "≡" when it rounds to 0 %.
func cmpRelChange(a, b float64) string {
	if a == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return "—"
	}
	r := 100 * (b/a - 1)
	if math.Round(r) == 0 {
		return "≡"
	}
	return fmt.Sprintf("%+.0f %%", r)
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

// renderComparison renders every component's table of c under its title, in the comparison's component order: as
// markdown under "### <title>" headings, or as aligned text.
func renderComparison(c *layers.Comparison, md bool) string {
	var b strings.Builder
	for i, comp := range c.Components {
		rows, _ := comparisonTable(c, comp) // comp is in c.Components, so no error
		t := textfmt.Table{Header: rows[0], Rows: rows[1:]}
		title := cmpTitles[comp]
		if title == "" {
			title = comp
		}
		if i > 0 {
			b.WriteString("\n")
		}
		if md {
			fmt.Fprintf(&b, "### %s\n\n%s", title, t.Markdown())
		} else {
			fmt.Fprintf(&b, "%s (%s)\n%s", title, comp, t.Text())
		}
	}
	return b.String()
}

// renderVerdicts renders the verdicts as two tables, markdown or aligned text: the verdicts with their status across
// models, and, when the layer bootstrap was run, their significance.
func renderVerdicts(v *layers.Verdicts, md bool) string {
	t := textfmt.Table{Header: append(append([]string{"Prediction"}, v.Models...), "Across models")}
	for _, p := range v.Predictions {
		row := []string{p.Prediction}
		for _, m := range p.Models {
			cell := m.Summary
			if m.Applicable {
				cell += " " + map[bool]string{true: "holds", false: "fails"}[m.Holds]
			}
			row = append(row, cell)
		}
		status := p.Status
		if p.TrendText != "" && (p.Status == layers.StatusScaleDependent || len(v.Models) > 1) {
			status += "; " + p.TrendText
		}
		t.Add(append(row, status)...)
	}
	var b strings.Builder
	if md {
		b.WriteString(t.Markdown())
	} else {
		b.WriteString(t.Text())
	}
	if v.Resamples == 0 {
		return b.String()
	}
	title := fmt.Sprintf("Significance (%s layer-bootstrap percentile intervals, %d resamples of sequences):", textfmt.Level(v.Confidence), v.Resamples)
	cell := func(m layers.ModelVerdict) string {
		if !m.Bootstrapped {
			return "—"
		}
		return m.Significance + "; verdict " + map[bool]string{true: "robust", false: "not robust"}[m.Robust]
	}
	if !md {
		// A table this wide does not fit a terminal: one line per model instead.
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, p := range v.Predictions {
			fmt.Fprintf(&b, "  %s\n", p.Prediction)
			for _, m := range p.Models {
				fmt.Fprintf(&b, "    %s: %s\n", m.Model, cell(m))
			}
		}
		return b.String()
	}
	s := textfmt.Table{Header: append([]string{"Prediction"}, v.Models...)}
	for _, p := range v.Predictions {
		row := []string{p.Prediction}
		for _, m := range p.Models {
			row = append(row, cell(m))
		}
		s.Add(row...)
	}
	fmt.Fprintf(&b, "\n%s\n\n%s", title, s.Markdown())
	return b.String()
}

// phasesMarkdown renders the phases as a markdown table.
func phasesMarkdown(s *layers.Segmentation) string {
	t := textfmt.Table{Header: []string{"Phase", "Layers", "Depth", "Mean gain", "Label"}}
	for i, ph := range s.Phases {
		t.Add(fmt.Sprint(i+1), textfmt.Layers(ph.Start, ph.End), fmt.Sprintf("%.2f–%.2f", ph.StartDepth, ph.EndDepth), textfmt.Gain(ph.Gain), ph.Label)
	}
	return t.Markdown()
}

// phasesText renders the phases on one line each, as "L0–6 expanding (1.62×)".
func phasesText(s *layers.Segmentation) string {
	var b strings.Builder
	name := s.Component
	if s.Model != "" {
		name = s.Model + " " + s.Component
	}
	fmt.Fprintf(&b, "%s: %d phases (BIC %.1f)\n", name, len(s.Phases), s.BIC)
	for _, ph := range s.Phases {
		fmt.Fprintf(&b, "  %-9s %-11s %s×\n", textfmt.Layers(ph.Start, ph.End), ph.Label, textfmt.Gain(ph.Gain))
	}
	return b.String()
}
