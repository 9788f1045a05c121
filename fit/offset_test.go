package fit

import (
	"math"
	"strings"
	"testing"
)

type offsetGolden struct {
	Offset []struct {
		Name      string        `json:"name"`
		X         []float64     `json:"x"`
		Y         []float64     `json:"y"`
		Popt      [3]float64    `json:"popt"`
		Pcov      [3][3]float64 `json:"pcov"`
		RSS       float64       `json:"rss"`
		PowerPopt [2]float64    `json:"power_popt"`
		PowerRSS  float64       `json:"power_rss"`
	} `json:"offset"`
}

// TestOffsetMatchesCurveFit compares y = c + a·x^b with scipy.optimize.curve_fit (Levenberg–Marquardt at tolerances
// of 1e-15): the parameters to 1e-6, their covariance to 1e-4 (it depends on the Jacobian at the optimum), the
// residual sum of squares to 1e-9.
func TestOffsetMatchesCurveFit(t *testing.T) {
	var g offsetGolden
	readGoldenInto(t, &g)
	for _, c := range g.Offset {
		f, err := FitOffset(c.X, c.Y)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !f.Converged || !f.Identified || f.Agree < 2 || f.Note != "" {
			t.Errorf("%s: converged %v identified %v agree %d/%d note %q", c.Name, f.Converged, f.Identified, f.Agree, f.Starts, f.Note)
		}
		for i, got := range []float64{f.C, f.A, f.B} {
			if !closeRel(got, c.Popt[i], 1e-6, 1e-9) {
				t.Errorf("%s: parameter %d = %.12g, curve_fit %.12g", c.Name, i, got, c.Popt[i])
			}
			for j := range 3 {
				if !closeRel(f.Cov[i][j], c.Pcov[i][j], 1e-4, 1e-12) {
					t.Errorf("%s: cov[%d][%d] = %.8g, curve_fit %.8g", c.Name, i, j, f.Cov[i][j], c.Pcov[i][j])
				}
			}
		}
		if !closeRel(f.RSS, c.RSS, 1e-9, 1e-15) {
			t.Errorf("%s: RSS %.15g, curve_fit %.15g", c.Name, f.RSS, c.RSS)
		}
		a, b, rss, conv, err := nlsPower(c.X, c.Y)
		if err != nil || !conv {
			t.Fatalf("%s: power NLS: %v (converged %v)", c.Name, err, conv)
		}
		if !closeRel(a, c.PowerPopt[0], 1e-6, 0) || !closeRel(b, c.PowerPopt[1], 1e-6, 0) || !closeRel(rss, c.PowerRSS, 1e-9, 0) {
			t.Errorf("%s: power NLS a %v b %v rss %v, curve_fit %v %v", c.Name, a, b, rss, c.PowerPopt, c.PowerRSS)
		}
	}
}

// TestOffsetExact recovers an exact offset law from noiseless data, where the loss is zero at the optimum.
func TestOffsetExact(t *testing.T) {
	var x, y []float64
	for i := range 6 {
		xi := 1e8 * math.Pow(4, float64(i))
		x, y = append(x, xi), append(y, 1.5+0.02*math.Pow(xi, 0.3))
	}
	f, err := FitOffset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !closeRel(f.C, 1.5, 1e-7, 0) || !closeRel(f.A, 0.02, 1e-6, 0) || !closeRel(f.B, 0.3, 1e-7, 0) || !f.Converged {
		t.Errorf("c %v a %v b %v converged %v (decrement %v)", f.C, f.A, f.B, f.Converged, f.Decrement)
	}
}

// TestOffsetComparison: the AIC/BIC of both forms follow the Gaussian log-likelihood formula, and on data with a
// clear offset the offset form wins.
func TestOffsetComparison(t *testing.T) {
	var pts []Point
	for i := range 7 {
		x := 1e8 * math.Pow(3, float64(i))
		pts = append(pts, Point{Model: "m", X: x, Y: 3 + 0.001*math.Pow(x, 0.4)*(1+0.01*math.Sin(float64(i)))})
	}
	r, err := PowerLaw(pts, Options{Form: FormBoth})
	if err != nil {
		t.Fatal(err)
	}
	if r.Form != FormPower || r.Offset == nil || len(r.Comparison) != 2 {
		t.Fatalf("form %s offset %v comparison %d", r.Form, r.Offset, len(r.Comparison))
	}
	n := 7.0
	for _, s := range r.Comparison {
		ll := -n / 2 * (math.Log(2*math.Pi*s.RSS/n) + 1)
		if !closeRel(s.AIC, 2*float64(s.K)-2*ll, 1e-12, 1e-12) || !closeRel(s.BIC, float64(s.K)*math.Log(n)-2*ll, 1e-12, 1e-12) {
			t.Errorf("%s: AIC %v BIC %v", s.Form, s.AIC, s.BIC)
		}
	}
	if r.Comparison[1].AIC >= r.Comparison[0].AIC {
		t.Errorf("offset AIC %v not below power AIC %v", r.Comparison[1].AIC, r.Comparison[0].AIC)
	}
	ro, err := PowerLaw(pts, Options{Form: FormOffset, Targets: []Target{{Label: "t", X: 1e12}}})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Exponent != ro.Offset.B || !ro.ExponentCI.Contains(0.4) || !ro.Predictions[0].PI.Defined() {
		t.Errorf("offset headline: b %v ci %v prediction %+v", ro.Exponent, ro.ExponentCI, ro.Predictions[0])
	}
	if len(ro.Bootstraps) != 0 {
		t.Errorf("offset form ran bootstraps")
	}
	_, err = PowerLaw(pts[:3], Options{Form: FormOffset})
	if err == nil || !strings.Contains(err.Error(), "at least 4") {
		t.Errorf("n = 3 offset: %v", err)
	}
}
