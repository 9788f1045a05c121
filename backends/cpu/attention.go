package cpu

import "math"

// attnScratch is one worker's scratch space for attention: a head's rotated queries and keys, its values, and one row
// of scores.
type attnScratch struct {
	q, k, v []float32 // [T, hd]
	p       []float32 // [T]
}

// attention computes GPT-NeoX causal multi-head self-attention for one sequence, before the dense projection.
//
// qkv [T, 3d] is the query_key_value output. Viewed as [T, H, 3·hd], head h's query, key and value sit at columns
// h·3hd + [0, hd), [hd, 2hd) and [2hd, 3hd): q, k and v are interleaved per head, not three blocks. Rotary embedding
// acts on the first rp.r dims of q and k at positions 0..T−1. Then, per head,
//
//	out[i] = Σ_{j≤i} softmax_j(q_i·k_j / √hd) · v_j,
//
// written into out [T, d] at columns h·hd + [0, hd) (heads merged head-major, as HF's _merge_heads does). Heads run in
// parallel on up to threads goroutines; scratch must hold one entry per thread, each sized for T.
func attention(out, qkv []float32, T, H, hd int, rp *rope, threads int, scratch []attnScratch) {
	d := H * hd
	scale := float32(1 / math.Sqrt(float64(hd)))
	parallelFor(H, threads, func(h, worker int) {
		s := &scratch[worker]
		q, k, v, p := s.q[:T*hd], s.k[:T*hd], s.v[:T*hd], s.p[:T]
		for t := 0; t < T; t++ {
			row := qkv[t*3*d+h*3*hd : t*3*d+(h+1)*3*hd] // [3·hd]: this head's q | k | v
			qt, kt := q[t*hd:(t+1)*hd], k[t*hd:(t+1)*hd]
			copy(qt, row[:hd])
			copy(kt, row[hd:2*hd])
			copy(v[t*hd:(t+1)*hd], row[2*hd:])
			rp.apply(qt, t)
			rp.apply(kt, t)
		}
		for i := 0; i < T; i++ {
			qi := q[i*hd : (i+1)*hd]
			maxv := float32(math.Inf(-1))
			for j := 0; j <= i; j++ { // causal: keys 0..i only
				sc := dot(qi, k[j*hd:(j+1)*hd]) * scale
				p[j] = sc
				maxv = max(maxv, sc)
			}
			var sum float64
			for j := 0; j <= i; j++ {
				e := float32(math.Exp(float64(p[j] - maxv)))
				p[j] = e
				sum += float64(e)
			}
			inv := float32(1 / sum)
			oi := out[i*d+h*hd : i*d+(h+1)*hd]
			clear(oi)
			for j := 0; j <= i; j++ {
				pj := p[j] * inv
				vj := v[j*hd : (j+1)*hd]
				for e := range oi {
					oi[e] += pj * vj[e]
				}
			}
		}
	})
}
