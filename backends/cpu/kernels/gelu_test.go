package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geluInputs returns n values that exercise a GELU: normal values of standard deviations 1 and 4, the branch points
// of geluErf (x/√2 = −0.5 and ±4), zeros, tiny and huge values, infinities.
func geluInputs(n int) []float32 {
	rng := rand.New(rand.NewPCG(21, 22))
	x := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-40, -0.70710677, -0.7071068, -0.70710683,
		5.656854, -5.656854, 5.6568546, -5.6568546, -9, -13, -14, -20, 30, 1e6, -1e6, 3e38, -3e38,
		float32(math.Inf(1)), float32(math.Inf(-1))}
	for len(x) < n {
		s := 1.0
		if len(x)%2 == 1 {
			s = 4
		}
		x = append(x, float32(s*rng.NormFloat64()))
	}
	return x
}

// geluErfExact and geluTanhExact are the GELUs in float64, written so that they keep their relative accuracy in the
// negative tail: 0.5·x·erfc(−x/√2) and x/(1 + e^(−2u)).
func geluErfExact(x float32) float64 {
	f := float64(x)
	return 0.5 * f * math.Erfc(-f/math.Sqrt2)
}

func geluTanhExact(x float32) float64 {
	f := float64(x)
	return f / (1 + math.Exp(-2*0.7978845608028654*(f+0.044715*f*f*f)))
}

// TestGELUMatchesNaive compares the float32 GELUs elementwise with float64 references. Against geluErfExact and
// geluTanhExact they must stay within 4·10⁻⁷ relative (a few float32 ulps: erf32's absolute error of about 1.2·10⁻⁷
// becomes 2.5·10⁻⁷ relative where 1 + erf(x/√2) is smallest on its branch, 0.48) everywhere, including far into the
// negative tail where the GELU is tiny, and within 2⁻¹⁴⁸ where it is subnormal; where the exact value rounds to 0 or
// ±Inf, or is NaN, so must the result. Against the implementations they replaced (geluErfNaive, geluTanhNaive),
// whose 1 + erf and 1 + tanh cancel in float64 for x ≲ −5, the difference must be within 4·10⁻⁷ relative plus
// 10⁻¹⁵·|x| absolute.
func TestGELUMatchesNaive(t *testing.T) {
	x := geluInputs(100003) // not a multiple of 8 or of the chunk size
	for _, tc := range []struct {
		kind  string
		f     func([]float32, int)
		exact func(float32) float64
		naive func(float32) float32
	}{{"erf", GELUErf, geluErfExact, geluErfNaive}, {"tanh", GELUTanh, geluTanhExact, geluTanhNaive}} {
		f := tc.f
		for _, threads := range []int{1, 2} {
			y := append([]float32(nil), x...)
			f(y, threads)
			worst, worstOld := 0.0, 0.0
			for i, v := range x {
				got, want := float64(y[i]), tc.exact(v)
				if w32 := float64(float32(want)); math.IsInf(w32, 0) || w32 == 0 || math.IsNaN(w32) {
					if got != w32 && !(math.IsNaN(got) && math.IsNaN(w32)) {
						t.Errorf("%s: gelu(%g) = %g, want %g", tc.kind, v, got, w32)
					}
					continue
				}
				if math.Abs(want) < 0x1p-126 { // subnormal: a float32 result has absolute precision 2⁻¹⁴⁹
					if math.Abs(got-want) > 0x1p-148 {
						t.Errorf("%s: gelu(%g) = %g, want %g", tc.kind, v, got, want)
					}
					continue
				}
				rel := math.Abs(got/want - 1)
				if !(rel <= 4e-7) {
					t.Errorf("%s: gelu(%g) = %.9g, want %.9g (rel %.2g)", tc.kind, v, got, want, rel)
				}
				worst = max(worst, rel)
				old := float64(tc.naive(v))
				diff := math.Abs(got - old)
				if !(diff <= 4e-7*math.Abs(old)+1e-15*math.Abs(float64(v))) {
					t.Errorf("%s: gelu(%g) = %.9g, the old implementation gave %.9g", tc.kind, v, got, old)
				}
				worstOld = max(worstOld, diff)
			}
			t.Logf("%s, %d threads: worst relative error %.2g; worst absolute difference from the old code %.2g",
				tc.kind, threads, worst, worstOld)
		}
	}
}

// TestGELUNaN checks that NaN stays NaN on every path.
func TestGELUNaN(t *testing.T) {
	for kind, f := range map[string]func([]float32, int){"erf": GELUErf, "tanh": GELUTanh, "silu": SiLU} {
		y := make([]float32, 17)
		for i := range y {
			y[i] = float32(i) - 8
		}
		y[3], y[16] = float32(math.NaN()), float32(math.NaN())
		f(y, 1)
		for _, i := range []int{3, 16} {
			if !math.IsNaN(float64(y[i])) {
				t.Errorf("%s: gelu(NaN) at %d = %g", kind, i, y[i])
			}
		}
	}
}

// TestExp32 compares exp32 and expShiftAVX2 with math.Exp: within 2 ulps (1.2·10⁻⁷ relative, 2.4·10⁻⁷ for the
// AVX2 version, whose range reduction is in float32) over the whole float32 range, 0 for underflow.
func TestExp32(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	x := []float32{0, -1e-30, 1e-30, -87.3, -87.33654, -87.34, -90, -103, -104, -200, 87, 88, 88.5, 88.72, 88.73, 100}
	for range 100000 {
		x = append(x, float32(-100+190*rng.Float64()))
	}
	for _, v := range x {
		want := math.Exp(float64(v))
		got := float64(expf32(v))
		if math.IsInf(want, 1) || want > math.MaxFloat32 {
			if !math.IsInf(got, 1) && got < float64(float32(want)) {
				t.Errorf("expf32(%g) = %g, want %g", v, got, want)
			}
			continue
		}
		if want < 0x1p-126 { // subnormal: absolute error of half the smallest subnormal
			if math.Abs(got-float64(float32(want))) > 0x1p-150 {
				t.Errorf("expf32(%g) = %g, want %g", v, got, want)
			}
			continue
		}
		if rel := math.Abs(got/want - 1); !(rel <= 1.2e-7) {
			t.Errorf("expf32(%g) = %.9g, want %.9g (rel %.2g)", v, got, want, rel)
		}
	}
	if !math.IsNaN(float64(expf32(float32(math.NaN())))) {
		t.Error("expf32(NaN) is not NaN")
	}
	if !vecMathOK {
		t.Skip("no AVX2/FMA: expShiftAVX2 not available")
	}
	// expShiftAVX2 on non-positive arguments, as softmax calls it: s·scale − shift ≤ 0.
	for _, n := range []int{8, 64, 1000} {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64() * 30)
		}
		s[0] = 100 // the maximum, so every argument is ≤ 0 and some reach −87 and below
		scale := float32(0.7)
		shift := s[0] * scale
		args := make([]float32, n)
		for i, v := range s {
			args[i] = v*scale - shift
		}
		sum := expShiftAVX2(&s[0], n, scale, shift)
		var wantSum float64
		for i, a := range args {
			want := math.Exp(float64(a))
			wantSum += want
			if a < -87.33654 {
				if s[i] != 0 && math.Abs(float64(s[i])-want) > 0x1p-126 {
					t.Errorf("n=%d: exp(%g) = %g, want 0 or %g", n, a, s[i], want)
				}
				continue
			}
			if rel := math.Abs(float64(s[i])/want - 1); !(rel <= 2.4e-7) {
				t.Errorf("n=%d: exp(%g) = %.9g, want %.9g (rel %.2g)", n, a, s[i], want, rel)
			}
		}
		if math.Abs(sum/wantSum-1) > 1e-6 {
			t.Errorf("n=%d: sum %g, want %g", n, sum, wantSum)
		}
	}
}

// TestVectorisedBitwise checks that the vector paths of SiLU and GELUTanh give the bits of their scalar ones (silu1,
// geluTanh1) on random values over the whole float32 range and on the edges of exp32's fast range (where the vector
// paths hand values to the scalar ones), with special values (±0, ±Inf, NaN, subnormals) in every lane position and
// lengths that leave a scalar tail.
func TestVectorisedBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	hi := math.Float32frombits(0x42aeac4e) // the largest x with −x in exp32's fast range
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32,
		-math.MaxFloat32, hi, math.Nextafter32(hi, 100), -88, math.Nextafter32(-88, -100), 1, -1, 20, -20, 87, -87,
	}
	// GELUTanh's w = −2·√(2/π)·(x + 0.044715·x³) crosses 80 near x = −9.67 and −87.33654 near 10.0: every float32
	// in a neighbourhood of both.
	var edges []float32
	for _, c := range []float32{-9.672, 10.002} {
		for x := c - 0.02; x < c+0.02; x = math.Nextafter32(x, 100) {
			edges = append(edges, x)
		}
	}
	for _, n := range []int{1, 7, 8, 9, 64, 1000, geluChunk + 13, len(edges)} {
		x := make([]float32, n)
		for i := range x {
			switch rng.IntN(4) {
			case 0:
				x[i] = specials[rng.IntN(len(specials))]
			case 1:
				x[i] = math.Float32frombits(rng.Uint32()) // anything, NaN payloads included
			default:
				x[i] = float32(rng.NormFloat64() * 6)
			}
		}
		if n == len(edges) {
			copy(x, edges)
		}
		for _, f := range []struct {
			name string
			all  func([]float32, int)
			one  func(float32) float32
		}{{"SiLU", SiLU, silu1}, {"GELUTanh", GELUTanh, geluTanh1}} {
			want := make([]float32, n)
			for i, v := range x {
				want[i] = f.one(v)
			}
			for _, threads := range []int{1, 2} {
				got := append([]float32(nil), x...)
				f.all(got, threads)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("n=%d threads=%d: %s(%g) [bits %#08x] = %g, the scalar path gives %g", n, threads,
							f.name, x[i], math.Float32bits(x[i]), got[i], want[i])
					}
				}
			}
		}
	}
}
