package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestLinear compares linear with a float64 triple loop over shapes that exercise full and partial tiles in every
// dimension and the reduction split into chunks of linK.
func TestLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		T, dIn, dOut, threads int
		bias                  bool
	}{
		{1, 1, 1, 1, true},
		{3, 5, 7, 2, false},
		{33, 17, 65, 3, true},
		{70, 40, 130, 2, true},
		{5, 2*linK + 3, 9, 2, true},
		{linRows, linK, linCols, 4, false},
	} {
		x := randSlice(rng, tc.T*tc.dIn)
		w := randSlice(rng, tc.dOut*tc.dIn)
		var b []float32
		if tc.bias {
			b = randSlice(rng, tc.dOut)
		}
		got := make([]float32, tc.T*tc.dOut)
		for i := range got {
			got[i] = float32(math.NaN()) // every output must be written
		}
		linear(got, x, w, b, tc.T, tc.dIn, tc.dOut, tc.threads)
		for r := 0; r < tc.T; r++ {
			for o := 0; o < tc.dOut; o++ {
				var want, scale float64
				if b != nil {
					want, scale = float64(b[o]), math.Abs(float64(b[o]))
				}
				for k := 0; k < tc.dIn; k++ {
					p := float64(x[r*tc.dIn+k]) * float64(w[o*tc.dIn+k])
					want += p
					scale += math.Abs(p)
				}
				// float32 accumulation: error bounded by a few ulps of the sum of |terms| times √dIn.
				tol := 1e-6 * scale * math.Sqrt(float64(tc.dIn))
				if g := float64(got[r*tc.dOut+o]); !(math.Abs(g-want) <= tol) {
					t.Fatalf("T=%d dIn=%d dOut=%d: y[%d][%d] = %g, want %g ± %g", tc.T, tc.dIn, tc.dOut, r, o, g, want, tol)
				}
			}
		}
	}
}

// TestLinearThreadsBitwise checks that the result does not depend on the number of threads: each output is summed in
// the same order whichever goroutine computes it.
func TestLinearThreadsBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	T, dIn, dOut := 45, 1500, 70
	x, w, b := randSlice(rng, T*dIn), randSlice(rng, dOut*dIn), randSlice(rng, dOut)
	one, many := make([]float32, T*dOut), make([]float32, T*dOut)
	linear(one, x, w, b, T, dIn, dOut, 1)
	linear(many, x, w, b, T, dIn, dOut, 5)
	for i := range one {
		if one[i] != many[i] {
			t.Fatalf("y[%d]: %g with 1 thread, %g with 5", i, one[i], many[i])
		}
	}
}

func TestLayerNorm(t *testing.T) {
	// Row [1, 2, 3, 6]: mean 3, biased variance (4+1+0+9)/4 = 3.5.
	x := []float32{1, 2, 3, 6, 5, 5, 5, 5}
	w := []float32{1, 2, 0.5, -1}
	b := []float32{0, 1, 0, 0.25}
	eps := 1e-5
	got := make([]float32, 8)
	layerNorm(got, x, w, b, 2, 4, eps)
	r := 1 / math.Sqrt(3.5+eps)
	want := []float64{-2 * r, 1 + 2*(-1*r), 0, -3*r + 0.25, 0, 1, 0, 0.25} // a constant row normalises to 0
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Errorf("y[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	// In place gives the same result.
	layerNorm(x, x, w, b, 2, 4, eps)
	for i := range x {
		if x[i] != got[i] {
			t.Errorf("in place y[%d] = %g, want %g", i, x[i], got[i])
		}
	}
}

func TestL2Norm(t *testing.T) {
	for _, tc := range []struct {
		x    []float32
		want float64
	}{
		{nil, 0},
		{[]float32{3}, 3},
		{[]float32{3, 4}, 5},
		{[]float32{1, 2, 2}, 3},
		{[]float32{1e20, 1e20}, float64(float32(1e20)) * math.Sqrt2}, // float64 accumulation does not overflow
	} {
		if got := l2Norm(tc.x); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("l2Norm(%v) = %g, want %g", tc.x, got, tc.want)
		}
	}
}

// TestGELU checks both GELUs against values from torch.nn.functional.gelu in float64.
func TestGELU(t *testing.T) {
	x := []float32{1, -0.5, 2.5, -3}
	erf := []float64{0.841344746068543, -0.15426876936299344, 2.4844758366855597, -0.00404969409489031}
	tanh := []float64{0.8411919906082768, -0.15428599017485606, 2.484915733910001, -0.0036373920817729943}
	for _, tc := range []struct {
		kind string
		want []float64
	}{{"", erf}, {"erf", erf}, {"tanh", tanh}} {
		f, err := geluFor(tc.kind)
		if err != nil {
			t.Fatal(err)
		}
		y := append([]float32(nil), x...)
		f(y, 1)
		for i := range y {
			if !relClose(float64(y[i]), tc.want[i], 1e-7) {
				t.Errorf("gelu %q (%g) = %.9g, want %.9g", tc.kind, x[i], y[i], tc.want[i])
			}
		}
	}
	if _, err := geluFor("relu"); err == nil {
		t.Error("geluFor(\"relu\") did not fail")
	}
}

// TestRopeValues checks one rotation by hand: r = 4, base 100 gives inv_freq = [1, 1/10]; at position 3 the pairs
// (x0, x2) and (x1, x3) turn by 3 and 0.3 radians, and dims beyond r are untouched.
func TestRopeValues(t *testing.T) {
	p := newRope(4, 100, 5)
	x := []float32{1, 2, 3, 4, 5}
	p.apply(x, 3)
	c0, s0, c1, s1 := math.Cos(3), math.Sin(3), math.Cos(0.3), math.Sin(0.3)
	want := []float64{1*c0 - 3*s0, 2*c1 - 4*s1, 3*c0 + 1*s0, 4*c1 + 2*s1, 5}
	for i := range want {
		if math.Abs(float64(x[i])-want[i]) > 1e-6 {
			t.Errorf("x[%d] = %g, want %g", i, x[i], want[i])
		}
	}
	q := []float32{1, 2}
	newRope(0, 10000, 4).apply(q, 3) // no rotary dims: a no-op
	if q[0] != 1 || q[1] != 2 {
		t.Errorf("r = 0 changed the vector: %v", q)
	}
}

// TestRopeRelative checks the property rotary embeddings exist for: with every dim rotated, the score between a query
// at position i and a key at position j depends only on i − j.
func TestRopeRelative(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	hd := 8
	p := newRope(hd, 10000, 40)
	q0, k0 := randSlice(rng, hd), randSlice(rng, hd)
	score := func(i, j int) float64 {
		q, k := append([]float32(nil), q0...), append([]float32(nil), k0...)
		p.apply(q, i)
		p.apply(k, j)
		var s float64
		for e := range q {
			s += float64(q[e]) * float64(k[e])
		}
		return s
	}
	for _, tc := range [][4]int{{5, 2, 13, 10}, {7, 7, 30, 30}, {20, 1, 39, 20}} {
		a, b := score(tc[0], tc[1]), score(tc[2], tc[3])
		if math.Abs(a-b) > 1e-4 {
			t.Errorf("score(%d,%d) = %g but score(%d,%d) = %g", tc[0], tc[1], a, tc[2], tc[3], b)
		}
	}
}

// TestAttention compares attention with a float64 implementation written from the definitions: q, k, v picked out
// of the [T, H, 3·hd] view, rotary from the angle formula, explicit causal softmax.
func TestAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ T, H, hd, r, threads int }{
		{1, 1, 4, 2, 1},
		{9, 3, 8, 2, 2},
		{17, 2, 16, 16, 3},
		{12, 4, 6, 0, 4},
	} {
		d := tc.H * tc.hd
		base := 10000.0
		qkv := randSlice(rng, tc.T*3*d)
		got := make([]float32, tc.T*d)
		ws := newAttnWorkspace(tc.T, tc.H, tc.hd, tc.threads)
		attention(got, qkv, tc.T, tc.H, tc.hd, newRope(tc.r, base, tc.T), tc.threads, ws)

		at := func(t, h, part, e int) float64 { return float64(qkv[t*3*d+h*3*tc.hd+part*tc.hd+e]) }
		rot := func(t, h, part int) []float64 { // rotary applied to q (part 0) or k (part 1)
			out := make([]float64, tc.hd)
			for e := range out {
				out[e] = at(t, h, part, e)
			}
			half := tc.r / 2
			for i := 0; i < half; i++ {
				theta := float64(t) * math.Pow(base, -float64(2*i)/float64(tc.r))
				a, b := out[i], out[i+half]
				out[i] = a*math.Cos(theta) - b*math.Sin(theta)
				out[i+half] = b*math.Cos(theta) + a*math.Sin(theta)
			}
			return out
		}
		for h := 0; h < tc.H; h++ {
			for i := 0; i < tc.T; i++ {
				q := rot(i, h, 0)
				w := make([]float64, i+1)
				var z float64
				for j := 0; j <= i; j++ {
					k := rot(j, h, 1)
					var s float64
					for e := range q {
						s += q[e] * k[e]
					}
					w[j] = math.Exp(s / math.Sqrt(float64(tc.hd)))
					z += w[j]
				}
				for e := 0; e < tc.hd; e++ {
					var want float64
					for j := 0; j <= i; j++ {
						want += w[j] / z * at(j, h, 2, e)
					}
					if g := float64(got[i*d+h*tc.hd+e]); math.Abs(g-want) > 1e-5 {
						t.Fatalf("T=%d H=%d hd=%d r=%d: out[%d][head %d][%d] = %g, want %g",
							tc.T, tc.H, tc.hd, tc.r, i, h, e, g, want)
					}
				}
			}
		}
	}
}

// TestNLL: logits log 1, log 2, log 3 give p = 1/6, 2/6, 3/6, so −log p for the last is log 2. A large offset must
// not overflow.
func TestNLL(t *testing.T) {
	for _, off := range []float64{0, 1000} {
		logits := []float32{float32(off), float32(off + math.Log(2)), float32(off + math.Log(3))}
		for target, want := range []float64{math.Log(6), math.Log(3), math.Log(2)} {
			if got := nll(logits, target); math.Abs(got-want) > 1e-4 {
				t.Errorf("offset %g: nll(target %d) = %g, want %g", off, target, got, want)
			}
		}
	}
}

func TestParallelFor(t *testing.T) {
	for _, threads := range []int{0, 1, 3, 100} {
		hits := make([]int, 50)
		parallelFor(len(hits), threads, func(i, worker int) {
			if worker < 0 || worker >= max(threads, 1) {
				t.Errorf("worker %d with %d threads", worker, threads)
			}
			hits[i]++
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("threads %d: index %d ran %d times", threads, i, h)
			}
		}
	}
}
