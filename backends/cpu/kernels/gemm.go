package kernels

import (
	"fmt"
	"unsafe"
)

// Tile sizes of the pure-Go path of Linear. A task computes a linRows × linCols block of y; inside it the reduction
// over d_in runs in chunks of linK so that the four weight rows and the input row being combined stay in L1, while
// the task's block of x rows stays in L2.
const (
	linRows = 32
	linCols = 64
	linK    = 1024
)

// Blocking of the packed GEMM path of Linear (BLIS/GotoBLAS). The micro-kernel computes a gemmMR × gemmNR block of y
// from a packed panel of x (gemmMR rows) and a packed panel of Wᵀ (gemmNR columns), over gemmKC values of k at a
// time: the B panel (gemmKC·gemmNR floats, 16 KiB) stays in L1, a task's packed block of x (gemmMC·gemmKC floats,
// 96 KiB) in L2, and the shared packed block of W (gemmKC·gemmNC floats, at most 4 MiB) in L3.
const (
	gemmMR = 6
	gemmNR = 16
	gemmKC = 256
	gemmMC = 16 * gemmMR  // 96
	gemmNC = 256 * gemmNR // 4096
)

// Linear computes y = x·Wᵀ + b (torch's nn.Linear, W stored [dOut, dIn]) or, with inOut, y = x·W + b (GPT-2's
// Conv1D, W stored [dIn, dOut]), and writes y into dst.
//
// x is [T, dIn] row-major, b is [dOut] or nil for no bias, and dst is [T, dOut]:
//
//	y[t][o] = b[o] + Σ_k x[t][k]·W[o][k]   (nn.Linear)
//	y[t][o] = b[o] + Σ_k x[t][k]·W[k][o]   (Conv1D, inOut)
//
// accumulated in float32. The work is split into tiles of y handed to up to threads goroutines. ws holds the packed
// operands; nil means a fresh one for this call.
//
// Where the CPU has AVX2 and FMA (gemmKernelOK) it runs gemm, a packed and cache-blocked GEMM around an assembly
// micro-kernel (about 60–95 GFLOP/s per Zen3 core at T = 512, and still ahead at T = 1, where both paths are bound by
// reading W); otherwise linearGo, in pure Go. Either way the result does not depend on threads:
// every output is summed in the same order whichever goroutine computes it.
func Linear(dst, x, w, b []float32, T, dIn, dOut int, inOut bool, threads int, ws *GemmWorkspace) {
	if len(x) < T*dIn || len(w) < dOut*dIn || len(dst) < T*dOut || (b != nil && len(b) < dOut) {
		panic(fmt.Sprintf("kernels: Linear: bad sizes: x %d, W %d, b %d, dst %d for T=%d dIn=%d dOut=%d",
			len(x), len(w), len(b), len(dst), T, dIn, dOut))
	}
	if T <= 0 || dOut <= 0 {
		return
	}
	if dIn == 0 { // an empty sum: y is the bias
		for t := 0; t < T; t++ {
			fillBias(dst[t*dOut:(t+1)*dOut], b)
		}
		return
	}
	if gemmKernelOK {
		gemm(dst, x, w, b, T, dIn, dOut, inOut, threads, ws)
		return
	}
	if inOut {
		linearGoInOut(dst, x, w, b, T, dIn, dOut, threads)
		return
	}
	linearGo(dst, x, w, b, T, dIn, dOut, threads)
}

// linearGo is the pure-Go path of Linear: tiles of linRows × linCols outputs, each the dot product of a row of x with
// a row of W, about 7–10 GFLOP/s per core.
func linearGo(dst, x, w, b []float32, T, dIn, dOut, threads int) {
	rowTiles := ceilDiv(T, linRows)
	colTiles := ceilDiv(dOut, linCols)
	ParallelFor(rowTiles*colTiles, threads, func(task, _ int) {
		t0 := (task / colTiles) * linRows
		o0 := (task % colTiles) * linCols
		linearTile(dst, x, w, b, t0, min(t0+linRows, T), o0, min(o0+linCols, dOut), dIn, dOut)
	})
}

// linearGoInOut is the pure-Go path of Linear for a weight stored [dIn, dOut]: each task takes a tile of linRows rows
// and 4·linCols columns of y and adds x[t][k]·W[k][o0:o1] into it row by row of W, in increasing k.
func linearGoInOut(dst, x, w, b []float32, T, dIn, dOut, threads int) {
	const cols = 4 * linCols
	rowTiles := ceilDiv(T, linRows)
	colTiles := ceilDiv(dOut, cols)
	ParallelFor(rowTiles*colTiles, threads, func(task, _ int) {
		t0 := (task / colTiles) * linRows
		o0 := (task % colTiles) * cols
		o1 := min(o0+cols, dOut)
		for t := t0; t < min(t0+linRows, T); t++ {
			y := dst[t*dOut+o0 : t*dOut+o1]
			var bs []float32
			if b != nil {
				bs = b[o0:o1]
			}
			fillBias(y, bs)
			for k, a := range x[t*dIn : (t+1)*dIn] {
				wk := w[k*dOut+o0 : k*dOut+o1]
				for j := range y {
					y[j] += a * wk[j]
				}
			}
		}
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

// fillBias sets y to b, or to zero when b is nil; y is one row (or part of a row) of the output and b the matching
// part of the bias.
func fillBias(y, b []float32) {
	if b == nil {
		clear(y)
		return
	}
	copy(y, b[:len(y)])
}

// GemmWorkspace holds the packed operands of the GEMM behind Linear: b is the shared block of Wᵀ, a the per-worker
// blocks of x. It grows as needed; a caller that keeps one across calls (package cpu keeps one per run) does not
// allocate megabytes per matrix product, nor depend on the garbage collector to reuse them.
type GemmWorkspace struct {
	b []float32
	a [][]float32
}

// gemm computes y = x·Wᵀ + b, or x·W + b with inOut, like Linear (same arguments, already validated, with T, dIn,
// dOut ≥ 1), as a packed, cache-blocked GEMM around gemmKernel6x16.
//
// The loops are those of BLIS. Columns of y are taken gemmNC at a time and the reduction gemmKC at a time; for each
// such block the matching kc × nc block of Wᵀ is packed once, shared by all workers, into panels of gemmNR columns,
// contiguous along k and zero-padded past dOut. Then tasks of gemmMC rows (and, with several threads, a share of
// the columns) run in parallel: a task packs its kc × mc block of x into panels of gemmMR rows (zero-padded past T)
// and calls the micro-kernel for every panel pair, each B panel staying in L1 while the x panels stream past it.
// Before the first block of k a task sets its part of y to the bias; every block of k then adds its partial sums.
// Tiles cut by the edge of y (fewer than gemmMR rows or gemmNR columns) are computed into a local 6×16 buffer and
// only their valid part is added to y.
func gemm(dst, x, w, b []float32, T, dIn, dOut int, inOut bool, threads int, s *GemmWorkspace) {
	if s == nil {
		s = new(GemmWorkspace)
	}
	kcMax := min(dIn, gemmKC)
	if n := roundUp(min(dOut, gemmNC), gemmNR) * kcMax; len(s.b) < n {
		s.b = make([]float32, n)
	}
	aLen := roundUp(min(T, gemmMC), gemmMR) * kcMax
	for len(s.a) < max(threads, 1) {
		s.a = append(s.a, nil)
	}
	for i := range s.a {
		if len(s.a[i]) < aLen {
			s.a[i] = make([]float32, aLen)
		}
	}
	bPack := s.b
	rowBlocks := ceilDiv(T, gemmMC)
	for j0 := 0; j0 < dOut; j0 += gemmNC {
		nc := min(gemmNC, dOut-j0)
		panels := ceilDiv(nc, gemmNR)
		// One task per block of gemmMC rows when that keeps the workers busy (x is then packed once per block of
		// k); otherwise the columns are split too, into about 4·threads tasks in all. The split does not change
		// any sum, only who computes it.
		colBlocks := 1
		if threads > 1 {
			colBlocks = min(panels, ceilDiv(4*threads, rowBlocks))
		}
		panelsPerTask := ceilDiv(panels, colBlocks)
		colBlocks = ceilDiv(panels, panelsPerTask)
		for k0 := 0; k0 < dIn; k0 += gemmKC {
			kc := min(gemmKC, dIn-k0)
			const packGroup = 8 // B panels packed per task
			ParallelFor(ceilDiv(panels, packGroup), threads, func(g, _ int) {
				for p := g * packGroup; p < min(panels, (g+1)*packGroup); p++ {
					if inOut {
						packBInOut(bPack[p*kc*gemmNR:(p+1)*kc*gemmNR], w, dOut, j0+p*gemmNR, k0, kc)
					} else {
						packB(bPack[p*kc*gemmNR:(p+1)*kc*gemmNR], w, dIn, dOut, j0+p*gemmNR, k0, kc)
					}
				}
			})
			ParallelFor(rowBlocks*colBlocks, threads, func(task, worker int) {
				i0 := (task / colBlocks) * gemmMC
				c0 := (task % colBlocks) * panelsPerTask * gemmNR
				gemmBlock(dst, x, b, s.a[worker], bPack, T, dIn, dOut, i0, min(gemmMC, T-i0),
					j0, c0, min(panelsPerTask*gemmNR, nc-c0), k0, kc)
			})
		}
	}
}

// gemmBlock computes the contribution of k in [k0, k0+kc) to rows [i0, i0+mc) and columns [j0+c0, j0+c0+n) of y,
// where bPack holds the packed kc × nc block of Wᵀ starting at column j0 (c0 is a multiple of gemmNR) and aPack is
// this worker's scratch for the packed block of x. With k0 = 0 it first sets that part of y to the bias.
func gemmBlock(dst, x, bias, aPack, bPack []float32, T, dIn, dOut, i0, mc, j0, c0, n, k0, kc int) {
	if k0 == 0 {
		for i := i0; i < i0+mc; i++ {
			var bs []float32
			if bias != nil {
				bs = bias[j0+c0 : j0+c0+n]
			}
			fillBias(dst[i*dOut+j0+c0:i*dOut+j0+c0+n], bs)
		}
	}
	rowPanels := ceilDiv(mc, gemmMR)
	for ip := 0; ip < rowPanels; ip++ {
		packA(aPack[ip*kc*gemmMR:(ip+1)*kc*gemmMR], x, dIn, T, i0+ip*gemmMR, k0, kc)
	}
	for jp := c0 / gemmNR; jp < ceilDiv(c0+n, gemmNR); jp++ {
		bp := bPack[jp*kc*gemmNR : (jp+1)*kc*gemmNR]
		col := j0 + jp*gemmNR
		nr := min(gemmNR, dOut-col)
		for ip := 0; ip < rowPanels; ip++ {
			ap := aPack[ip*kc*gemmMR : (ip+1)*kc*gemmMR]
			row := i0 + ip*gemmMR
			mr := min(gemmMR, T-row)
			if mr == gemmMR && nr == gemmNR {
				c := dst[row*dOut+col : (row+gemmMR-1)*dOut+col+gemmNR] // bounds the kernel's writes
				gemmKernel6x16(kc, unsafe.SliceData(ap), unsafe.SliceData(bp), &c[0], dOut)
				continue
			}
			var tile [gemmMR * gemmNR]float32
			gemmKernel6x16(kc, unsafe.SliceData(ap), unsafe.SliceData(bp), &tile[0], gemmNR)
			for r := 0; r < mr; r++ {
				y := dst[(row+r)*dOut+col : (row+r)*dOut+col+nr]
				for j := range y {
					y[j] += tile[r*gemmNR+j]
				}
			}
		}
	}
}

// packA copies rows [i0, i0+gemmMR) and columns [k0, k0+kc) of x ([T, dIn] row-major) into dst, k-major: dst[p·6+r]
// = x[i0+r][k0+p]. Rows at or past T are zero.
func packA(dst, x []float32, dIn, T, i0, k0, kc int) {
	packRows(dst, x, dIn, T, gemmMR, i0, k0, kc)
}

// packRows copies columns [k0, k0+kc) of rows [r0, r0+width) of the row-major matrix m (n rows, ld columns) into dst,
// k-major: dst[p·width + r] = m[r0+r][k0+p]. Rows at or past n are zero.
func packRows(dst, m []float32, ld, n, width, r0, k0, kc int) {
	dst = dst[:kc*width]
	for r := 0; r < width; r++ {
		if r0+r >= n {
			for p := 0; p < kc; p++ {
				dst[p*width+r] = 0
			}
			continue
		}
		for p, v := range m[(r0+r)*ld+k0 : (r0+r)*ld+k0+kc] {
			dst[p*width+r] = v
		}
	}
}

// packB copies columns [k0, k0+kc) of rows [j0, j0+gemmNR) of W ([dOut, dIn] row-major), that is a kc × gemmNR
// block of Wᵀ, into dst, k-major: dst[p·16+j] = W[j0+j][k0+p]. Rows of W at or past dOut are zero.
func packB(dst, w []float32, dIn, dOut, j0, k0, kc int) {
	dst = dst[:kc*gemmNR]
	if j0+gemmNR > dOut { // an edge panel: row by row, zero past dOut
		packRows(dst, w, dIn, dOut, gemmNR, j0, k0, kc)
		return
	}
	// A full panel: eight values of k at a time by register transposes, then the rest one by one.
	k8 := kc / 8
	if k8 > 0 {
		base := j0*dIn + k0
		s := w[base : base+(gemmNR-1)*dIn+8*k8] // bounds the routine's reads
		gemmPackB16(k8, &s[0], dIn, &dst[0])
	}
	for j := 0; j < gemmNR; j++ {
		src := w[(j0+j)*dIn+k0 : (j0+j)*dIn+k0+kc]
		for p := 8 * k8; p < kc; p++ {
			dst[p*gemmNR+j] = src[p]
		}
	}
}

// packBInOut copies rows [k0, k0+kc) and columns [j0, j0+gemmNR) of W ([dIn, dOut] row-major, GPT-2's Conv1D), which
// already is a kc × gemmNR block of the B operand, into dst, k-major: dst[p·16+j] = W[k0+p][j0+j]. Columns at or
// past dOut are zero.
func packBInOut(dst, w []float32, dOut, j0, k0, kc int) {
	dst = dst[:kc*gemmNR]
	n := min(gemmNR, dOut-j0)
	for p := 0; p < kc; p++ {
		row := dst[p*gemmNR : (p+1)*gemmNR]
		copy(row, w[(k0+p)*dOut+j0:(k0+p)*dOut+j0+n])
		clear(row[n:])
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
