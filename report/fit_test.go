package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/layers/layerstest"
)

// TestFitTextTwoPoints checks that the fit of the seed note's two points says that no interval exists.
func TestFitTextTwoPoints(t *testing.T) {
	pts := []fit.Point{
		{Model: "pythia-1.4b", X: 1414647808, Y: 3.60, YSE: math.NaN(), Layer: 23},
		{Model: "pythia-6.9b", X: 6857302016, Y: 6.24, YSE: math.NaN(), Layer: 31},
	}
	r, err := fit.PowerLaw(pts, fit.Options{Targets: []fit.Target{{Label: "175e9", X: 175e9, Source: "given"}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteFitText(&buf, r, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "no interval") {
		t.Errorf("text output does not say that no interval exists:\n%s", buf.String())
	}
}

// TestFitTextFull checks the text of a fit with every section: t intervals, three bootstraps, predictions,
// leave-one-out, the offset form and the model comparison.
func TestFitTextFull(t *testing.T) {
	var ps []*layers.Profile
	for i := range 5 {
		x := 1e8 * math.Pow(4, float64(i))
		final := 0.002 * math.Pow(x, 0.35) * (1 + 0.05*math.Sin(float64(3*i)))
		run := layerstest.SynthRun(fmt.Sprintf("m%d", i), int64(x), 8, map[string][]layerstest.LayerSpec{
			"mlp": {{Gain: 0.9, Spread: 0.05}, {Gain: 0.8, Spread: 0.05}, {Gain: final, Spread: 0.1}},
		})
		p, err := layers.NewProfile(run)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	m, _ := layers.MetricByName("final_mlp_gain")
	pts, err := fit.PointsFromProfiles(ps, nil, m, "params", 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := fit.PowerLaw(pts, fit.Options{X: "params", Y: m.Name, Form: fit.FormBoth, Metric: &m, Bootstrap: fit.DefaultBootstraps(pts),
		Resamples: 500, Seed: 2, Targets: []fit.Target{{Label: "175e9", X: 175e9, Source: "given"}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteFitText(&buf, r, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Exponent b = 0.347", "Student t, 3 df", "hierarchical", "pairs", "n = 5 < 8", "Leave-one-out",
		"Model comparison", "ΔAIC", "median"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, buf.String())
		}
	}
}
