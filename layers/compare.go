package layers

import (
	"fmt"
	"slices"
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
	Model        string           `json:"model"`
	Architecture string           `json:"architecture"` // HF's model_type, as the run records it
	NParams      int64            `json:"n_params"`
	NLayers      int              `json:"n_layers"`
	Components   []ComponentStats `json:"components"` // in Comparison.Components order
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
		ms := ModelStats{Model: p.Name(), Architecture: p.Architecture, NParams: p.NParams, NLayers: p.NLayers}
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
