package kernels

import "math"

// expf32 returns eˣ rounded to float32, within about 1 ulp of the correctly rounded result; see exp32.
func expf32(x float32) float32 { return exp32(float64(x)) }

// exp32 returns eˣ of a float64 argument rounded to float32, within about 1 ulp of the correctly rounded result.
// The range reduction runs in float64 and the polynomial (Cephes expf's) in float32:
//
//	n = round(x·log₂e),  r = x − n·ln2  (float64, then rounded; |r| ≤ ln2/2),
//	eˣ = 2ⁿ · (1 + r + r²·P(r)),
//
// with P of degree 5. Outside [−87.33, 88] (where 2ⁿ would leave the normal float32 range) and for NaN it falls back
// to math.Exp, rounded: subnormal results, 0, +Inf and NaN come out as they should. Taking the argument in float64
// lets callers keep the error of computing x itself out of the result (eˣ turns an absolute error of x into a
// relative one).
func exp32(x float64) float32 {
	const (
		round = 6755399441055744 // 1.5·2⁵²: adding and subtracting it rounds to an integer
		lo    = -87.33654        // ln(2⁻¹²⁶)
		hi    = 88               // below ln(1.5·2¹²⁷)
	)
	if !(x >= lo && x <= hi) { // also NaN
		return float32(math.Exp(x))
	}
	n := (x*math.Log2E + round) - round
	r := float32(x - n*math.Ln2)
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*(r*r) + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
