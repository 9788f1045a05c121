package kernels

import "math"

// LayerNorm applies torch's LayerNorm over the last dimension of x [T, d] and writes the result into dst [T, d]:
//
//	y = (x − μ) / √(σ² + eps) · w + b,
//
// with μ and the biased (population) variance σ² of each row computed in float64, and the normalised value rounded
// to float32 before the float32 affine step. b may be nil (no bias). dst and x may be the same slice. Rows are
// split between up to threads goroutines.
func LayerNorm(dst, x, w, b []float32, T, d int, eps float64, threads int) {
	w = w[:d]
	if b != nil {
		b = b[:d]
	}
	rowBlocks(T, d, threads, func(t0, t1 int) { layerNormRows(dst, x, w, b, t0, t1, d, eps) })
}

// rowBlocks calls f on blocks of rows [t0, t1) of a [T, d] matrix, about normChunk values each, on up to threads
// goroutines.
func rowBlocks(T, d, threads int, f func(t0, t1 int)) {
	rows := max(1, normChunk/max(d, 1))
	ParallelFor(ceilDiv(T, rows), threads, func(i, _ int) { f(i*rows, min((i+1)*rows, T)) })
}

// normChunk is about how many values one task of a row-wise kernel covers.
const normChunk = 32 << 10

// layerNormRows is LayerNorm on rows [t0, t1).
func layerNormRows(dst, x, w, b []float32, t0, t1, d int, eps float64) {
	for t := t0; t < t1; t++ {
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
// in float32 as Gemma does) applied in float32. dst and x may be the same slice. Rows are split between up to
// threads goroutines.
func RMSNorm(dst, x, w []float32, T, d int, eps float64, unitOffset bool, threads int) {
	w = w[:d]
	rowBlocks(T, d, threads, func(t0, t1 int) { rmsNormRows(dst, x, w, t0, t1, d, eps, unitOffset) })
}

// rmsNormRows is RMSNorm on rows [t0, t1).
func rmsNormRows(dst, x, w []float32, t0, t1, d int, eps float64, unitOffset bool) {
	for t := t0; t < t1; t++ {
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

// RowNorms writes ‖x[t]‖ for each row t of x [T, d] into dst [T], rows split between up to threads goroutines.
func RowNorms(dst []float64, x []float32, T, d, threads int) {
	rowBlocks(T, d, threads, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			dst[t] = L2Norm(x[t*d : (t+1)*d])
		}
	})
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
