package fit

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// LayerValue is a layer gain with where it was taken: the layer index and its depth layer/(L − 1).
type LayerValue struct {
	Gain  float64 `json:"gain"`
	Layer int     `json:"layer"`
	Depth float64 `json:"depth"`
}

// ComponentStats summarises one component's layer profile of one model, as in the seed's §1 tables.
type ComponentStats struct {
	Component   string     `json:"component"`
	Present     bool       `json:"present"` // false when the run lacks the component; the rest is then empty
	Layers      int        `json:"layers"`
	Contracting int        `json:"contracting"` // layers with gain < 1
	Expanding   int        `json:"expanding"`   // layers with gain > 1
	Min         LayerValue `json:"min"`         // smallest gain; ties go to the earliest layer
	Max         LayerValue `json:"max"`         // largest gain
	Last        LayerValue `json:"last"`        // the last layer's gain
}

// ModelStats is one model's column of a comparison.
type ModelStats struct {
	Model      string           `json:"model"`
	NParams    int64            `json:"n_params"`
	NLayers    int              `json:"n_layers"`
	Components []ComponentStats `json:"components"` // in Comparison.Components order
	// LStar is the seed's L*: the attention minimum, as layer and depth. Nil when the run has no attn rows.
	LStar *LayerValue `json:"lstar,omitempty"`
}

// Comparison sets models side by side, component by component.
type Comparison struct {
	Components []string     `json:"components"`
	Models     []ModelStats `json:"models"`
}

// Compare summarises the listed components (default attn, mlp, combined) of every profile, in the order given.
// A component absent from some runs is shown as missing there; one absent from every run is an error.
func Compare(ps []*Profile, components []string) (*Comparison, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("compare: no models")
	}
	if len(components) == 0 {
		components = []string{"attn", "mlp", "combined"}
	}
	c := &Comparison{Components: append([]string(nil), components...)}
	for i, comp := range components {
		if slices.Contains(components[:i], comp) {
			return nil, fmt.Errorf("compare: component %q listed twice", comp)
		}
		found := false
		for _, p := range ps {
			found = found || p.Has(comp)
		}
		if !found {
			return nil, fmt.Errorf("compare: no run has %q rows", comp)
		}
	}
	for _, p := range ps {
		ms := ModelStats{Model: p.Name(), NParams: p.NParams, NLayers: p.NLayers}
		for _, comp := range components {
			ms.Components = append(ms.Components, componentStats(p, comp))
		}
		if p.Has("attn") {
			g := p.LayerGains("attn", nil)
			v, at := extreme(-1)(func(l int) float64 { return g[l] }, len(g))
			ms.LStar = &LayerValue{Gain: v, Layer: at, Depth: p.Depth(at)}
		}
		c.Models = append(c.Models, ms)
	}
	return c, nil
}

func componentStats(p *Profile, comp string) ComponentStats {
	cs := ComponentStats{Component: comp, Present: p.Has(comp)}
	if !cs.Present {
		return cs
	}
	g := p.LayerGains(comp, nil)
	at := func(l int) LayerValue { return LayerValue{Gain: g[l], Layer: l, Depth: p.Depth(l)} }
	gain := func(l int) float64 { return g[l] }
	cs.Layers = len(g)
	cs.Contracting = vdCount(g, func(x float64) bool { return x < 1 })
	cs.Expanding = vdCount(g, func(x float64) bool { return x > 1 })
	_, lmin := extreme(-1)(gain, len(g))
	_, lmax := extreme(+1)(gain, len(g))
	cs.Min, cs.Max, cs.Last = at(lmin), at(lmax), at(len(g)-1)
	return cs
}

// Stats returns the model's summary of component, or nil when the comparison does not list it.
func (m *ModelStats) Stats(component string) *ComponentStats {
	for i := range m.Components {
		if m.Components[i].Component == component {
			return &m.Components[i]
		}
	}
	return nil
}

var cmpTitles = map[string]string{
	"attn": "Attention gains", "mlp": "MLP gains", "combined": "Combined (net) gains",
	"attn_resid": "Attention update relative to the stream", "mlp_resid": "MLP update relative to the stream",
	"block": "Residual-stream growth per block",
}

// cmpRow is one metric row of a component table: how to print a model's cell and the change between two models.
type cmpRow struct {
	name   string
	cell   func(m *ModelStats, cs *ComponentStats) (string, bool)
	change func(a, b *ModelStats, ca, cb *ComponentStats) string
}

func cmpRows(comp string) []cmpRow {
	share := func(k func(*ComponentStats) int) cmpRow {
		return cmpRow{
			cell: func(_ *ModelStats, cs *ComponentStats) (string, bool) { return vdFmtShare(k(cs), cs.Layers), true },
			change: func(_, _ *ModelStats, ca, cb *ComponentStats) string {
				return cmpShareChange(k(ca), ca.Layers, k(cb), cb.Layers)
			},
		}
	}
	value := func(v func(*ComponentStats) LayerValue, withLayer bool) cmpRow {
		return cmpRow{
			cell: func(_ *ModelStats, cs *ComponentStats) (string, bool) {
				x := v(cs)
				if !withLayer {
					return FormatGain(x.Gain), true
				}
				return fmt.Sprintf("%s (L%d, %.2f)", FormatGain(x.Gain), x.Layer, x.Depth), true
			},
			change: func(_, _ *ModelStats, ca, cb *ComponentStats) string { return cmpRelChange(v(ca).Gain, v(cb).Gain) },
		}
	}
	rows := []cmpRow{share(func(cs *ComponentStats) int { return cs.Contracting }), share(func(cs *ComponentStats) int { return cs.Expanding }),
		value(func(cs *ComponentStats) LayerValue { return cs.Min }, true), value(func(cs *ComponentStats) LayerValue { return cs.Max }, true),
		value(func(cs *ComponentStats) LayerValue { return cs.Last }, false)}
	rows[0].name, rows[1].name, rows[2].name, rows[3].name, rows[4].name = "Contracting", "Expanding", "Min gain", "Max gain", "Last layer"
	if comp == "attn" {
		rows = append(rows, cmpRow{
			name: "L* (attn min)",
			cell: func(m *ModelStats, _ *ComponentStats) (string, bool) {
				if m.LStar == nil {
					return "", false
				}
				return fmt.Sprintf("L%d (%.2f)", m.LStar.Layer, m.LStar.Depth), true
			},
			change: func(a, b *ModelStats, _, _ *ComponentStats) string { return cmpLayerChange(*a.LStar, *b.LStar) },
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
func cmpLayerChange(a, b LayerValue) string {
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

// ComponentTable returns the rows of component's table: a header (Metric, the models, with a Change column after each
// model but the first, comparing it with the model before), then one row per metric.
func (c *Comparison) ComponentTable(component string) ([][]string, error) {
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
		var prev *ModelStats
		var prevCS *ComponentStats
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

// ComponentMarkdown renders component's table as markdown.
func (c *Comparison) ComponentMarkdown(component string) (string, error) {
	rows, err := c.ComponentTable(component)
	if err != nil {
		return "", err
	}
	t := textfmt.Table{Header: rows[0], Rows: rows[1:]}
	return t.Markdown(), nil
}

// Markdown renders every component's table under a "### <title>" heading, in the comparison's component order.
func (c *Comparison) Markdown() string { return c.render(true) }

// String renders every component's table as aligned text.
func (c *Comparison) String() string { return c.render(false) }

func (c *Comparison) render(md bool) string {
	var b strings.Builder
	for i, comp := range c.Components {
		rows, _ := c.ComponentTable(comp) // comp is in c.Components, so no error
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
