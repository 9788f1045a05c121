package kernels

import (
	"math"
	"unsafe"
)

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
		mean := sum(row) / float64(d)
		rstd := 1 / math.Sqrt(sumSq(row, mean)/float64(d)+eps)
		normRow(dst[t*d:(t+1)*d], row, w, b, mean, rstd)
	}
}

// sum returns Σ float64(x[i]); where the CPU has AVX2, in sixteen partial sums.
func sum(x []float32) float64 {
	var s float64
	i0 := 0
	if vecMathOK && len(x) >= 16 {
		i0 = len(x) &^ 15
		s = sumAVX2(unsafe.SliceData(x), i0)
	}
	for _, v := range x[i0:] {
		s += float64(v)
	}
	return s
}

// sumSq returns Σ (float64(x[i]) − c)²; where the CPU has AVX2, in sixteen partial sums.
func sumSq(x []float32, c float64) float64 {
	var s float64
	i0 := 0
	if vecMathOK && len(x) >= 16 {
		i0 = len(x) &^ 15
		s = sumSqAVX2(unsafe.SliceData(x), i0, c)
	}
	for _, v := range x[i0:] {
		dv := float64(v) - c
		s += dv * dv
	}
	return s
}

// normRow sets out[i] = float32((float64(x[i]) − c)·r)·w[i] + b[i], or without + b[i] when b is nil: the normalised
// value in float64, rounded, then the affine step in float32. Where the CPU has AVX2, normRowAVX2 computes the same
// bits eight at a time.
func normRow(out, x, w, b []float32, c, r float64) {
	n := len(x)
	out, w = out[:n], w[:n]
	if b != nil {
		b = b[:n]
	}
	i0 := 0
	if vecMathOK && n >= 8 {
		i0 = n &^ 7
		var bp *float32
		if b != nil {
			bp = unsafe.SliceData(b)
		}
		normRowAVX2(unsafe.SliceData(out), unsafe.SliceData(x), unsafe.SliceData(w), bp, i0, c, r)
	}
	if b == nil {
		for i := i0; i < n; i++ {
			out[i] = float32((float64(x[i])-c)*r) * w[i]
		}
		return
	}
	for i := i0; i < n; i++ {
		out[i] = float32((float64(x[i])-c)*r)*w[i] + b[i]
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
		r := 1 / math.Sqrt(sumSq(row, 0)/float64(d)+eps)
		if unitOffset {
			for i, v := range row {
				out[i] = float32(float64(v)*r) * (1 + w[i])
			}
			continue
		}
		normRow(out, row, w, nil, 0, r) // float64(v) − 0 is float64(v)
	}
}

// L2Norm returns ‖x‖ = √(Σ x_i²), accumulated in float64 from the float32 vector.
func L2Norm(x []float32) float64 {
	return math.Sqrt(sumSq(x, 0))
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
