package kernels

import (
	"math"
	"unsafe"
)

// AttnChunk is the number of queries one attention task handles; sequences longer than this are split into chunks
// that run in parallel. It is a multiple of every micro-kernel's mr (6 and 12), so that a chunk is whole panels of
// queries: 8 panels of 6 on the AVX2 and pure-Go kernels, 4 panels of 12 on the AVX-512 one.
const AttnChunk = 48

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
	scores [][]float32 // per worker: [mr, roundUp(T, nr)], the scores of one panel of queries, then their probabilities
	probs  [][]float32 // per worker: the probabilities of one panel of queries, packed [T, mr]
	tiles  [][]float32 // per worker: one mr × nr block at the edge of the output
}

// grow makes room for T tokens of p on up to workers workers of the micro-kernel kern.
func (ws *AttnWorkspace) grow(T int, p *AttnParams, workers int, kern *microKernel) {
	mr, nr := kern.mr, kern.nr
	qLen, kLen, vLen := packedLens(T, p.HeadDim, mr, nr)
	if n := p.Heads*qLen + p.KVHeads*(kLen+vLen); len(ws.packed) < n {
		ws.packed = make([]float32, n)
	}
	for len(ws.scores) < workers {
		ws.scores = append(ws.scores, nil)
		ws.probs = append(ws.probs, nil)
		ws.tiles = append(ws.tiles, nil)
	}
	for w := range workers {
		if n := mr * roundUp(T, nr); len(ws.scores[w]) < n {
			ws.scores[w] = make([]float32, n)
		}
		if n := T * mr; len(ws.probs[w]) < n {
			ws.probs[w] = make([]float32, n)
		}
		if n := mr * nr; len(ws.tiles[w]) < n {
			ws.tiles[w] = make([]float32, n)
		}
	}
}

// packedLens returns the lengths of one head's packed queries (panels of mr queries), keys (panels of nr keys) and
// values (panels of nr dims) for T tokens of hd dims.
func packedLens(T, hd, mr, nr int) (q, k, v int) {
	return roundUp(T, mr) * hd, roundUp(T, nr) * hd, roundUp(hd, nr) * T
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
// Both products are small matrix products run on the micro-kernel Linear runs (12×32 on AVX-512 where it was chosen,
// 6×16 on AVX2, the pure-Go 6×16 otherwise): S = Q·Kᵀ and O = P·V. Each q_i·k_j is one FMA chain over the dims in
// increasing order, and each out[i][c] one chain over the keys in increasing order, so every kernel with FMA gives
// the same bits; see attention for how the work is laid out. Both passes run on up to threads goroutines; the result
// does not depend on threads.
func Attention(out, q, k, v []float32, T int, p *AttnParams, threads int, ws *AttnWorkspace) {
	attention(out, q, k, v, T, p, threads, ws, kernel())
}

// attention is Attention on the micro-kernel kern, of mr × nr blocks.
//
// A first pass packs each query head into panels of mr queries, each kv head's keys into panels of nr keys and its
// values into panels of nr dims, in the layouts the micro-kernel reads (the same as gemm's packed x and Wᵀ, through
// the same packA and packB). The second pass takes a head and AttnChunk queries at a time, head after head so that
// the workers share one head's keys and values while they are in cache. For each mr queries it computes the scores
// against the visible keys (whole panels of nr, so a few outside the window that the softmax then ignores), turns
// each row into probabilities in place with zeros where a key is not visible, packs the rows into a panel of mr rows
// by register transposes, and multiplies it by the value panels into out. A key past the last one a row sees has
// probability 0 and adds an exact zero to that row's sums.
func attention(out, q, k, v []float32, T int, p *AttnParams, threads int, ws *AttnWorkspace, kern *microKernel) {
	if T <= 0 {
		return
	}
	H, KV, hd := p.Heads, p.KVHeads, p.HeadDim
	if KV <= 0 || H%KV != 0 || len(q) < T*H*hd || len(k) < T*KV*hd || len(v) < T*KV*hd || len(out) < T*H*hd {
		panic("kernels: Attention: bad shapes")
	}
	mr, nr := kern.mr, kern.nr
	chunks := ceilDiv(T, AttnChunk)
	threads = max(1, min(threads, H*chunks))
	ws.grow(T, p, threads, kern)
	qLen, kLen, vLen := packedLens(T, hd, mr, nr)
	kvBase := H * qLen
	ParallelFor(H+KV, threads, func(i, _ int) {
		if i < H {
			packQ(ws.packed[i*qLen:(i+1)*qLen], q, T, H*hd, i*hd, hd, kern)
			return
		}
		g := ws.packed[kvBase+(i-H)*(kLen+vLen) : kvBase+(i-H+1)*(kLen+vLen)]
		packKV(g[:kLen], g[kLen:], k, v, T, KV*hd, (i-H)*hd, hd, nr)
	})

	d := H * hd
	group := H / KV
	ldS := roundUp(T, nr)
	panels, perChunk := ceilDiv(T, mr), AttnChunk/mr
	zmm := kern == kernelAVX512 // the softmax's exponentials sixteen at a time too
	ParallelFor(H*chunks, threads, func(task, worker int) {
		// Head by head, so that consecutive tasks read the same packed keys and values while they are in cache;
		// within a head the longest rows first, so that the short ones fill in at the end.
		h, chunk := task/chunks, chunks-1-task%chunks
		qp := ws.packed[h*qLen : (h+1)*qLen]
		g := ws.packed[kvBase+(h/group)*(kLen+vLen) : kvBase+(h/group+1)*(kLen+vLen)]
		kp, vp := g[:kLen], g[kLen:]
		s, pp, tile := ws.scores[worker], ws.probs[worker], ws.tiles[worker][:mr*nr]
		for ip := chunk * perChunk; ip < min((chunk+1)*perChunk, panels); ip++ {
			i0 := ip * mr
			rows := min(mr, T-i0) // queries in this panel
			kEnd := i0 + rows     // keys kLo..kEnd−1 are visible to some query of the panel
			kLo := 0
			if p.Window > 0 {
				kLo = max(0, i0-p.Window+1)
			}
			qPanel := qp[ip*hd*mr : (ip+1)*hd*mr]

			// Scores S[r][j] = q_{i0+r}·k_j for nr·⌊kLo/nr⌋ ≤ j < nr·⌈kEnd/nr⌉.
			for jp := kLo / nr; jp < ceilDiv(kEnd, nr); jp++ {
				kPanel := kp[jp*hd*nr : (jp+1)*hd*nr]
				kern.run(hd, unsafe.SliceData(qPanel), unsafe.SliceData(kPanel), &s[jp*nr], ldS, &zeroRow[0], 0)
			}

			// Row r of S over [kLo, kEnd) becomes the probabilities of query i0+r, zero for the keys it does not
			// see, and zero throughout for the rows past T; then P is packed, pp[mr·(j−kLo) + r] = p_{i0+r, j}.
			for r := range rows {
				i := i0 + r
				lo := 0
				if p.Window > 0 {
					lo = max(0, i-p.Window+1)
				}
				softmaxRow(s[r*ldS+kLo:r*ldS+kEnd], lo-kLo, i+1-kLo, p.Scale, p.SoftCap, zmm)
			}
			for r := rows; r < mr; r++ {
				clear(s[r*ldS+kLo : r*ldS+kEnd])
			}
			nk := kEnd - kLo
			packA(pp[:nk*mr], s, ldS, mr, 0, kLo, nk, kern)

			// out[i0+r][h·hd + c] = Σ_j P[r][j]·v_j[c], nr dims c at a time, over the keys kLo..kEnd−1.
			for c0 := 0; c0 < hd; c0 += nr {
				vPanel := vp[c0*T+kLo*nr : c0*T+kEnd*nr]
				nc := min(nr, hd-c0)
				if rows == mr && nc == nr {
					o := out[i0*d+h*hd+c0 : (i0+mr-1)*d+h*hd+c0+nr] // bounds the kernel's writes
					kern.run(nk, unsafe.SliceData(pp), unsafe.SliceData(vPanel), &o[0], d, &zeroRow[0], 0)
					continue
				}
				kern.run(nk, unsafe.SliceData(pp), unsafe.SliceData(vPanel), &tile[0], nr, &zeroRow[0], 0)
				for r := range rows {
					copy(out[(i0+r)*d+h*hd+c0:(i0+r)*d+h*hd+c0+nc], tile[r*nr:r*nr+nc])
				}
			}
		}
	})
}

// softmaxRow turns the raw scores row[j] = q_i·k_j of one query into its probabilities over the visible keys
// lo ≤ j < hi,
//
//	x_j = scale·row_j,  then x_j = c·tanh(x_j/c) when c = softCap > 0,
//	p_j = exp(x_j − m) / Σ_j exp(x_j − m),  m = max_j x_j,
//
// in place, and sets row[j] = 0 for the other j. The maximum and the final products e_j·(1/Σ) run eight at a time
// where the CPU has AVX2 (maxScaledAVX2, scaleAVX2), with the same results as the scalar loops: a maximum is exact,
// and the products are the same float32 multiplications. The exponentials are float32 (expf32, or eight at a time by
// expShiftAVX2, sixteen by expShiftAVX512 with zmm, which gives the same bits), the sum float64.
func softmaxRow(row []float32, lo, hi int, scale, softCap float32, zmm bool) {
	clear(row[:lo])
	clear(row[hi:])
	s := row[lo:hi]
	if softCap > 0 {
		for j, v := range s {
			s[j] = softCap * float32(math.Tanh(float64(v*scale/softCap)))
		}
		scale = 1
	}
	n8 := 0
	if vecMathOK {
		n8 = len(s) &^ 7
	}
	mx := float32(math.Inf(-1))
	if n8 > 0 {
		mx = maxScaledAVX2(unsafe.SliceData(s), n8, scale)
	}
	for _, v := range s[n8:] {
		mx = max(mx, v*scale)
	}
	var sum float64
	switch {
	case n8 > 0 && zmm:
		sum = expShiftAVX512(unsafe.SliceData(s), n8, scale, mx)
	case n8 > 0:
		sum = expShiftAVX2(unsafe.SliceData(s), n8, scale, mx)
	}
	for j := n8; j < len(s); j++ {
		e := expf32(s[j]*scale - mx)
		s[j] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	if n8 > 0 {
		scaleAVX2(unsafe.SliceData(s), n8, inv)
	}
	for j := n8; j < len(s); j++ {
		s[j] *= inv
	}
}

// packQ packs one query head, the hd columns from col of q [T, ld], into panels of kern.mr queries, zero past T, as
// gemm packs x:
//
//	qp[(i/mr)·mr·hd + mr·e + i%mr] = q[i][col+e].
func packQ(qp, q []float32, T, ld, col, hd int, kern *microKernel) {
	mr := kern.mr
	for ip := range ceilDiv(T, mr) {
		packA(qp[ip*hd*mr:(ip+1)*hd*mr], q, ld, T, ip*mr, col, hd, kern)
	}
}

// packKV packs one kv head, the hd columns from col of k and v [T, ld]:
//
//	kp[(j/nr)·nr·hd + nr·e + j%nr] = k[j][col+e]   (panels of nr keys, zero past T, as gemm packs Wᵀ)
//	vp[(c/nr)·nr·T + nr·j + c%nr]  = v[j][col+c]   (panels of nr dims)
//
// The slots of the last value panel past hd are left as they are: they only reach the columns of an output tile past
// hd, which are never copied out.
func packKV(kp, vp, k, v []float32, T, ld, col, hd, nr int) {
	km := F32Matrix(k, T, ld)
	for jp := range ceilDiv(T, nr) {
		packB(kp[jp*hd*nr:(jp+1)*hd*nr], km, false, ld, T, jp*nr, col, hd, nr, nil)
	}
	for t := range T {
		row := v[t*ld+col : t*ld+col+hd]
		for c0 := 0; c0 < hd; c0 += nr {
			copy(vp[c0*T+t*nr:c0*T+t*nr+min(nr, hd-c0)], row[c0:])
		}
	}
}
