package kernels

import (
	"math"
	"unsafe"
)

// attnQRows and attnKCols are the tile of attention scores one micro-kernel call computes: attnQRows queries against
// attnKCols keys (or, for the weighted sum of values, attnQRows queries by attnKCols value dims). They are the shape
// of gemmKernel6x16.
const (
	attnQRows = 6
	attnKCols = 16
)

// attnQPanels is how many panels of attnQRows queries one attention task handles: 8 panels, 48 queries.
const attnQPanels = 8

// AttnChunk is the number of queries one attention task handles; sequences longer than this are split into chunks
// that run in parallel.
const AttnChunk = attnQRows * attnQPanels

// AttnParams describes causal self-attention over head-major q, k and v (see Attention).
type AttnParams struct {
	Heads, KVHeads, HeadDim int
	Scale                   float32 // multiplies q·k
	SoftCap                 float32 // c in c·tanh(s/c), applied before the mask; 0 for none
	Window                  int     // a query at q sees keys k with q − Window < k ≤ q; 0 for no window
}

// AttnWorkspace is the scratch space of Attention: every head's packed queries, keys and values (filled in a first
// pass, read by all workers in the second), and each worker's scores and probabilities. It grows as needed; reuse
// one across calls.
type AttnWorkspace struct {
	packed []float32   // H packed q heads, then KV packed (k | v) heads
	scores [][]float32 // per worker: [attnQRows, roundUp(T, attnKCols)]
	probs  [][]float32 // per worker: packed [T, attnQRows]
	tiles  [][]float32 // per worker: one attnQRows × attnKCols block at the edge of the output
}

// grow makes room for T tokens of p and up to workers workers.
func (ws *AttnWorkspace) grow(T int, p *AttnParams, workers int) {
	qLen, kLen, vLen := packedLens(T, p.HeadDim)
	if n := p.Heads*qLen + p.KVHeads*(kLen+vLen); len(ws.packed) < n {
		ws.packed = make([]float32, n)
	}
	for len(ws.scores) < workers {
		ws.scores = append(ws.scores, nil)
		ws.probs = append(ws.probs, nil)
		ws.tiles = append(ws.tiles, make([]float32, attnQRows*attnKCols))
	}
	for w := range workers {
		if n := attnQRows * roundUp(T, attnKCols); len(ws.scores[w]) < n {
			ws.scores[w] = make([]float32, n)
		}
		if n := T * attnQRows; len(ws.probs[w]) < n {
			ws.probs[w] = make([]float32, n)
		}
	}
}

// packedLens returns the lengths of one head's packed queries, keys and values for T tokens of hd dims.
func packedLens(T, hd int) (q, k, v int) {
	return roundUp(T, attnQRows) * hd, roundUp(T, attnKCols) * hd, roundUp(hd, attnKCols) * T
}

// Attention computes causal multi-head self-attention for one sequence of T tokens, before the output projection.
//
// q [T, H·hd] holds the H query heads of each token, head j at columns [j·hd, (j+1)·hd); k and v [T, KV·hd] hold the
// KV key and value heads the same way (any rotary embedding already applied). Query head j reads kv head
// j / (H/KV), as HF's repeat_kv repeats each kv head consecutively. Per query head and query i,
//
//	s_ij   = Scale·(q_i·k_j)                                 (float32)
//	s_ij   = SoftCap·tanh(s_ij/SoftCap)                      when SoftCap > 0, before the mask
//	p_ij   = exp(s_ij − max_j s_ij) / Σ_j exp(s_ij − max_j s_ij)   over the visible j: j ≤ i, and i − Window < j
//	                                                         when Window > 0 (exp in float32, the sum in float64)
//	out[i] = Σ_j p_ij · v_j,
//
// written into out [T, H·hd] at columns j·hd + [0, hd) (heads merged head-major, as HF's merge does).
//
// Both products are small matrix products run on gemm's micro-kernel: S = Q·Kᵀ and O = P·V. A first pass packs each
// query head into panels of 6 rows, each kv head's keys into panels of 16 keys and its values into panels of 16
// dims, in the layouts gemmKernel6x16 reads. The second pass takes a head and 48 queries at a time: for each 6
// queries it computes the scores against the visible keys (whole panels of 16, so a few outside the window that the
// softmax then ignores), writes the probabilities straight into a packed 6-row panel with zeros where a key is not
// visible, and multiplies it by the value panels into out. Both passes run on up to threads goroutines; the result
// does not depend on threads.
func Attention(out, q, k, v []float32, T int, p *AttnParams, threads int, ws *AttnWorkspace) {
	if T <= 0 {
		return
	}
	H, KV, hd := p.Heads, p.KVHeads, p.HeadDim
	if KV <= 0 || H%KV != 0 || len(q) < T*H*hd || len(k) < T*KV*hd || len(v) < T*KV*hd || len(out) < T*H*hd {
		panic("kernels: Attention: bad shapes")
	}
	chunks := ceilDiv(T, AttnChunk)
	threads = max(1, min(threads, H*chunks))
	ws.grow(T, p, threads)
	qLen, kLen, vLen := packedLens(T, hd)
	kvBase := H * qLen
	ParallelFor(H+KV, threads, func(i, _ int) {
		if i < H {
			packQ(ws.packed[i*qLen:(i+1)*qLen], q, T, H*hd, i*hd, hd)
			return
		}
		g := ws.packed[kvBase+(i-H)*(kLen+vLen) : kvBase+(i-H+1)*(kLen+vLen)]
		packKV(g[:kLen], g[kLen:], k, v, T, KV*hd, (i-H)*hd, hd)
	})

	kernel := gemmKernel6x16
	if !gemmKernelOK {
		kernel = kernel6x16Go
	}
	d := H * hd
	group := H / KV
	ldS := roundUp(T, attnKCols)
	ParallelFor(H*chunks, threads, func(task, worker int) {
		h := task % H
		chunk := chunks - 1 - task/H // the longest rows first, so that the short ones fill in at the end
		qp := ws.packed[h*qLen : (h+1)*qLen]
		g := ws.packed[kvBase+(h/group)*(kLen+vLen) : kvBase+(h/group+1)*(kLen+vLen)]
		kp, vp := g[:kLen], g[kLen:]
		s, pp := ws.scores[worker], ws.probs[worker]
		for ip := chunk * attnQPanels; ip < min((chunk+1)*attnQPanels, ceilDiv(T, attnQRows)); ip++ {
			i0 := ip * attnQRows
			mr := min(attnQRows, T-i0) // queries in this panel
			kEnd := i0 + mr            // keys kLo..kEnd−1 are visible to some query of the panel
			kLo := 0
			if p.Window > 0 {
				kLo = max(0, i0-p.Window+1)
			}
			jp0, nk := kLo/attnKCols, ceilDiv(kEnd, attnKCols)
			qPanel := qp[ip*hd*attnQRows : (ip+1)*hd*attnQRows]

			// Scores S[r][j] = q_{i0+r}·k_j for 16·jp0 ≤ j < 16·nk.
			for jp := jp0; jp < nk; jp++ {
				kPanel := kp[jp*hd*attnKCols : (jp+1)*hd*attnKCols]
				kernel(hd, unsafe.SliceData(qPanel), unsafe.SliceData(kPanel), &s[jp*attnKCols], ldS, &zeroRow[0], 0)
			}

			// Softmax of each row over its visible keys into the packed panel P (pp[6j + r] = p_{i0+r, j}), zero for
			// the keys in [kLo, kEnd) it does not see.
			for r := range mr {
				i := i0 + r
				lo := 0
				if p.Window > 0 {
					lo = max(0, i-p.Window+1)
				}
				softmaxRow(pp, r, s[r*ldS:r*ldS+i+1], lo, kLo, kEnd, p.Scale, p.SoftCap)
			}
			for r := mr; r < attnQRows; r++ {
				for j := kLo; j < kEnd; j++ {
					pp[j*attnQRows+r] = 0
				}
			}

			// out[i0+r][h·hd + c] = Σ_j P[r][j]·v_j[c], sixteen dims c at a time, over the keys kLo..kEnd−1.
			for c0 := 0; c0 < hd; c0 += attnKCols {
				vPanel := vp[c0*T+kLo*attnKCols : c0*T+kEnd*attnKCols]
				pPanel := pp[kLo*attnQRows : kEnd*attnQRows]
				nc := min(attnKCols, hd-c0)
				if mr == attnQRows && nc == attnKCols {
					o := out[i0*d+h*hd+c0 : (i0+attnQRows-1)*d+h*hd+c0+attnKCols] // bounds the kernel's writes
					kernel(kEnd-kLo, unsafe.SliceData(pPanel), unsafe.SliceData(vPanel), &o[0], d, &zeroRow[0], 0)
					continue
				}
				tile := ws.tiles[worker][:attnQRows*attnKCols]
				kernel(kEnd-kLo, unsafe.SliceData(pPanel), unsafe.SliceData(vPanel), &tile[0], attnKCols, &zeroRow[0], 0)
				for r := range mr {
					copy(out[(i0+r)*d+h*hd+c0:(i0+r)*d+h*hd+c0+nc], tile[r*attnKCols:r*attnKCols+nc])
				}
			}
		}
	})
}

// softmaxRow turns the raw scores s[j] = q_i·k_j (j < len(s)) of one query into probabilities over its visible keys
// lo ≤ j < len(s),
//
//	x_j = scale·s_j,  then x_j = c·tanh(x_j/c) when c = softCap > 0,
//	p_j = exp(x_j − m) / Σ_j exp(x_j − m),  m = max_j x_j,
//
// and writes them into column r of the packed panel pp (pp[6j + r]) for lo ≤ j < len(s), with zeros for the other
// j in [kLo, kEnd). s is overwritten. The exponentials are float32 (expf32, or eight at a time by expShiftAVX2 where
// the CPU has AVX2 and FMA), the sum float64.
func softmaxRow(pp []float32, r int, s []float32, lo, kLo, kEnd int, scale, softCap float32) {
	s = s[lo:]
	if softCap > 0 {
		for j, v := range s {
			s[j] = softCap * float32(math.Tanh(float64(v*scale/softCap)))
		}
		scale = 1
	}
	mx := float32(math.Inf(-1))
	for _, v := range s {
		mx = max(mx, v*scale)
	}
	var sum float64
	j0 := 0
	if vecMathOK && len(s) >= 8 {
		j0 = len(s) &^ 7
		sum = expShiftAVX2(unsafe.SliceData(s), j0, scale, mx)
	}
	for j := j0; j < len(s); j++ {
		e := expf32(s[j]*scale - mx)
		s[j] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for j := kLo; j < lo; j++ {
		pp[j*attnQRows+r] = 0
	}
	for j, e := range s {
		pp[(lo+j)*attnQRows+r] = e * inv
	}
	for j := lo + len(s); j < kEnd; j++ {
		pp[j*attnQRows+r] = 0
	}
}

// packQ packs one query head, the hd columns from col of q [T, ld], into panels of 6 queries, zero past T:
//
//	qp[(i/6)·6hd + 6e + i%6] = q[i][col+e].
func packQ(qp, q []float32, T, ld, col, hd int) {
	clear(qp)
	for t := range T {
		dst := qp[(t/attnQRows)*hd*attnQRows+t%attnQRows:]
		for e, x := range q[t*ld+col : t*ld+col+hd] {
			dst[e*attnQRows] = x
		}
	}
}

// packKV packs one kv head, the hd columns from col of k and v [T, ld]:
//
//	kp[(j/16)·16hd + 16e + j%16] = k[j][col+e]   (panels of 16 keys, zero past T)
//	vp[(c/16)·16T + 16j + c%16]  = v[j][col+c]   (panels of 16 dims, zero past hd)
func packKV(kp, vp, k, v []float32, T, ld, col, hd int) {
	clear(kp)
	clear(vp)
	for t := range T {
		dst := kp[(t/attnKCols)*hd*attnKCols+t%attnKCols:]
		for e, x := range k[t*ld+col : t*ld+col+hd] {
			dst[e*attnKCols] = x
		}
		row := v[t*ld+col : t*ld+col+hd]
		for c0 := 0; c0 < hd; c0 += attnKCols {
			copy(vp[c0*T+t*attnKCols:c0*T+t*attnKCols+min(attnKCols, hd-c0)], row[c0:])
		}
	}
}
