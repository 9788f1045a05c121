package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-12)
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestLinear compares Linear, in both weight layouts, with a float64 triple loop over shapes that exercise full and
// partial tiles in every dimension and the reduction split into blocks of gemmKC.
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
		{5, 2*gemmKC + 3, 9, 2, true},
		{32, 4 * gemmKC, 64, 4, false},
	} {
		x := randSlice(rng, tc.T*tc.dIn)
		w := randSlice(rng, tc.dOut*tc.dIn)
		var b []float32
		if tc.bias {
			b = randSlice(rng, tc.dOut)
		}
		for _, inOut := range []bool{false, true} {
			got := make([]float32, tc.T*tc.dOut)
			for i := range got {
				got[i] = float32(math.NaN()) // every output must be written
			}
			m := F32Matrix(w, tc.dOut, tc.dIn)
			if inOut {
				m = F32Matrix(w, tc.dIn, tc.dOut)
			}
			Linear(got, x, m, b, tc.T, inOut, tc.threads, nil)
			for r := 0; r < tc.T; r++ {
				for o := 0; o < tc.dOut; o++ {
					var want, scale float64
					if b != nil {
						want, scale = float64(b[o]), math.Abs(float64(b[o]))
					}
					for k := 0; k < tc.dIn; k++ {
						wk := w[o*tc.dIn+k]
						if inOut {
							wk = w[k*tc.dOut+o]
						}
						p := float64(x[r*tc.dIn+k]) * float64(wk)
						want += p
						scale += math.Abs(p)
					}
					// float32 accumulation: error bounded by a few ulps of the sum of |terms| times √dIn.
					tol := 1e-6 * scale * math.Sqrt(float64(tc.dIn))
					if g := float64(got[r*tc.dOut+o]); !(math.Abs(g-want) <= tol) {
						t.Fatalf("T=%d dIn=%d dOut=%d inOut=%v: y[%d][%d] = %g, want %g ± %g", tc.T, tc.dIn, tc.dOut,
							inOut, r, o, g, want, tol)
					}
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
	for _, inOut := range []bool{false, true} {
		one, many := make([]float32, T*dOut), make([]float32, T*dOut)
		m := F32Matrix(w, dOut, dIn)
		if inOut {
			m = F32Matrix(w, dIn, dOut)
		}
		Linear(one, x, m, b, T, inOut, 1, nil)
		Linear(many, x, m, b, T, inOut, 5, nil)
		for i := range one {
			if one[i] != many[i] {
				t.Fatalf("inOut=%v: y[%d]: %g with 1 thread, %g with 5", inOut, i, one[i], many[i])
			}
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
	LayerNorm(got, x, w, b, 2, 4, eps, 2)
	r := 1 / math.Sqrt(3.5+eps)
	want := []float64{-2 * r, 1 + 2*(-1*r), 0, -3*r + 0.25, 0, 1, 0, 0.25} // a constant row normalises to 0
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Errorf("y[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	// Without a bias, the same less b.
	noBias := make([]float32, 8)
	LayerNorm(noBias, x, w, nil, 2, 4, eps, 1)
	for i := range noBias {
		if noBias[i] != got[i]-b[i%4] {
			t.Errorf("no bias: y[%d] = %g, want %g", i, noBias[i], got[i]-b[i%4])
		}
	}
	// In place gives the same result.
	LayerNorm(x, x, w, b, 2, 4, eps, 2)
	for i := range x {
		if x[i] != got[i] {
			t.Errorf("in place y[%d] = %g, want %g", i, x[i], got[i])
		}
	}
}

// TestRMSNorm checks one row by hand: [1, 2, 2, 4] has mean square 25/4, so it divides by √(6.25 + eps) ≈ 2.5; the
// unit offset scales by 1 + w instead of w.
func TestRMSNorm(t *testing.T) {
	x := []float32{1, 2, 2, 4}
	w := []float32{1, -2, 0.5, 0}
	eps := 1e-6
	r := 1 / math.Sqrt(6.25+eps)
	for _, unit := range []bool{false, true} {
		got := make([]float32, 4)
		RMSNorm(got, x, w, 1, 4, eps, unit, 2)
		for i := range got {
			scale := float64(w[i])
			if unit {
				scale++
			}
			if want := float64(x[i]) * r * scale; math.Abs(float64(got[i])-want) > 1e-6 {
				t.Errorf("unitOffset %v: y[%d] = %g, want %g", unit, i, got[i], want)
			}
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
		if got := L2Norm(tc.x); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("L2Norm(%v) = %g, want %g", tc.x, got, tc.want)
		}
	}
}

// TestGELU checks both GELUs against values from torch.nn.functional.gelu in float64.
func TestGELU(t *testing.T) {
	x := []float32{1, -0.5, 2.5, -3}
	erf := []float64{0.841344746068543, -0.15426876936299344, 2.4844758366855597, -0.00404969409489031}
	tanh := []float64{0.8411919906082768, -0.15428599017485606, 2.484915733910001, -0.0036373920817729943}
	// torch.nn.functional.silu in float64 at the same points.
	silu := []float64{0.7310585786300049, -0.1887703343990727, 2.3103545499468914, -0.14227761953270035}
	for _, tc := range []struct {
		kind string
		f    func([]float32, int)
		want []float64
	}{{"erf", GELUErf, erf}, {"tanh", GELUTanh, tanh}, {"silu", SiLU, silu}} {
		y := append([]float32(nil), x...)
		tc.f(y, 1)
		for i := range y {
			if !relClose(float64(y[i]), tc.want[i], 1e-7) {
				t.Errorf("%s(%g) = %.9g, want %.9g", tc.kind, x[i], y[i], tc.want[i])
			}
		}
	}
}

// TestRopeValues checks one rotation by hand: r = 4, base 100 gives inv_freq = [1, 1/10]; at position 3 the pairs
// (x0, x2) and (x1, x3) turn by 3 and 0.3 radians, and dims beyond r are untouched.
func TestRopeValues(t *testing.T) {
	p := NewRope([]float32{1, 0.1}, 1)
	p.Grow(5)
	x := []float32{1, 2, 3, 4, 5}
	p.Apply(x, 3)
	c0, s0, c1, s1 := math.Cos(3), math.Sin(3), math.Cos(0.3), math.Sin(0.3)
	want := []float64{1*c0 - 3*s0, 2*c1 - 4*s1, 3*c0 + 1*s0, 4*c1 + 2*s1, 5}
	for i := range want {
		if math.Abs(float64(x[i])-want[i]) > 1e-6 {
			t.Errorf("x[%d] = %g, want %g", i, x[i], want[i])
		}
	}
	q := []float32{1, 2}
	NewRope(nil, 1).Apply(q, 3) // no rotary dims: a no-op
	if q[0] != 1 || q[1] != 2 {
		t.Errorf("r = 0 changed the vector: %v", q)
	}
}

// TestRopeRelative checks the property rotary embeddings exist for: with every dim rotated, the score between a query
// at position i and a key at position j depends only on i − j.
func TestRopeRelative(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	hd := 8
	p := NewRope([]float32{1, 0.1, 0.01, 0.001}, 1)
	p.Grow(40)
	q0, k0 := randSlice(rng, hd), randSlice(rng, hd)
	score := func(i, j int) float64 {
		q, k := append([]float32(nil), q0...), append([]float32(nil), k0...)
		p.Apply(q, i)
		p.Apply(k, j)
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

// TestNLL: logits log 1, log 2, log 3 give p = 1/6, 2/6, 3/6, so −log p for the last is log 2. A large offset must
// not overflow.
func TestNLL(t *testing.T) {
	for _, off := range []float64{0, 1000} {
		logits := []float32{float32(off), float32(off + math.Log(2)), float32(off + math.Log(3))}
		for target, want := range []float64{math.Log(6), math.Log(3), math.Log(2)} {
			if got := NLL(logits, target); math.Abs(got-want) > 1e-4 {
				t.Errorf("offset %g: NLL(target %d) = %g, want %g", off, target, got, want)
			}
		}
	}
}

func TestParallelFor(t *testing.T) {
	for _, threads := range []int{0, 1, 3, 100} {
		hits := make([]int, 50)
		ParallelFor(len(hits), threads, func(i, worker int) {
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

// TestNormRowBitwise checks that normRow's vector path gives the bits of its definition,
// float32((float64(x) − c)·r)·w + b, with and without b, on lengths that leave a scalar tail; and that sum and sumSq,
// whose vector paths add in sixteen partial sums, agree with float64 loops within the loops' own rounding bound,
// n·2⁻⁵² of the sum of magnitudes.
func TestNormRowBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{1, 7, 8, 15, 16, 17, 100, 4096} {
		x, w, b := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
		c, r := rng.NormFloat64(), 1+rng.Float64()
		for _, bias := range [][]float32{nil, b} {
			got := make([]float32, n)
			normRow(got, x, w, bias, c, r)
			for i := range got {
				want := float32((float64(x[i])-c)*r) * w[i]
				if bias != nil {
					want += bias[i]
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d bias=%t: out[%d] = %g, want %g", n, bias != nil, i, got[i], want)
				}
			}
		}
		var s, abs, ss float64
		for _, v := range x {
			s += float64(v)
			abs += math.Abs(float64(v))
			ss += (float64(v) - c) * (float64(v) - c)
		}
		tol := float64(n) * 0x1p-52
		if got := sum(x); math.Abs(got-s) > tol*abs {
			t.Errorf("n=%d: sum = %.17g, want %.17g", n, got, s)
		}
		if got := sumSq(x, c); math.Abs(got-ss) > tol*ss {
			t.Errorf("n=%d: sumSq = %.17g, want %.17g", n, got, ss)
		}
	}
}
