package cpu

import (
	"math"
	"unsafe"
)

// attnQRows and attnKCols are the tile of attention scores one micro-kernel call computes: attnQRows queries against
// attnKCols keys (or, for the weighted sum of values, attnQRows queries by attnKCols value dims). They are the shape
// of gemmKernel6x16.
const (
	attnQRows = gemmMR // 6
	attnKCols = gemmNR // 16
)

// attnQPanels is how many panels of attnQRows queries one attention task handles: 8 panels, 48 queries.
const attnQPanels = 8

// attnWorkspace is the scratch space of attention for sequences of up to maxT tokens: every head's packed queries,
// keys and values (filled in a first pass, read by all workers in the second), and each worker's scores and
// probabilities.
type attnWorkspace struct {
	maxT, H, hd int
	packed      []float32   // H × headLen(maxT): per head, packed q | packed k | packed v
	scores      [][]float32 // per worker: [attnQRows, roundUp(maxT, attnKCols)]
	probs       [][]float32 // per worker: packed [maxT, attnQRows]
	rot         [][]float32 // per worker: one rotated row [hd]
}

// newAttnWorkspace allocates attention's scratch space for sequences of up to maxT tokens, H heads of hd dims, and
// up to threads workers.
func newAttnWorkspace(maxT, H, hd, threads int) *attnWorkspace {
	threads = max(1, min(threads, H*ceilDiv(maxT, attnQRows*attnQPanels)))
	ws := &attnWorkspace{maxT: maxT, H: H, hd: hd}
	qLen, kLen, vLen := packedLens(maxT, hd)
	ws.packed = make([]float32, H*(qLen+kLen+vLen))
	for range threads {
		ws.scores = append(ws.scores, make([]float32, attnQRows*roundUp(maxT, attnKCols)))
		ws.probs = append(ws.probs, make([]float32, maxT*attnQRows))
		ws.rot = append(ws.rot, make([]float32, hd))
	}
	return ws
}

// packedLens returns the lengths of one head's packed queries, keys and values for T tokens of hd dims.
func packedLens(T, hd int) (q, k, v int) {
	return roundUp(T, attnQRows) * hd, roundUp(T, attnKCols) * hd, roundUp(hd, attnKCols) * T
}

// attention computes GPT-NeoX causal multi-head self-attention for one sequence, before the dense projection.
//
// qkv [T, 3d] is the query_key_value output. Viewed as [T, H, 3·hd], head h's query, key and value sit at columns
// h·3hd + [0, hd), [hd, 2hd) and [2hd, 3hd): q, k and v are interleaved per head, not three blocks. Rotary embedding
// acts on the first rp.r dims of q and k at positions 0..T−1. Then, per head,
//
//	s_ij   = (q_i·k_j) / √hd,                      j ≤ i,
//	p_ij   = exp(s_ij − max_j s_ij) / Σ_j exp(…),  (exp in float32, the sum in float64)
//	out[i] = Σ_{j≤i} p_ij · v_j,
//
// written into out [T, d] at columns h·hd + [0, hd) (heads merged head-major, as HF's _merge_heads does).
//
// Both products are small matrix products run on gemm's micro-kernel: S = Q·Kᵀ and O = P·V. A first pass packs each
// head's rotated queries into panels of 6 rows, its rotated keys into panels of 16 keys and its values into panels of
// 16 dims, in the layouts gemmKernel6x16 reads. The second pass takes a head and 48 queries at a time: for each 6
// queries it computes the scores against the keys 0..i (whole panels of 16, so a few past the diagonal that the
// softmax then ignores), writes the probabilities straight into a packed 6-row panel with zeros above the
// diagonal, and multiplies it by the value panels into out. Both passes run on up to threads goroutines; ws must
// come from newAttnWorkspace with maxT ≥ T and the same H and hd.
func attention(out, qkv []float32, T, H, hd int, rp *rope, threads int, ws *attnWorkspace) {
	if T <= 0 {
		return
	}
	if T > ws.maxT || H != ws.H || hd != ws.hd {
		panic("cpu: attention: workspace does not fit")
	}
	threads = min(threads, len(ws.scores))
	d := H * hd
	qLen, kLen, vLen := packedLens(T, hd)
	headLen := qLen + kLen + vLen
	parallelFor(H, threads, func(h, worker int) {
		p := ws.packed[h*headLen : (h+1)*headLen]
		packHead(p[:qLen], p[qLen:qLen+kLen], p[qLen+kLen:], qkv, T, d, h, hd, rp, ws.rot[worker])
	})

	kernel := gemmKernel6x16
	if !gemmKernelOK {
		kernel = kernel6x16Go
	}
	scale := float32(1 / math.Sqrt(float64(hd)))
	ldS := roundUp(T, attnKCols)
	chunks := ceilDiv(T, attnQRows*attnQPanels)
	parallelFor(H*chunks, threads, func(task, worker int) {
		h := task % H
		chunk := chunks - 1 - task/H // the longest rows first, so that the short ones fill in at the end
		p := ws.packed[h*headLen : (h+1)*headLen]
		qp, kp, vp := p[:qLen], p[qLen:qLen+kLen], p[qLen+kLen:]
		s, pp := ws.scores[worker], ws.probs[worker]
		for ip := chunk * attnQPanels; ip < min((chunk+1)*attnQPanels, ceilDiv(T, attnQRows)); ip++ {
			i0 := ip * attnQRows
			mr := min(attnQRows, T-i0) // queries in this panel
			kEnd := i0 + mr            // keys 0..kEnd−1 are visible to some query of the panel
			nk := ceilDiv(kEnd, attnKCols)
			qPanel := qp[ip*hd*attnQRows : (ip+1)*hd*attnQRows]

			// Scores S[r][j] = q_{i0+r}·k_j for j < 16·nk.
			for r := range attnQRows {
				clear(s[r*ldS : r*ldS+nk*attnKCols])
			}
			for jp := range nk {
				kPanel := kp[jp*hd*attnKCols : (jp+1)*hd*attnKCols]
				kernel(hd, unsafe.SliceData(qPanel), unsafe.SliceData(kPanel), &s[jp*attnKCols], ldS)
			}

			// Causal softmax of each row into the packed panel P (pp[6j + r] = p_{i0+r, j}), zero for j > i.
			for r := range mr {
				i := i0 + r
				softmaxRow(pp[:kEnd*attnQRows], r, s[r*ldS:r*ldS+i+1], kEnd, scale)
			}
			for r := mr; r < attnQRows; r++ {
				for j := range kEnd {
					pp[j*attnQRows+r] = 0
				}
			}

			// out[i0+r][h·hd + c] = Σ_j P[r][j]·v_j[c], sixteen dims c at a time.
			for c0 := 0; c0 < hd; c0 += attnKCols {
				vPanel := vp[c0*T : c0*T+kEnd*attnKCols]
				nc := min(attnKCols, hd-c0)
				if mr == attnQRows && nc == attnKCols {
					o := out[i0*d+h*hd+c0 : (i0+attnQRows-1)*d+h*hd+c0+attnKCols] // bounds the kernel's writes
					for r := range attnQRows {
						clear(o[r*d : r*d+attnKCols])
					}
					kernel(kEnd, unsafe.SliceData(pp), unsafe.SliceData(vPanel), &o[0], d)
					continue
				}
				var tile [attnQRows * attnKCols]float32
				kernel(kEnd, unsafe.SliceData(pp), unsafe.SliceData(vPanel), &tile[0], attnKCols)
				for r := range mr {
					copy(out[(i0+r)*d+h*hd+c0:(i0+r)*d+h*hd+c0+nc], tile[r*attnKCols:r*attnKCols+nc])
				}
			}
		}
	})
}

// softmaxRow turns the raw scores s_j = q_i·k_j (j < len(s)) of one query into probabilities
//
//	p_j = exp(scale·s_j − m) / Σ_j exp(scale·s_j − m),  m = max_j scale·s_j,
//
// and writes them into column r of the packed panel pp (pp[6j + r]) for j < len(s), with zeros for len(s) ≤ j <
// kEnd. s is overwritten with the unnormalised exponentials. The exponentials are float32 (expf32, or eight at a
// time by expShiftAVX2 where the CPU has AVX2 and FMA), the sum float64.
func softmaxRow(pp []float32, r int, s []float32, kEnd int, scale float32) {
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
	pp = pp[:kEnd*attnQRows]
	for j, e := range s {
		pp[j*attnQRows+r] = e * inv
	}
	for j := len(s); j < kEnd; j++ {
		pp[j*attnQRows+r] = 0
	}
}

// packHead packs head h of qkv [T, 3d] for attention, applying rotary embedding to the queries and keys:
//
//	qp[(i/6)·6hd + 6e + i%6]      = rot(q_i)[e]   (panels of 6 queries, zero past T)
//	kp[(j/16)·16hd + 16e + j%16]  = rot(k_j)[e]   (panels of 16 keys, zero past T)
//	vp[(c/16)·16T + 16j + c%16]   = v_j[c]        (panels of 16 dims, zero past hd)
//
// rot is scratch for one row of hd values.
func packHead(qp, kp, vp, qkv []float32, T, d, h, hd int, rp *rope, rot []float32) {
	clear(qp)
	clear(kp)
	clear(vp)
	for t := range T {
		row := qkv[t*3*d+h*3*hd : t*3*d+(h+1)*3*hd] // [3·hd]: this head's q | k | v
		copy(rot, row[:hd])
		rp.apply(rot, t)
		q := qp[(t/attnQRows)*hd*attnQRows+t%attnQRows:]
		for e, x := range rot {
			q[e*attnQRows] = x
		}
		copy(rot, row[hd:2*hd])
		rp.apply(rot, t)
		k := kp[(t/attnKCols)*hd*attnKCols+t%attnKCols:]
		for e, x := range rot {
			k[e*attnKCols] = x
		}
		for c0 := 0; c0 < hd; c0 += attnKCols {
			copy(vp[c0*T+t*attnKCols:c0*T+t*attnKCols+min(attnKCols, hd-c0)], row[2*hd+c0:])
		}
	}
}

// kernel6x16Go is gemmKernel6x16 in plain Go, for CPUs without AVX2 and FMA:
//
//	C[r][j] += Σ_{p<k} a[6p+r]·b[16p+j],  r < 6, j < 16.
func kernel6x16Go(k int, a, b, c *float32, ldc int) {
	if k <= 0 {
		return
	}
	as := unsafe.Slice(a, attnQRows*k)
	bs := unsafe.Slice(b, attnKCols*k)
	cs := unsafe.Slice(c, (attnQRows-1)*ldc+attnKCols)
	var acc [attnQRows][attnKCols]float32
	for p := range k {
		bp := bs[p*attnKCols : p*attnKCols+attnKCols]
		for r := range attnQRows {
			ar := as[p*attnQRows+r]
			for j := range bp {
				acc[r][j] += ar * bp[j]
			}
		}
	}
	for r := range acc {
		for j, v := range acc[r] {
			cs[r*ldc+j] += v
		}
	}
}
