package plot_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/plot"
)

// A figure of the seed note's two models: the last-layer MLP gain of Pythia-1.4B (3.60) and Pythia-6.9B (6.24)
// against their parameter counts, with the power law through them and a prediction for Pythia-12B.
func ExampleFigure() {
	x := []float64{1414647808, 6857302016}
	y := []float64{3.60, 6.24}
	b := math.Log(y[1]/y[0]) / math.Log(x[1]/x[0]) // two points fix the exponent exactly
	law := func(v float64) float64 { return y[0] * math.Pow(v/x[0], b) }

	sp := &plot.ScalingPanel{
		Points:      []plot.Point{{Label: "pythia-1.4b", X: x[0], Y: y[0]}, {Label: "pythia-6.9b", X: x[1], Y: y[1]}},
		LineX:       []float64{x[0], 11846072320},
		LineY:       []float64{y[0], law(11846072320)},
		Predictions: []plot.Point{{Label: "pythia-12b", X: 11846072320, Y: law(11846072320)}},
		XLabel:      "parameters", YLabel: "final_mlp_gain",
		Note: fmt.Sprintf("b = %.3f (two models: no interval)", b),
	}
	fig := &plot.Figure{Scaling: sp, Panels: []plot.Panel{plot.PanelScaling}}

	var svg bytes.Buffer
	if err := fig.Render(&svg, plot.SVG); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sp.Note)
	fmt.Printf("predicted final_mlp_gain of pythia-12b: %.2f\n", sp.Predictions[0].Y)
	fmt.Println("svg:", bytes.Contains(svg.Bytes(), []byte("<svg")))
	// Output:
	// b = 0.348 (two models: no interval)
	// predicted final_mlp_gain of pythia-12b: 7.55
	// svg: true
}
