//go:build amd64 && !noasm

package kernels

// vecMathOK reports whether the AVX2 and FMA routines of vecmath_amd64.s may run.
var vecMathOK = gemmKernelOK

// expShiftAVX2 sets s[j] = exp(scale·s[j] − shift) for j < n, n a positive multiple of 8, and returns Σ s[j]
// accumulated in float64. The exponential is expf32's (Cephes expf, float32 range reduction) over eight values at a
// time; results below e^−87.33 (under 1.2·10⁻³⁸) are flushed to 0, and NaN propagates.
//
//go:noescape
func expShiftAVX2(s *float32, n int, scale, shift float32) float64

// expShiftAVX512 is expShiftAVX2 sixteen values at a time on AVX-512 F, with the same results bit for bit (values
// and sum); n is a positive multiple of 8. It may run only where zmmKernelOK.
//
//go:noescape
func expShiftAVX512(s *float32, n int, scale, shift float32) float64

// maxScaledAVX2 returns max_j scale·s[j] over j < n, n a positive multiple of 8, eight lanes at a time; a NaN when
// any product is NaN. The maximum is exact, so it is the value a scalar loop finds, up to the sign of a zero maximum.
//
//go:noescape
func maxScaledAVX2(s *float32, n int, scale float32) float32

// scaleAVX2 sets s[j] = s[j]·c for j < n, n a positive multiple of 8: the same float32 products as a scalar loop.
//
//go:noescape
func scaleAVX2(s *float32, n int, c float32)

// geluErfAVX2 applies geluErf's fast branch, 0.5·x·(1 + erf32(x/√2)), to x[i] for i < n, n a positive multiple of 8,
// eight values at a time. Values with x/√2 < −0.5, which need geluErf's float64 branch, are left unchanged and
// flagged in tail: bit i%8 of tail[i/8].
//
//go:noescape
func geluErfAVX2(x *float32, n int, tail *uint8)

// siluAVX2 applies SiLU's Go loop, x/(1 + exp32(−x)), to x[i] for i < n, n a positive multiple of 8, eight values at
// a time and bit for bit (the multiplies and adds are not fused, as Go does not fuse them on amd64). Values whose
// −x is outside exp32's fast range or NaN are left unchanged and flagged in tail: bit i%8 of tail[i/8].
//
//go:noescape
func siluAVX2(x *float32, n int, tail *uint8)

// geluTanhAVX2 applies geluTanh1 to x[i] for i < n, n a positive multiple of 8, eight values at a time and bit for
// bit. Values whose w = −2·√(2/π)·(x + 0.044715·x³) is outside [−87.33654, 80] or NaN are left unchanged and flagged
// in tail: bit i%8 of tail[i/8].
//
//go:noescape
func geluTanhAVX2(x *float32, n int, tail *uint8)

// sumSqAVX2 returns Σ_{i<n} (float64(x[i]) − c)², n a positive multiple of 16, in sixteen float64 partial sums
// (fused multiply-adds) added at the end: the same sum as a loop to within float64 rounding, not its bits.
//
//go:noescape
func sumSqAVX2(x *float32, n int, c float64) float64

// sumAVX2 returns Σ_{i<n} float64(x[i]), n a positive multiple of 16, in sixteen float64 partial sums.
//
//go:noescape
func sumAVX2(x *float32, n int) float64

// normRowAVX2 sets out[i] = float32((float64(x[i]) − c)·r)·w[i] + b[i] for i < n, n a positive multiple of 8, bit
// for bit as the Go loop; with b nil, without the + b[i].
//
//go:noescape
func normRowAVX2(out, x, w, b *float32, n int, c, r float64)
