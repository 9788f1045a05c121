package layers

import (
	"fmt"
	"math"
	"strings"
)

// Metric is a model-level number computed from a model's layer profile (docs/gains.md). Metrics are the y variables
// of the scaling-law fits; scalefit summary prints the same values from the same code.
//
// A metric reads a single component. Eval receives that component's layer-level gain as a function of the layer, so a
// metric that needs only the last layer (final_mlp_gain) costs one weighted mean per evaluation, which keeps
// hierarchical bootstraps cheap.
type Metric struct {
	Name      string
	Component string // the component whose layer gains the metric reads
	HasLayer  bool   // the metric reports the layer it was taken at (argmax, argmin, last)
	Doc       string
	Label     string // the metric in a few words, for an axis or a sentence: "final-layer MLP gain"
	eval      func(gain func(layer int) float64, nLayers int) (value float64, layer int)
}

// MetricValue is a metric evaluated on one model. Layer is −1 when the metric has no layer.
type MetricValue struct {
	Name  string
	Value float64
	Layer int
}

var metrics = []Metric{
	{Name: "final_mlp_gain", Component: "mlp", HasLayer: true, Doc: "mlp gain at the last layer", Label: "final-layer MLP gain", eval: final},
	{Name: "final_attn_gain", Component: "attn", HasLayer: true, Doc: "attn gain at the last layer", Label: "final-layer attention gain", eval: final},
	{Name: "final_combined_gain", Component: "combined", HasLayer: true, Doc: "combined gain at the last layer", Label: "final-layer combined gain", eval: final},
	{Name: "max_mlp_gain", Component: "mlp", HasLayer: true, Doc: "largest mlp gain over layers", Label: "largest MLP gain", eval: extreme(+1)},
	{Name: "min_mlp_gain", Component: "mlp", HasLayer: true, Doc: "smallest mlp gain over layers", Label: "smallest MLP gain", eval: extreme(-1)},
	{Name: "max_attn_gain", Component: "attn", HasLayer: true, Doc: "largest attn gain over layers", Label: "largest attention gain", eval: extreme(+1)},
	{Name: "min_attn_gain", Component: "attn", HasLayer: true, Doc: "smallest attn gain over layers", Label: "smallest attention gain", eval: extreme(-1)},
	{Name: "lstar_depth", Component: "attn", HasLayer: true, Doc: "depth layer/(L−1) of the attn minimum (the seed's L*)", Label: "depth of the attention minimum (L*)", eval: lstarDepth},
	{Name: "frac_attn_contracting", Component: "attn", Doc: "share of layers with attn gain < 1", Label: "share of attention layers contracting", eval: fraction(func(g float64) bool { return g < 1 })},
	{Name: "frac_mlp_contracting", Component: "mlp", Doc: "share of layers with mlp gain < 1", Label: "share of MLP layers contracting", eval: fraction(func(g float64) bool { return g < 1 })},
	{Name: "frac_net_expanding", Component: "combined", Doc: "share of layers with combined gain > 1", Label: "share of layers expanding net", eval: fraction(func(g float64) bool { return g > 1 })},
}

// Metrics lists every model-level metric in the order docs/gains.md lists them.
func Metrics() []Metric { return append([]Metric(nil), metrics...) }

// MetricByName returns the named metric, or an error listing the valid names.
func MetricByName(name string) (Metric, error) {
	for _, m := range metrics {
		if m.Name == name {
			return m, nil
		}
	}
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	return Metric{}, fmt.Errorf("unknown metric %q (known: %s)", name, strings.Join(names, ", "))
}

// Eval evaluates m on p with sequence weights w (nil for the run as measured; bootstrap resample counts otherwise).
// It returns NaN and layer −1 when p lacks the component.
func (m Metric) Eval(p *Profile, w []float64) (value float64, layer int) {
	if !p.Has(m.Component) {
		return math.NaN(), -1
	}
	return m.eval(func(l int) float64 { return p.LayerGain(m.Component, l, w) }, p.NLayers)
}

// EvalFunc evaluates m on the layer profile gain(0) … gain(nLayers − 1) of its component. A metric calls gain only at
// the layers it needs, which lets a caller compute layer gains lazily (the hierarchical bootstrap of package fit).
func (m Metric) EvalFunc(gain func(layer int) float64, nLayers int) (value float64, layer int) {
	return m.eval(gain, nLayers)
}

// EvalGains evaluates m on a precomputed layer profile of its component.
func (m Metric) EvalGains(gains []float64) (value float64, layer int) {
	if len(gains) == 0 {
		return math.NaN(), -1
	}
	return m.eval(func(l int) float64 { return gains[l] }, len(gains))
}

// ComputeMetrics evaluates every metric on p as measured. Metrics whose component is missing are left out.
func ComputeMetrics(p *Profile) []MetricValue {
	cache := map[string][]float64{}
	var out []MetricValue
	for _, m := range metrics {
		if !p.Has(m.Component) {
			continue
		}
		g, ok := cache[m.Component]
		if !ok {
			g = p.LayerGains(m.Component, nil)
			cache[m.Component] = g
		}
		v, l := m.EvalGains(g)
		if !m.HasLayer {
			l = -1
		}
		out = append(out, MetricValue{Name: m.Name, Value: v, Layer: l})
	}
	return out
}

func final(gain func(int) float64, n int) (float64, int) { return gain(n - 1), n - 1 }

// extreme returns the metric max (sign +1) or min (sign −1) over layers; ties go to the earliest layer.
func extreme(sign float64) func(func(int) float64, int) (float64, int) {
	return func(gain func(int) float64, n int) (float64, int) {
		best, at := gain(0), 0
		for l := 1; l < n; l++ {
			if g := gain(l); sign*g > sign*best {
				best, at = g, l
			}
		}
		return best, at
	}
}

func lstarDepth(gain func(int) float64, n int) (float64, int) {
	_, at := extreme(-1)(gain, n)
	if n <= 1 {
		return 0, at
	}
	return float64(at) / float64(n-1), at
}

func fraction(pred func(float64) bool) func(func(int) float64, int) (float64, int) {
	return func(gain func(int) float64, n int) (float64, int) {
		k := 0
		for l := 0; l < n; l++ {
			if pred(gain(l)) {
				k++
			}
		}
		return float64(k) / float64(n), -1
	}
}

// Covariates are the x variables of a scaling-law fit (docs/statistics.md).
var Covariates = []string{"params", "params_nonembed", "layers", "hidden"}

// Covariate returns the named x variable of p.
func Covariate(name string, p *Profile) (float64, error) {
	switch name {
	case "params":
		return float64(p.NParams), nil
	case "params_nonembed":
		return float64(p.NParamsNonembed), nil
	case "layers":
		return float64(p.NLayers), nil
	case "hidden":
		return float64(p.HiddenSize), nil
	case StepCovariate:
		s, ok := p.Step()
		if !ok {
			return 0, fmt.Errorf("model %s: revision %q names no training step", p.Name(), p.Revision)
		}
		return float64(s), nil
	}
	return 0, fmt.Errorf("unknown x %q (known: %s, %s)", name, strings.Join(Covariates, ", "), StepCovariate)
}
