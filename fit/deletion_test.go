package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveLOO refits the line to the other n − 1 points for each point: the definition that leaveOneOut computes in O(n).
func naiveLOO(t, u, w []float64, confidence float64) (pred []float64, pi []Bounds) {
	n := len(t)
	pred, pi = make([]float64, n), make([]Bounds, n)
	for i := range n {
		var tt, uu, ww []float64
		for j := range n {
			if j != i {
				tt, uu, ww = append(tt, t[j]), append(uu, u[j]), append(ww, w[j])
			}
		}
		pred[i], pi[i] = math.NaN(), undefinedBounds
		if l, err := FitLine(tt, uu, ww); err == nil {
			m, _ := l.Predict(t[i])
			pred[i], pi[i] = math.Exp(m), l.PredCI(t[i], w[i], confidence).Exp()
		}
	}
	return pred, pi
}

// TestLeaveOneOutDeletion checks the deletion formulas of Line.without against refits, on random data sets weighted
// and not, with repeated x, and with a point whose removal leaves a single x (no fit, as with a refit).
func TestLeaveOneOutDeletion(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	same := func(a, b float64) bool {
		return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
	}
	cases := [][]float64{
		{1, 2, 2, 2},       // removing the first leaves one x
		{1, 1, 2, 2, 3},    // repeated x
		{5, 6, 7},          // n = 3: the others are two points, an exact line with no interval
		{1, 2, 3, 4, 5, 6}, // plain
	}
	for k := range 40 {
		n := 3 + rng.IntN(30)
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Exp(rng.Float64() * 10)
		}
		if k%5 == 0 {
			x[rng.IntN(n)] = x[0]
		}
		cases = append(cases, x)
	}
	for c, x := range cases {
		n := len(x)
		pts := make([]Point, n)
		tv, uv, wv := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range pts {
			y := 0.3 * math.Pow(x[i], 0.2) * math.Exp(0.1*rng.NormFloat64())
			pts[i] = Point{Model: "m", X: x[i], Y: y, YSE: math.NaN()}
			tv[i], uv[i], wv[i] = math.Log(x[i]), math.Log(y), 1
			if c%2 == 1 {
				wv[i] = 0.1 + rng.Float64()*10
			}
		}
		got := leaveOneOut(pts, tv, uv, wv, 0.9)
		pred, pi := naiveLOO(tv, uv, wv, 0.9)
		for i := range n {
			if !same(got[i].Predicted, pred[i]) || !same(got[i].PI.Lo, pi[i].Lo) || !same(got[i].PI.Hi, pi[i].Hi) {
				t.Errorf("case %d (n = %d), point %d: predicted %v, PI %v; refit gives %v, %v", c, n, i, got[i].Predicted, got[i].PI, pred[i], pi[i])
			}
			if (got[i].Covered != nil) != pi[i].Defined() {
				t.Errorf("case %d, point %d: covered %v with PI %v", c, i, got[i].Covered, pi[i])
			}
		}
	}
}

// BenchmarkLeaveOneOut200k is the leave-one-out of 200 000 models (a --points file that size took over a minute
// when each model was refitted to the others).
func BenchmarkLeaveOneOut200k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 200_000
	pts := make([]Point, n)
	tv, uv, wv := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range pts {
		x := math.Exp(14 + 12*rng.Float64())
		y := 0.5 * math.Pow(x, 0.1) * math.Exp(0.05*rng.NormFloat64())
		pts[i] = Point{Model: "m", X: x, Y: y}
		tv[i], uv[i], wv[i] = math.Log(x), math.Log(y), 1
	}
	for b.Loop() {
		leaveOneOut(pts, tv, uv, wv, 0.95)
	}
}

// TestCasesJackknifeDeletion checks the O(n) jackknife of the pairs and residual bootstraps against refits with
// lineStats, weighted and not, and that it reports a leave-one-out fit with every x equal as such.
func TestCasesJackknifeDeletion(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for c := range 30 {
		n := 3 + rng.IntN(40)
		bp := &bootProblem{t: make([]float64, n), u: make([]float64, n), w: make([]float64, n), targets: []float64{20, 30}}
		for i := range n {
			bp.t[i] = 10 * rng.Float64()
			bp.u[i] = 0.2*bp.t[i] + rng.NormFloat64()
			bp.w[i] = 1
			if c%2 == 1 {
				bp.w[i] = 0.1 + 5*rng.Float64()
			}
		}
		got := casesJackknife(bp, bp.u)
		out := make([]float64, bp.k())
		for i := range n {
			var tt, uu, ww []float64
			for m := range n {
				if m != i {
					tt, uu, ww = append(tt, bp.t[m]), append(uu, bp.u[m]), append(ww, bp.w[m])
				}
			}
			if !lineStats(tt, uu, ww, bp.targets, out) {
				t.Fatalf("case %d: refit %d failed", c, i)
			}
			for j := range out {
				if g := got[j][0][i]; math.Abs(g-out[j]) > 1e-10*math.Max(1, math.Abs(out[j])) {
					t.Errorf("case %d, model %d, statistic %d: %v, refit %v", c, i, j, g, out[j])
				}
			}
		}
	}
	one := &bootProblem{t: []float64{1, 2, 2, 2}, u: []float64{0, 1, 2, 3}, w: []float64{1, 1, 1, 1}}
	if casesJackknife(one, one.u) != nil {
		t.Error("leaving out the only point at x = 1 leaves one x, but the jackknife has values")
	}
}

// BenchmarkCasesJackknife200k is the BCa jackknife of the pairs bootstrap on 200 000 models.
func BenchmarkCasesJackknife200k(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 200_000
	bp := &bootProblem{t: make([]float64, n), u: make([]float64, n), w: make([]float64, n), targets: []float64{30}}
	for i := range n {
		bp.t[i], bp.u[i], bp.w[i] = 14+12*rng.Float64(), rng.NormFloat64(), 1
	}
	for b.Loop() {
		casesJackknife(bp, bp.u)
	}
}
