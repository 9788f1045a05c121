package cli

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/plot"
)

// buildStepFigure is plot --x step: the metric opt.Y of every checkpoint against its training step, one line per
// model in the order of ps (the order of size, from readRuns), each model's checkpoints in training order
// (layers.ByModel).
//
// A point's band is the layer-bootstrap interval of the gain the metric was read from, as in the scaling panel
// (buildScalingPanel); a model gets a band when every one of its points has one. A checkpoint at step 0 or at a
// revision without a step (main) has no place on a log axis of steps, nor has a value ≤ 0 on a log axis of y: they
// are left out, and the warnings say how many and why.
func buildStepFigure(ps []*layers.Profile, sources []string, opt plotOptions) (*plot.Figure, []string, error) {
	metric, err := layers.MetricByName(opt.Y)
	if err != nil {
		return nil, nil, err
	}
	sp := &plot.StepPanel{YLabel: metric.Label, Title: metric.Label + " vs training step"}
	var noStep, zero, notPositive []string
	for _, m := range layers.ByModel(ps) {
		s := plot.Series{Label: m.Model}
		banded := opt.Resamples > 0 && metric.HasLayer
		for _, i := range m.Runs {
			p := ps[i]
			step, ok := p.Step()
			switch {
			case !ok:
				noStep = append(noStep, p.Name())
				continue
			case step == 0:
				zero = append(zero, p.Name())
				continue
			case !p.Has(metric.Component):
				return nil, nil, fmt.Errorf("%s: model %q: the run has no %q component, which %s needs", sources[i], p.Name(), metric.Component, metric.Name)
			}
			y, layer := metric.Eval(p, nil)
			if !(y > 0) || math.IsInf(y, 0) {
				notPositive = append(notPositive, fmt.Sprintf("%s (%s)", p.Name(), textfmt.Gain(y)))
				continue
			}
			s.X, s.Y = append(s.X, float64(step)), append(s.Y, y)
			if banded {
				ivs := layers.Intervals(p, metric.Component, opt.Resamples, opt.Confidence, opt.Seed)
				if layer < 0 || layer >= len(ivs) || !ivs[layer].Defined() || ivs[layer].Gain != y {
					banded = false
					continue
				}
				s.Lo, s.Hi = append(s.Lo, ivs[layer].Lo), append(s.Hi, ivs[layer].Hi)
			}
		}
		if len(s.X) == 0 {
			continue
		}
		if !banded {
			s.Lo, s.Hi = nil, nil
		}
		sp.Series = append(sp.Series, s)
	}
	var warnings []string
	for _, w := range []struct {
		names []string
		why   string
	}{
		{zero, "step 0 has no place on a log axis of steps"},
		{noStep, "the revision names no training step"},
		{notPositive, metric.Name + " ≤ 0 has no place on a log axis"},
	} {
		if len(w.names) > 0 {
			warnings = append(warnings, fmt.Sprintf("left out %s: %s (%s)", textfmt.Plural(len(w.names), "checkpoint"), w.why, listSome(w.names, 4)))
		}
	}
	if len(sp.Series) == 0 {
		return nil, nil, fmt.Errorf("--x step: no checkpoint to draw: %s", strings.Join(warnings, "; "))
	}
	return &plot.Figure{Steps: sp, Panels: []plot.Panel{plot.PanelSteps}}, warnings, nil
}

// listSome joins the first n of names and says how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
