package plot

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
)

// synthSteps is two models' final MLP gain over Pythia's checkpoint steps, rising as 0.8·step^0.2 and 1.5·step^0.1,
// each with a band of ±5 %.
func synthSteps() *StepPanel {
	sp := &StepPanel{YLabel: "final-layer MLP gain", Title: "final-layer MLP gain vs training step"}
	for _, m := range []struct {
		label string
		a, b  float64
	}{{"pythia-160m", 0.8, 0.2}, {"pythia-410m", 1.5, 0.1}} {
		s := Series{Label: m.label}
		for _, step := range []float64{1, 2, 4, 64, 512, 1000, 10000, 143000} {
			y := m.a * math.Pow(step, m.b)
			s.X, s.Y, s.Lo, s.Hi = append(s.X, step), append(s.Y, y), append(s.Lo, 0.95*y), append(s.Hi, 1.05*y)
		}
		sp.Series = append(sp.Series, s)
	}
	return sp
}

// TestStepPanel draws the training-dynamics panel alone: log–log axes, each model in its own colour with the shared
// legend under it, and a step that a log axis cannot show refused.
func TestStepPanel(t *testing.T) {
	if p, err := ParsePanel("steps"); err != nil || p != PanelSteps {
		t.Fatalf("ParsePanel(steps) = %v, %v", p, err)
	}
	sp := synthSteps()
	pl, err := sp.build("t", map[string]int{"pythia-160m": 0, "pythia-410m": 1})
	if err != nil {
		t.Fatal(err)
	}
	_, xlog := pl.X.Scale.(clampedLog)
	_, ylog := pl.Y.Scale.(clampedLog)
	if !xlog || !ylog || pl.X.Min > 1 || pl.X.Max < 143000 {
		t.Errorf("axes: x log %v over [%g, %g], y log %v; want log–log over steps 1 … 143000", xlog, pl.X.Min, pl.X.Max, ylog)
	}

	f := &Figure{Steps: sp}
	texts := svgTexts(t, f)
	for _, want := range []string{"training step", "final-layer MLP gain", "final-layer MLP gain vs training step", "pythia-160m", "pythia-410m"} {
		if _, ok := texts[want]; !ok {
			t.Errorf("no text %q in the SVG: %v", want, texts)
		}
	}
	var buf bytes.Buffer
	if err := f.Render(&buf, PNG); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Each line is 1.25 pt wide across most of the panel, and its markers sit on it: hundreds of solid pixels each.
	for i := range 3 {
		n := colourCount(img, palette[i])
		if used := i < 2; used && n < 300 || !used && n > 0 {
			t.Errorf("colour of series %d: %d solid pixels with two series", i, n)
		}
	}

	bad := synthSteps()
	bad.Series[1].X[0] = 0
	for _, tc := range []struct {
		f    *Figure
		want string
	}{
		{&Figure{Steps: bad}, `series "pythia-410m": step[0] is 0; a log axis needs steps > 0`},
		{&Figure{Scaling: &ScalingPanel{}, Panels: []Panel{PanelSteps}}, "panel steps has no series"},
	} {
		if err := tc.f.Render(&bytes.Buffer{}, SVG); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render: %v, want %q", err, tc.want)
		}
	}
}
