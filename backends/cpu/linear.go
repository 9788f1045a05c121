package cpu

import "fmt"

// Tile sizes of linear. A task computes a linRows × linCols block of y; inside it the reduction over d_in runs in
// chunks of linK so that the four weight rows and the input row being combined stay in L1, while the task's block of
// x rows stays in L2.
const (
	linRows = 32
	linCols = 64
	linK    = 1024
)

// linear computes y = x·Wᵀ + b, the torch nn.Linear, and writes y into dst.
//
// x is [T, dIn] row-major, W is [dOut, dIn] row-major (as torch stores an nn.Linear weight), b is [dOut] or nil for no
// bias, and dst is [T, dOut]. Every output is the dot product of two contiguous rows,
//
//	y[t][o] = b[o] + Σ_k x[t][k]·W[o][k],
//
// accumulated in float32. The work is split into tiles of y handed to up to threads goroutines.
//
// This function is the one place a faster GEMM (Go assembly with AVX2/FMA and packing, or a BLAS loaded at run time)
// would replace; everything else calls it.
func linear(dst, x, w, b []float32, T, dIn, dOut, threads int) {
	if len(x) < T*dIn || len(w) < dOut*dIn || len(dst) < T*dOut || (b != nil && len(b) < dOut) {
		panic(fmt.Sprintf("cpu: linear: bad sizes: x %d, W %d, b %d, dst %d for T=%d dIn=%d dOut=%d",
			len(x), len(w), len(b), len(dst), T, dIn, dOut))
	}
	rowTiles := (T + linRows - 1) / linRows
	colTiles := (dOut + linCols - 1) / linCols
	parallelFor(rowTiles*colTiles, threads, func(task, _ int) {
		t0 := (task / colTiles) * linRows
		o0 := (task % colTiles) * linCols
		linearTile(dst, x, w, b, t0, min(t0+linRows, T), o0, min(o0+linCols, dOut), dIn, dOut)
	})
}

// linearTile computes y[t][o] for t in [t0, t1) and o in [o0, o1).
func linearTile(dst, x, w, b []float32, t0, t1, o0, o1, dIn, dOut int) {
	for k0 := 0; k0 < dIn; k0 += linK {
		k1 := min(k0+linK, dIn)
		first := k0 == 0
		o := o0
		for ; o+4 <= o1; o += 4 {
			w0 := w[o*dIn+k0 : o*dIn+k1]
			w1 := w[(o+1)*dIn+k0 : (o+1)*dIn+k1]
			w2 := w[(o+2)*dIn+k0 : (o+2)*dIn+k1]
			w3 := w[(o+3)*dIn+k0 : (o+3)*dIn+k1]
			for t := t0; t < t1; t++ {
				c0, c1, c2, c3 := dot1x4(x[t*dIn+k0:t*dIn+k1], w0, w1, w2, w3)
				y := dst[t*dOut+o : t*dOut+o+4]
				if first {
					if b != nil {
						c0, c1, c2, c3 = c0+b[o], c1+b[o+1], c2+b[o+2], c3+b[o+3]
					}
					y[0], y[1], y[2], y[3] = c0, c1, c2, c3
				} else {
					y[0] += c0
					y[1] += c1
					y[2] += c2
					y[3] += c3
				}
			}
		}
		for ; o < o1; o++ {
			wo := w[o*dIn+k0 : o*dIn+k1]
			for t := t0; t < t1; t++ {
				c := dot(x[t*dIn+k0:t*dIn+k1], wo)
				if first {
					if b != nil {
						c += b[o]
					}
					dst[t*dOut+o] = c
				} else {
					dst[t*dOut+o] += c
				}
			}
		}
	}
}

// dot1x4 returns the dot products of x with w0, w1, w2 and w3, all of len(x). Sharing each load of x between four
// accumulators is what makes this the fastest pure-Go shape measured on amd64 (about 10 GFLOP/s per core).
func dot1x4(x, w0, w1, w2, w3 []float32) (c0, c1, c2, c3 float32) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for k := 0; k < n; k++ {
		a := x[k]
		c0 += a * w0[k]
		c1 += a * w1[k]
		c2 += a * w2[k]
		c3 += a * w3[k]
	}
	return
}

// dot returns Σ x[k]·y[k] over len(x), in four interleaved float32 accumulators.
func dot(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= n; k += 4 {
		s0 += x[k] * y[k]
		s1 += x[k+1] * y[k+1]
		s2 += x[k+2] * y[k+2]
		s3 += x[k+3] * y[k+3]
	}
	for ; k < n; k++ {
		s0 += x[k] * y[k]
	}
	return (s0 + s1) + (s2 + s3)
}
