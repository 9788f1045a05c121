package kernels

import "math"

// LayerNorm applies torch's LayerNorm over the last dimension of x [T, d] and writes the result into dst [T, d]:
//
//	y = (x − μ) / √(σ² + eps) · w + b,
//
// with μ and the biased (population) variance σ² of each row computed in float64, and the normalised value rounded
// to float32 before the float32 affine step. b may be nil (no bias). dst and x may be the same slice.
func LayerNorm(dst, x, w, b []float32, T, d int, eps float64) {
	w = w[:d]
	if b != nil {
		b = b[:d]
	}
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
		if b == nil {
			for i, v := range row {
				out[i] = float32((float64(v)-mean)*rstd) * w[i]
			}
			continue
		}
		for i, v := range row {
			out[i] = float32((float64(v)-mean)*rstd)*w[i] + b[i]
		}
	}
}

// RMSNorm applies HF's RMSNorm over the last dimension of x [T, d] and writes the result into dst [T, d]:
//
//	y = x / √(mean(x²) + eps) · w           (Llama, Mistral, Qwen2)
//	y = x / √(mean(x²) + eps) · (1 + w)     (Gemma, unitOffset)
//
// with mean(x²) accumulated in float64, the normalised value rounded to float32, and the scale w (or 1 + w, formed
// in float32 as Gemma does) applied in float32. dst and x may be the same slice.
func RMSNorm(dst, x, w []float32, T, d int, eps float64, unitOffset bool) {
	w = w[:d]
	for t := 0; t < T; t++ {
		row := x[t*d : (t+1)*d]
		out := dst[t*d : (t+1)*d]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		r := 1 / math.Sqrt(ss/float64(d)+eps)
		if unitOffset {
			for i, v := range row {
				out[i] = float32(float64(v)*r) * (1 + w[i])
			}
			continue
		}
		for i, v := range row {
			out[i] = float32(float64(v)*r) * w[i]
		}
	}
}

// L2Norm returns ‖x‖ = √(Σ x_i²), accumulated in float64 from the float32 vector.
func L2Norm(x []float32) float64 {
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

// RowNorms writes ‖x[t]‖ for each row t of x [T, d] into dst [T].
func RowNorms(dst []float64, x []float32, T, d int) {
	for t := 0; t < T; t++ {
		dst[t] = L2Norm(x[t*d : (t+1)*d])
	}
}

// NLL returns −log softmax(logits)[target] = logsumexp(logits) − logits[target], in float64 over the float32 logits.
func NLL(logits []float32, target int) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s) - float64(logits[target])
}
