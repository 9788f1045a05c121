package cpu

import "math"

// layerNorm applies torch's LayerNorm over the last dimension of x [T, d] and writes the result into dst [T, d]:
//
//	y = (x − μ) / √(σ² + eps) · w + b,
//
// with μ and the biased variance σ² of each row computed in float64. dst and x may be the same slice.
func layerNorm(dst, x, w, b []float32, T, d int, eps float64) {
	w, b = w[:d], b[:d]
	for t := 0; t < T; t++ {
		row := x[t*d : (t+1)*d]
		out := dst[t*d : (t+1)*d]
		var sum float64
		for _, v := range row {
			sum += float64(v)
		}
		mean := sum / float64(d)
		var ss float64
		for _, v := range row {
			dv := float64(v) - mean
			ss += dv * dv
		}
		rstd := 1 / math.Sqrt(ss/float64(d)+eps)
		for i, v := range row {
			out[i] = float32((float64(v)-mean)*rstd)*w[i] + b[i]
		}
	}
}

// l2Norm returns ‖x‖ = √(Σ x_i²), accumulated in float64 from the float32 vector.
func l2Norm(x []float32) float64 {
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		a, b := float64(x[i]), float64(x[i+1])
		s0 += a * a
		s1 += b * b
	}
	if i < len(x) {
		a := float64(x[i])
		s0 += a * a
	}
	return math.Sqrt(s0 + s1)
}

// rowNorms writes ‖x[t]‖ for each row t of x [T, d] into dst [T].
func rowNorms(dst []float64, x []float32, T, d int) {
	for t := 0; t < T; t++ {
		dst[t] = l2Norm(x[t*d : (t+1)*d])
	}
}
