package kernels

// elemChunk is how many values one task of an elementwise kernel covers.
const elemChunk = 64 << 10

// chunks calls f on consecutive ranges [i0, i1) of [0, n), about elemChunk values each, on up to threads goroutines.
func chunks(n, threads int, f func(i0, i1 int)) {
	ParallelFor(ceilDiv(n, elemChunk), threads, func(c, _ int) { f(c*elemChunk, min((c+1)*elemChunk, n)) })
}

// Add sets z[i] = x[i] + y[i] for i < len(z), on up to threads goroutines. z may be x or y.
func Add(z, x, y []float32, threads int) {
	x, y = x[:len(z)], y[:len(z)]
	chunks(len(z), threads, func(i0, i1 int) {
		zs, xs, ys := z[i0:i1], x[i0:i1], y[i0:i1]
		for i := range zs {
			zs[i] = xs[i] + ys[i]
		}
	})
}

// Mul sets z[i] = z[i]·y[i] for i < len(z), on up to threads goroutines.
func Mul(z, y []float32, threads int) {
	y = y[:len(z)]
	chunks(len(z), threads, func(i0, i1 int) {
		zs, ys := z[i0:i1], y[i0:i1]
		for i := range zs {
			zs[i] *= ys[i]
		}
	})
}

// Scale sets x[i] = x[i]·s for i < len(x), on up to threads goroutines.
func Scale(x []float32, s float32, threads int) {
	chunks(len(x), threads, func(i0, i1 int) {
		xs := x[i0:i1]
		for i, v := range xs {
			xs[i] = v * s
		}
	})
}

// Map sets x[i] = f(x[i]) for i < len(x), on up to threads goroutines.
func Map(x []float32, threads int, f func(float32) float32) {
	chunks(len(x), threads, func(i0, i1 int) {
		xs := x[i0:i1]
		for i, v := range xs {
			xs[i] = f(v)
		}
	})
}
