package plot

import (
	"fmt"

	gplot "gonum.org/v1/plot"
)

// StepPanel is the training-dynamics panel: a model-level metric against the training step of each checkpoint, on
// log–log axes, one Series per model (the models of a sweep, one line per size) with its band when it has one.
//
// A Series' X are training steps and must be positive (step 0 has no place on a log axis: leave it out and say so);
// its Y are the metric's values, positive too. The models share the figure's legend strip, where each keeps its
// colour and marker.
type StepPanel struct {
	Series        []Series
	YLabel, Title string // the metric in words, and the panel's heading; empty ones default to "metric" and p's title
}

// build lays out the panel under title; style maps a series label to its style index.
func (s *StepPanel) build(title string, style map[string]int) (*gplot.Plot, error) {
	for _, se := range s.Series {
		for i, x := range se.X {
			if !positive(x) {
				return nil, fmt.Errorf("%s: series %q: step[%d] is %v; a log axis needs steps > 0", title, se.Label, i, x)
			}
		}
	}
	p := newPanel(title, "training step", orDefault(s.YLabel, "metric"))
	xs, ys, err := addSeries(p, title, s.Series, style)
	if err != nil {
		return nil, err
	}
	setLog(&p.X, xs.lo, xs.hi, 0.03)
	setLog(&p.Y, ys.lo, ys.hi, 0.04)
	return p, nil
}
