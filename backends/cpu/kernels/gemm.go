package kernels

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/scalefit/scalefit/backends/checkpoint/decode"
)

// Blocking of the packed GEMM behind Linear (BLIS/GotoBLAS). A micro-kernel computes an mr × nr block of y from a
// packed panel of x (mr rows) and a packed panel of Wᵀ (nr columns), over gemmKC values of k at a time: the B panel
// (gemmKC·nr floats, 32 or 64 KiB) stays in L1 or L2, a task's share of the packed x (gemmMCPanels·mr·gemmKC floats,
// 192 or 384 KiB) in L2, and the shared packed blocks of W (gemmKC·gemmNC floats, at most 8 MiB, two of them) and of
// x (gemmMA·gemmKC floats, at most 8 MiB, two of them) in L3. Every block of k is one pass over y through memory;
// gemmKC = 512 halves those passes against 256, and measured faster than both 256 and 1024 on whole runs of the
// Pythia-6.9B shape (Zen 5, AVX-512, alternating binaries). gemmKC is part of the result: every output is the sum,
// in increasing order, of one FMA chain per block of gemmKC values of k, so that every micro-kernel gives the same
// bits.
const (
	gemmKC       = 512
	gemmMCPanels = 16
	gemmNC       = 4096
	gemmMA       = 4096
)

// Matrix is a weight matrix as Linear reads it: Rows × Cols values, row-major, either as float32 (F32) or as the
// little-endian values of a stored tensor (Raw, of DType decode.F32, decode.F16 or decode.BF16), which Linear
// converts as it packs them, so that a weight stored in 16 bits is never held in memory as float32.
type Matrix struct {
	Rows, Cols int
	F32        []float32
	Raw        []byte
	DType      string
}

// F32Matrix returns the rows × cols float32 matrix m as a Matrix.
func F32Matrix(m []float32, rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, F32: m}
}

// RowInto sets dst to the len(dst) values of row r from column c0, converted to float32.
func (m *Matrix) RowInto(dst []float32, r, c0 int) {
	off := r*m.Cols + c0
	if m.F32 != nil {
		copy(dst, m.F32[off:off+len(dst)])
		return
	}
	size := decode.Size(m.DType)
	decode.Into(dst, m.Raw[off*size:(off+len(dst))*size], m.DType)
}

// check panics unless m holds Rows × Cols values.
func (m *Matrix) check() {
	n := m.Rows * m.Cols
	if m.Rows < 0 || m.Cols < 0 || (m.F32 != nil && len(m.F32) < n) ||
		(m.F32 == nil && (decode.Size(m.DType) == 0 || len(m.Raw) < n*decode.Size(m.DType))) {
		panic(fmt.Sprintf("kernels: a %d×%d matrix of %d floats, %d bytes of %q", m.Rows, m.Cols, len(m.F32), len(m.Raw), m.DType))
	}
}

// microKernel is one shape of the GEMM's inner block with the routines that run it.
type microKernel struct {
	isa    string // "avx512", "avx2" or "go"
	mr, nr int
	// run sets the mr × nr block at c (rows ldc apart) to the block at init (rows ldi apart; 0 repeats one row)
	// plus Σ_{p<k} a[mr·p + r]·b[nr·p + j], one chain per output in increasing p.
	run func(k int, a, b, c *float32, ldc int, init *float32, ldi int)
	// packA sets dst[mr·p + r] = src[r·ld + p] for p < 8·k8 and r < mr; nil packs with packRows.
	packA func(k8 int, src *float32, ld int, dst *float32)
}

var (
	kernelAVX512 = &microKernel{"avx512", 12, 32, gemmKernel12x32, gemmPackA12}
	kernelAVX2   = &microKernel{"avx2", 6, 16, gemmKernel6x16, gemmPackA6}
	kernelGo     = &microKernel{"go", 6, 16, kernel6x16Go, nil}
)

// activeKernel is the micro-kernel Linear runs, chosen once by DetectMachine from what the CPU has and how fast its
// FMAs measured.
var activeKernel atomic.Pointer[microKernel]

// setISA makes Linear run on the micro-kernel of isa ("avx512", "avx2" or "go"), where the CPU can.
func setISA(isa string) {
	k := kernelGo
	switch {
	case isa == "avx512" && zmmKernelOK:
		k = kernelAVX512
	case (isa == "avx512" || isa == "avx2") && gemmKernelOK:
		k = kernelAVX2
	}
	activeKernel.Store(k)
}

// kernel returns the micro-kernel Linear runs, detecting the machine on the first call.
func kernel() *microKernel {
	if k := activeKernel.Load(); k != nil {
		return k
	}
	DetectMachine()
	return activeKernel.Load()
}

// zeroRow is the init row of a block of y that starts from zero: a product without a bias.
var zeroRow [32]float32

// Linear computes y = x·Wᵀ + b (torch's nn.Linear, W stored [dOut, dIn]) or, with inOut, y = x·W + b (GPT-2's
// Conv1D, W stored [dIn, dOut]), and writes y into dst.
//
// x is [T, dIn] row-major, b is [dOut] or nil for no bias, and dst is [T, dOut]:
//
//	y[t][o] = b[o] + Σ_k x[t][k]·W[o][k]   (nn.Linear)
//	y[t][o] = b[o] + Σ_k x[t][k]·W[k][o]   (Conv1D, inOut)
//
// accumulated in float32, in blocks of gemmKC values of k: each block is one chain of fused multiply-adds in
// increasing k, and the blocks' sums are added to b in increasing order. W may be stored in 16 bits (Matrix.Raw):
// its values are converted exactly as they are packed. The work is split into tiles of y handed to up to threads
// goroutines; the result does not depend on threads, nor on which micro-kernel runs (AVX-512, AVX2, or pure Go
// under noasm, whose multiply-adds round twice and so differ in the last bits). ws holds the packed operands; nil
// means a fresh one for this call.
func Linear(dst, x []float32, w *Matrix, b []float32, T int, inOut bool, threads int, ws *GemmWorkspace) {
	w.check()
	dIn, dOut := w.Cols, w.Rows
	if inOut {
		dIn, dOut = w.Rows, w.Cols
	}
	if len(x) < T*dIn || len(dst) < T*dOut || (b != nil && len(b) < dOut) {
		panic(fmt.Sprintf("kernels: Linear: bad sizes: x %d, b %d, dst %d for T=%d dIn=%d dOut=%d",
			len(x), len(b), len(dst), T, dIn, dOut))
	}
	if T <= 0 || dOut <= 0 {
		return
	}
	if dIn == 0 { // an empty sum: y is the bias
		for t := 0; t < T; t++ {
			y := dst[t*dOut : (t+1)*dOut]
			if b == nil {
				clear(y)
			} else {
				copy(y, b[:dOut])
			}
		}
		return
	}
	gemm(dst, x, w, b, T, dIn, dOut, inOut, threads, ws, kernel())
}

// GemmWorkspace holds the packed operands of the GEMM behind Linear: b holds two shared blocks of Wᵀ, a two shared
// blocks of x (one step computes from one of each while the next step's are packed into the others), and conv the
// per-worker rows of a 16-bit W converted before they are packed. It grows as needed; a caller that keeps one across
// calls (package cpu keeps one per run) does not allocate megabytes per matrix product, nor depend on the garbage
// collector to reuse them.
type GemmWorkspace struct {
	b    []float32
	a    []float32
	conv [][]float32
	tile [][]float32 // per worker: one micro-kernel block, for the tiles at the edges of y
}

// grow makes room for the blocks of one product on up to workers workers.
func (s *GemmWorkspace) grow(bLen, aLen, convLen, workers int) {
	if len(s.b) < bLen {
		s.b = Alloc(bLen)
	}
	if len(s.a) < aLen {
		s.a = Alloc(aLen)
	}
	for len(s.conv) < workers {
		s.conv = append(s.conv, nil)
		s.tile = append(s.tile, make([]float32, len(zeroRow)*len(zeroRow)))
	}
	for i := range workers {
		if len(s.conv[i]) < convLen {
			s.conv[i] = make([]float32, convLen)
		}
	}
}

// gemm computes y = x·Wᵀ + b, or x·W + b with inOut, like Linear (same arguments, already validated, with T, dIn,
// dOut ≥ 1), as a packed, cache-blocked GEMM around the micro-kernel k.
//
// The loops are those of BLIS, with the block of x shared by all workers. Rows of y are taken gemmMA at a time, the
// reduction gemmKC at a time, and columns gemmNC at a time; each such step multiplies a packed block of x (panels of
// k.mr rows, contiguous along k, zero-padded past T) by a packed kc × nc block of Wᵀ (panels of k.nr columns,
// zero-padded past dOut, a 16-bit W converted on the way). A block of x is packed once per block of rows and of k
// and serves every block of columns. The steps run as a pipeline on two buffers of each kind: while the workers
// compute one step they also pack the operands of the next, in the same parallel loop, so that no worker waits for
// the packing and the packing fills the time in which the last tasks of a step finish. A step's compute is split
// into tasks of mc rows (and, with several threads, a share of the columns), each calling the micro-kernel for
// every panel pair, a B panel staying in L1 (or L2) while the panels of x stream past it from L2. In the first block of k
// the micro-kernel starts each tile from the bias; in every later one from the tile's partial sums. Tiles cut by
// the edge of y (fewer than mr rows or nr columns) are computed into a local buffer and only their valid part is
// added. Every output is so the sum of its blocks of k in increasing order, whatever the blocking of rows and
// columns and the number of workers.
func gemm(dst, x []float32, w *Matrix, b []float32, T, dIn, dOut int, inOut bool, threads int, s *GemmWorkspace, k *microKernel) {
	if s == nil {
		s = new(GemmWorkspace)
	}
	threads = max(threads, 1)
	mr, nr := k.mr, k.nr
	mc := gemmMCPanels * mr
	kcMax := min(dIn, gemmKC)
	convLen := 0
	if w.F32 == nil && !inOut {
		convLen = nr * kcMax
	}
	bLen, aLen := roundUp(min(dOut, gemmNC), nr)*kcMax, roundUp(min(T, gemmMA), mr)*kcMax
	s.grow(2*bLen, 2*aLen, convLen, threads)
	aBuf := [2][]float32{s.a[:aLen], s.a[aLen : 2*aLen]}
	bBuf := [2][]float32{s.b[:bLen], s.b[bLen : 2*bLen]}

	// The steps in loop order; step i reads bBuf[i%2] and aBuf[its a].
	type step struct{ r0, rows, k0, kc, j0, nc, a int }
	var steps []step
	a := -1
	for r0 := 0; r0 < T; r0 += gemmMA {
		for k0 := 0; k0 < dIn; k0 += gemmKC {
			a = (a + 1) % 2
			for j0 := 0; j0 < dOut; j0 += gemmNC {
				steps = append(steps, step{r0, min(gemmMA, T-r0), k0, min(gemmKC, dIn-k0), j0, min(gemmNC, dOut-j0), a})
			}
		}
	}
	const packGroup = 4 // panels packed per task
	// packing returns the number of packing tasks of step i and the function that runs one of them.
	packing := func(i int) (int, func(task, worker int)) {
		if i >= len(steps) {
			return 0, nil
		}
		st := steps[i]
		nA := 0
		if st.j0 == 0 { // the first step of a block of x packs it
			nA = ceilDiv(ceilDiv(st.rows, mr), packGroup)
		}
		rowPanels, panels := ceilDiv(st.rows, mr), ceilDiv(st.nc, nr)
		aPack, bPack := aBuf[st.a], bBuf[i%2]
		return nA + ceilDiv(panels, packGroup), func(task, worker int) {
			if task < nA {
				for ip := task * packGroup; ip < min(rowPanels, (task+1)*packGroup); ip++ {
					packA(aPack[ip*st.kc*mr:(ip+1)*st.kc*mr], x, dIn, T, st.r0+ip*mr, st.k0, st.kc, k)
				}
				return
			}
			g := task - nA
			for p := g * packGroup; p < min(panels, (g+1)*packGroup); p++ {
				packB(bPack[p*st.kc*nr:(p+1)*st.kc*nr], w, inOut, dIn, dOut, st.j0+p*nr, st.k0, st.kc, nr, s.conv[worker])
			}
		}
	}
	nPack, pack := packing(0)
	ParallelFor(nPack, threads, pack)
	for i, st := range steps {
		rowBlocks, panels := ceilDiv(st.rows, mc), ceilDiv(st.nc, nr)
		// One task per block of mc rows when there are enough of them to keep the workers evenly busy; otherwise
		// the columns are split too, into at least 8·threads tasks in all, so that the last task to finish leaves
		// the other workers idle for little of the step. The split does not change any sum, only who computes it.
		colBlocks := 1
		if threads > 1 {
			colBlocks = min(panels, ceilDiv(8*threads, rowBlocks))
		}
		panelsPerTask := ceilDiv(panels, colBlocks)
		colBlocks = ceilDiv(panels, panelsPerTask)
		nCompute := rowBlocks * colBlocks
		nPack, pack := packing(i + 1)
		aPack, bPack := aBuf[st.a], bBuf[i%2]
		ParallelFor(nCompute+nPack, threads, func(task, worker int) {
			if task >= nCompute { // the next step's operands, into the other buffers
				pack(task-nCompute, worker)
				return
			}
			i0 := (task / colBlocks) * mc
			c0 := (task % colBlocks) * panelsPerTask * nr
			gemmBlock(dst, aPack[(i0/mr)*st.kc*mr:], bPack, b, s.tile[worker], T, dOut, st.r0+i0, min(mc, st.rows-i0),
				st.j0, c0, min(panelsPerTask*nr, st.nc-c0), st.k0, st.kc, k)
		})
	}
}

// gemmBlock computes the contribution of k in [k0, k0+kc) to rows [i0, i0+mc) and columns [j0+c0, j0+c0+n) of y,
// where aPack holds the packed kc × mc block of x from row i0 (panels of k.mr rows), bPack the packed kc × nc block
// of Wᵀ starting at column j0 (c0 is a multiple of k.nr), and tile is this worker's scratch for one block at the
// edge of y. With k0 = 0 the tiles start from the bias (or zero), otherwise from what y holds.
func gemmBlock(dst, aPack, bPack, bias, tile []float32, T, dOut, i0, mc, j0, c0, n, k0, kc int, k *microKernel) {
	mr, nr := k.mr, k.nr
	rowPanels := ceilDiv(mc, mr)
	tile = tile[:mr*nr]
	for jp := c0 / nr; jp < ceilDiv(c0+n, nr); jp++ {
		bp := bPack[jp*kc*nr : (jp+1)*kc*nr]
		col := j0 + jp*nr
		ncols := min(nr, dOut-col)
		first, ldi := &zeroRow[0], 0 // where a full tile of the first block of k starts from
		if bias != nil && ncols == nr {
			first = &bias[col]
		}
		for ip := 0; ip < rowPanels; ip++ {
			ap := aPack[ip*kc*mr : (ip+1)*kc*mr]
			row := i0 + ip*mr
			mrows := min(mr, T-row)
			if mrows == mr && ncols == nr {
				c := dst[row*dOut+col : (row+mr-1)*dOut+col+nr] // bounds the kernel's writes
				if k0 == 0 {
					k.run(kc, unsafe.SliceData(ap), unsafe.SliceData(bp), &c[0], dOut, first, ldi)
				} else {
					k.run(kc, unsafe.SliceData(ap), unsafe.SliceData(bp), &c[0], dOut, &c[0], dOut)
				}
				continue
			}
			k.run(kc, unsafe.SliceData(ap), unsafe.SliceData(bp), &tile[0], nr, &zeroRow[0], 0)
			for r := 0; r < mrows; r++ {
				y := dst[(row+r)*dOut+col : (row+r)*dOut+col+ncols]
				switch {
				case k0 > 0:
					for j := range y {
						y[j] += tile[r*nr+j]
					}
				case bias != nil:
					for j := range y {
						y[j] = bias[col+j] + tile[r*nr+j]
					}
				default:
					for j := range y {
						y[j] = 0 + tile[r*nr+j]
					}
				}
			}
		}
	}
}

// packA packs columns [k0, k0+kc) of rows [r0, r0+k.mr) of x ([T, dIn] row-major) into dst for k's micro-kernel,
// k-major: dst[p·mr + r] = x[r0+r][k0+p], zero past T. A full panel goes eight columns at a time through the
// assembly's register transposes, where k has them.
func packA(dst, x []float32, dIn, T, r0, k0, kc int, k *microKernel) {
	k8 := kc / 8
	if k.packA == nil || r0+k.mr > T || k8 == 0 {
		packRows(dst, x, dIn, T, k.mr, r0, k0, kc)
		return
	}
	dst = dst[:kc*k.mr]
	src := x[r0*dIn+k0 : (r0+k.mr-1)*dIn+k0+kc] // bounds the routine's reads
	k.packA(k8, &src[0], dIn, &dst[0])
	for r := 0; r < k.mr; r++ {
		for p := 8 * k8; p < kc; p++ {
			dst[p*k.mr+r] = src[r*dIn+p]
		}
	}
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

// packB packs the kc × nr block of the B operand at columns [j0, j0+nr) and rows [k0, k0+kc) into dst, k-major,
// zero past dOut: dst[p·nr + j] = W[j0+j][k0+p] for an OutIn W [dOut, dIn], W[k0+p][j0+j] for an InOut one. A 16-bit
// W is converted on the way; for an OutIn one its nr rows are first converted into conv (nr·kc floats) and packed
// from there.
func packB(dst []float32, w *Matrix, inOut bool, dIn, dOut, j0, k0, kc, nr int, conv []float32) {
	dst = dst[:kc*nr]
	n := min(nr, dOut-j0)
	if inOut { // the rows of W already are rows of the panel
		for p := 0; p < kc; p++ {
			row := dst[p*nr : (p+1)*nr]
			w.RowInto(row[:n], k0+p, j0)
			clear(row[n:])
		}
		return
	}
	if w.F32 == nil && (w.DType == decode.BF16 || w.DType == decode.F16) && n == nr && kc >= 8 {
		packB16Bit(dst, w, dIn, j0, k0, kc, nr)
		return
	}
	src, ld, base := w.F32, dIn, j0*dIn+k0
	if src == nil {
		src, ld, base = conv[:n*kc], kc, 0
		for j := 0; j < n; j++ {
			w.RowInto(src[j*kc:(j+1)*kc], j0+j, k0)
		}
	}
	if n < nr { // an edge panel: row by row, zero past dOut
		packRows(dst, src[base:], ld, n, nr, 0, 0, kc)
		return
	}
	// A full panel: sixteen rows and eight values of k at a time by register transposes, then the rest one by one.
	k8 := kc / 8
	for g := 0; g < nr; g += 16 {
		if k8 > 0 {
			s := src[base+g*ld : base+(g+15)*ld+8*k8] // bounds the routine's reads
			if gemmKernelOK {
				gemmPackB16(k8, &s[0], ld, &dst[g], nr)
			} else { // an amd64 CPU without AVX2
				packB16Go(k8, &s[0], ld, &dst[g], nr)
			}
		}
	}
	for j := 0; j < nr; j++ {
		row := src[base+j*ld : base+j*ld+kc]
		for p := 8 * k8; p < kc; p++ {
			dst[p*nr+j] = row[p]
		}
	}
}

// packB16Bit is packB for a full panel of an OutIn W stored in 16 bits (bfloat16 or binary16): its values are
// converted as they are transposed into dst, sixteen rows and eight values of k at a time (gemmPackB16BF16,
// gemmPackB16F16), without a float32 copy of the rows in between.
func packB16Bit(dst []float32, w *Matrix, dIn, j0, k0, kc, nr int) {
	pack := gemmPackB16BF16
	switch {
	case w.DType == decode.F16 && gemmKernelOK:
		pack = gemmPackB16F16
	case w.DType == decode.F16:
		pack = packB16F16Go
	case !gemmKernelOK: // an amd64 CPU without AVX2
		pack = packB16BF16Go
	}
	k8 := kc / 8
	base := j0*dIn + k0
	for g := 0; g < nr; g += 16 {
		s := w.Raw[2*(base+g*dIn) : 2*(base+(g+15)*dIn+8*k8)] // bounds the routine's reads
		pack(k8, &s[0], dIn, &dst[g], nr)
	}
	if p0 := 8 * k8; p0 < kc {
		var row [8]float32
		for j := 0; j < nr; j++ {
			w.RowInto(row[:kc-p0], j0+j, k0+p0)
			for p := p0; p < kc; p++ {
				dst[p*nr+j] = row[p-p0]
			}
		}
	}
}

// packB16BF16Go is gemmPackB16BF16 in plain Go:
//
//	dst[p·ldd + j] = float32(src[j·ld + p]),  p < 8·k8, j < 16,
//
// a bfloat16 being the high half of the float32 with the same bits.
func packB16BF16Go(k8 int, src *byte, ld int, dst *float32, ldd int) {
	if k8 <= 0 {
		return
	}
	s := unsafe.Slice(src, 2*(15*ld+8*k8))
	d := unsafe.Slice(dst, (8*k8-1)*ldd+16)
	for p := 0; p < 8*k8; p++ {
		for j := 0; j < 16; j++ {
			i := 2 * (j*ld + p)
			d[p*ldd+j] = math.Float32frombits(uint32(s[i])<<16 | uint32(s[i+1])<<24)
		}
	}
}

// packB16F16Go is gemmPackB16F16 in plain Go, converting with decode.Into.
func packB16F16Go(k8 int, src *byte, ld int, dst *float32, ldd int) {
	if k8 <= 0 {
		return
	}
	s := unsafe.Slice(src, 2*(15*ld+8*k8))
	d := unsafe.Slice(dst, (8*k8-1)*ldd+16)
	var eight [8]float32
	for j := 0; j < 16; j++ {
		for p0 := 0; p0 < 8*k8; p0 += 8 {
			decode.Into(eight[:], s[2*(j*ld+p0):2*(j*ld+p0+8)], decode.F16)
			for p, v := range eight {
				d[(p0+p)*ldd+j] = v
			}
		}
	}
}

// packB16Go is gemmPackB16 in plain Go:
//
//	dst[p·ldd + j] = src[j·ld + p],  p < 8·k8, j < 16.
func packB16Go(k8 int, src *float32, ld int, dst *float32, ldd int) {
	if k8 <= 0 {
		return
	}
	s := unsafe.Slice(src, 15*ld+8*k8)
	d := unsafe.Slice(dst, (8*k8-1)*ldd+16)
	for p := 0; p < 8*k8; p++ {
		for j := 0; j < 16; j++ {
			d[p*ldd+j] = s[j*ld+p]
		}
	}
}

// kernel6x16Go is gemmKernel6x16 in plain Go, for CPUs without AVX2 and FMA and under noasm:
//
//	C[r][j] = I[r][j] + Σ_{p<k} a[6p+r]·b[16p+j],
//
// each product rounded before it is added (Go does not fuse them on amd64), so its sums differ from the FMA
// kernels' in the last bits.
func kernel6x16Go(k int, a, b, c *float32, ldc int, init *float32, ldi int) {
	const mr, nr = 6, 16
	var acc [mr][nr]float32
	if k > 0 {
		as := unsafe.Slice(a, mr*k)
		bs := unsafe.Slice(b, nr*k)
		for p := range k {
			bp := (*[nr]float32)(bs[p*nr : p*nr+nr])
			for r := range mr {
				ar := as[p*mr+r]
				acc[r][0] += ar * bp[0]
				acc[r][1] += ar * bp[1]
				acc[r][2] += ar * bp[2]
				acc[r][3] += ar * bp[3]
				acc[r][4] += ar * bp[4]
				acc[r][5] += ar * bp[5]
				acc[r][6] += ar * bp[6]
				acc[r][7] += ar * bp[7]
				acc[r][8] += ar * bp[8]
				acc[r][9] += ar * bp[9]
				acc[r][10] += ar * bp[10]
				acc[r][11] += ar * bp[11]
				acc[r][12] += ar * bp[12]
				acc[r][13] += ar * bp[13]
				acc[r][14] += ar * bp[14]
				acc[r][15] += ar * bp[15]
			}
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	is := unsafe.Slice(init, (mr-1)*ldi+nr)
	for r := range acc {
		for j, v := range acc[r] {
			cs[r*ldc+j] = is[r*ldi+j] + v
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
