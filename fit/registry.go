package fit

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/datasets"
)

// ModelCovariate returns the named x variable of a registry model (see Covariates), or NaN for an unknown name.
func ModelCovariate(m datasets.Model, xname string) float64 {
	switch xname {
	case "params":
		return float64(m.Params)
	case "params_nonembed":
		return float64(m.ParamsNonembed)
	case "layers":
		return float64(m.Layers)
	case "hidden":
		return float64(m.Hidden)
	}
	return math.NaN()
}

// RegistryTarget resolves a --predict name through the model registry (datasets.Lookup): the target's x is the
// model's value of the covariate xname. It reports false for a name the registry does not know.
func RegistryTarget(name, xname string) (Target, bool) {
	m, ok := datasets.Lookup(name)
	if !ok {
		return Target{}, false
	}
	return Target{Label: m.Name, X: ModelCovariate(m, xname), Source: m.Source, Family: m.Architecture}, true
}

// LookupReference returns the embedded reference set name, or an error listing the known ones.
func LookupReference(name string) (datasets.ReferenceSet, error) {
	ref, ok := datasets.Reference(name)
	if !ok {
		var names []string
		for _, r := range datasets.References() {
			names = append(names, r.Name)
		}
		return ref, fmt.Errorf("unknown reference %q (known: %s)", name, strings.Join(names, ", "))
	}
	return ref, nil
}

// ReferencePoints makes one fit point per model of a reference set: its published value of the metric yname against
// the covariate xname. A model's own counts are used for params, params_nonembed and layers; its hidden size and its
// architecture family come from the registry. Published values carry no standard error.
func ReferencePoints(ref datasets.ReferenceSet, yname, xname string) ([]Point, error) {
	var pts []Point
	for _, m := range ref.Models {
		y, ok := m.Metrics[yname]
		if !ok {
			return nil, fmt.Errorf("%s publishes no %s for %s", ref.Name, yname, m.Model)
		}
		model := datasets.Model{Name: m.Model, Params: m.Params, ParamsNonembed: m.ParamsNonembed, Layers: m.Layers}
		if reg, ok := datasets.Lookup(m.Model); ok {
			model.Hidden, model.Architecture = reg.Hidden, reg.Architecture
		}
		x := ModelCovariate(model, xname)
		if math.IsNaN(x) || x == 0 {
			return nil, fmt.Errorf("%s: the %s of %s is not known", ref.Name, xname, m.Model)
		}
		layer := -1
		if l, ok := m.MetricLayer[yname]; ok {
			layer = l
		}
		pts = append(pts, Point{Model: m.Model, X: x, Y: y, YSE: math.NaN(), Layer: layer, Source: "reference " + ref.Name,
			Family: model.Architecture})
	}
	return pts, nil
}
