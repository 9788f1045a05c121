package cpu

import "math"

// This file keeps the straightforward implementations that the fast attention and GELUs replaced. They are the
// references the tests compare against: simple enough to check by eye, and evaluated the way the first version of
// the backend evaluated them.

// attentionNaive is causal multi-head self-attention written row by row (see attention for the layout): rotary on a
// copy of each head's q and k, scores q_i·k_j/√hd for j ≤ i, softmax with max subtraction and a float64 sum, then
// out[i] = Σ_j p_j·v_j.
func attentionNaive(out, qkv []float32, T, H, hd int, rp *rope) {
	d := H * hd
	scale := float32(1 / math.Sqrt(float64(hd)))
	q, k, v, p := make([]float32, T*hd), make([]float32, T*hd), make([]float32, T*hd), make([]float32, T)
	for h := 0; h < H; h++ {
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
			for j := 0; j <= i; j++ {
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
	}
}

// geluErfNaive is 0.5·x·(1 + erf(x/√2)) evaluated in float64 with math.Erf.
func geluErfNaive(x float32) float32 {
	f := float64(x)
	return float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
}

// geluTanhNaive is 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) evaluated in float64 with math.Tanh.
func geluTanhNaive(x float32) float32 {
	const c = 0.7978845608028654 // √(2/π)
	f := float64(x)
	return float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
}

// attention64 is attentionNaive in float64 throughout (rotary from the same float32 tables), the yardstick against
// which both float32 implementations' rounding is measured.
func attention64(qkv []float32, T, H, hd int, rp *rope) []float64 {
	d := H * hd
	out := make([]float64, T*d)
	rot := func(x []float64, t int) {
		half := rp.r / 2
		for i := 0; i < half; i++ {
			c, s := float64(rp.cos[t*half+i]), float64(rp.sin[t*half+i])
			a, b := x[i], x[i+half]
			x[i], x[i+half] = a*c-b*s, b*c+a*s
		}
	}
	q, k, v := make([]float64, T*hd), make([]float64, T*hd), make([]float64, T*hd)
	p := make([]float64, T)
	for h := 0; h < H; h++ {
		for t := 0; t < T; t++ {
			for e := 0; e < hd; e++ {
				base := t*3*d + h*3*hd + e
				q[t*hd+e], k[t*hd+e], v[t*hd+e] = float64(qkv[base]), float64(qkv[base+hd]), float64(qkv[base+2*hd])
			}
			rot(q[t*hd:(t+1)*hd], t)
			rot(k[t*hd:(t+1)*hd], t)
		}
		for i := 0; i < T; i++ {
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				var s float64
				for e := 0; e < hd; e++ {
					s += q[i*hd+e] * k[j*hd+e]
				}
				p[j] = s / math.Sqrt(float64(hd))
				mx = max(mx, p[j])
			}
			var z float64
			for j := 0; j <= i; j++ {
				p[j] = math.Exp(p[j] - mx)
				z += p[j]
			}
			for j := 0; j <= i; j++ {
				for e := 0; e < hd; e++ {
					out[i*d+h*hd+e] += p[j] / z * v[j*hd+e]
				}
			}
		}
	}
	return out
}
