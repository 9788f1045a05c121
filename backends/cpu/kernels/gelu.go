package kernels

import (
	"math"
	"math/bits"
	"unsafe"
)

// geluChunk is how many values one task of a parallel GELU covers.
const geluChunk = 16 << 10

// GELUErf is the exact GELU, 0.5·x·(1 + erf(x/√2)). Where x/√2 ≥ −0.5, 1 + erf ≥ 0.48 and the float32 erf32 is
// accurate to a few float32 ulps of the result. Further left 1 + erf(x/√2) = erfc(|x|/√2) falls towards 0 and would
// lose its relative accuracy to cancellation, so there it is evaluated as 0.5·x·erfc(|x|/√2) with math.Erfc in
// float64. Where the CPU has AVX2 and FMA, geluErfAVX2 runs the float32 branch eight values at a time.
func GELUErf(x []float32, threads int) {
	vectorised(x, threads, geluErfAVX2, geluErf1)
}

// vectorised sets x[i] = one(x[i]) on up to threads goroutines, in chunks of geluChunk values. Where the CPU has AVX2,
// vec first runs on whole groups of eight values; the values it flags in its tail bytes (bit i%8 of byte i/8: those
// outside its fast range) and the last len%8 values are then computed by one.
func vectorised(x []float32, threads int, vec func(x *float32, n int, tail *uint8), one func(float32) float32) {
	ParallelFor(ceilDiv(len(x), geluChunk), threads, func(c, _ int) {
		chunk := x[c*geluChunk : min((c+1)*geluChunk, len(x))]
		i0 := 0
		if vecMathOK && len(chunk) >= 8 {
			i0 = len(chunk) &^ 7
			var tail [geluChunk / 8]uint8
			vec(unsafe.SliceData(chunk), i0, &tail[0])
			for b, m := range tail[:i0/8] {
				for ; m != 0; m &= m - 1 {
					i := 8*b + bits.TrailingZeros8(m)
					chunk[i] = one(chunk[i])
				}
			}
		}
		for i := i0; i < len(chunk); i++ {
			chunk[i] = one(chunk[i])
		}
	})
}

// geluErf1 is GELUErf for one value.
func geluErf1(x float32) float32 {
	z := x * 0.70710678118654752
	if z >= -0.5 || z != z {
		return 0.5 * x * (1 + erf32(z))
	}
	f := float64(x)
	return float32(0.5 * f * math.Erfc(-f*0.70710678118654752))
}

// GELUTanh is the tanh approximation 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). Since
// 1 + tanh(u) = 2/(1 + e^(−2u)), it is evaluated as
//
//	x / (1 + e^(−2u)),
//
// which has no cancellation for negative x. u is computed in float64 (for x < 0 the result is about x·e^(2u), so an
// absolute error in u would become a relative one), the exponential by exp32 and the division in float32: the
// result is within a couple of float32 ulps everywhere. Where the CPU has AVX2, geluTanhAVX2 computes the same bits
// eight values at a time, leaving the values outside exp32's fast range (and NaN) to geluTanh1.
func GELUTanh(x []float32, threads int) {
	vectorised(x, threads, geluTanhAVX2, geluTanh1)
}

// geluTanh1 is GELUTanh for one value.
func geluTanh1(x float32) float32 {
	const c = 2 * 0.7978845608028654 // 2·√(2/π)
	f := float64(x)
	w := -c * (f + 0.044715*f*f*f) // −2u
	if w > 80 {                    // e^w overflows float32 soon; 1 + e^w = e^w to float64 precision
		return float32(f * math.Exp(-w))
	}
	return x / (1 + exp32(w))
}

// SiLU is x·σ(x) = x/(1 + e^(−x)) (HF's "silu"), in place on up to threads goroutines. e^(−x) is exp32's, within
// about one float32 ulp, and the division is float32, so the result is within a couple of ulps; far left, where
// e^(−x) overflows, it is −0, as in torch. Where the CPU has AVX2, siluAVX2 computes the same bits eight values at a
// time, leaving the values outside exp32's fast range (and NaN) to silu1.
func SiLU(x []float32, threads int) {
	vectorised(x, threads, siluAVX2, silu1)
}

// silu1 is SiLU for one value.
func silu1(x float32) float32 { return x / (1 + exp32(-float64(x))) }

// erf32 returns erf(x) in float32 arithmetic with the rational approximation of Eigen and XLA (absolute error about
// 1 ulp of 1, that is under 2·10⁻⁷): x is clamped to [−4, 4], where |erf| rounds to 1 beyond, and
//
//	erf(x) ≈ x·α(x²)/β(x²),
//
// with α of degree 6 and β of degree 4 in x².
func erf32(x float32) float32 {
	x = min(max(x, -4), 4) // NaN passes through: min and max propagate it
	z := x * x
	a := float32(-2.72614225801306e-10)
	a = a*z + 2.77068142495902e-08
	a = a*z + -2.10102402082508e-06
	a = a*z + -5.69250639462346e-05
	a = a*z + -7.34990630326855e-04
	a = a*z + -2.95459980854025e-03
	a = a*z + -1.60960333262415e-02
	b := float32(-1.45660718464996e-05)
	b = b*z + -2.13374055278905e-04
	b = b*z + -1.68282697438203e-03
	b = b*z + -7.37332916720468e-03
	b = b*z + -1.42647390514189e-02
	return x * a / b
}
