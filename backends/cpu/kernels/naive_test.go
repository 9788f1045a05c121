package kernels

import "math"

// This file keeps the float64 implementations written from the definitions that the fast kernels are measured
// against: simple enough to check by eye.

// attention64 is Attention in float64 throughout: for each query head h (reading kv head h/(H/KV)) and query i,
// scores Scale·q_i·k_j (soft-capped when SoftCap > 0) over the visible keys, an explicit softmax, and the weighted
// sum of the values.
func attention64(q, k, v []float32, T int, p *AttnParams) []float64 {
	H, KV, hd := p.Heads, p.KVHeads, p.HeadDim
	out := make([]float64, T*H*hd)
	w := make([]float64, T)
	for h := 0; h < H; h++ {
		g := h / (H / KV)
		for i := 0; i < T; i++ {
			lo := 0
			if p.Window > 0 {
				lo = max(0, i-p.Window+1)
			}
			mx := math.Inf(-1)
			for j := lo; j <= i; j++ {
				var s float64
				for e := 0; e < hd; e++ {
					s += float64(q[i*H*hd+h*hd+e]) * float64(k[j*KV*hd+g*hd+e])
				}
				s *= float64(p.Scale)
				if c := float64(p.SoftCap); c > 0 {
					s = c * math.Tanh(s/c)
				}
				w[j] = s
				mx = max(mx, s)
			}
			var z float64
			for j := lo; j <= i; j++ {
				w[j] = math.Exp(w[j] - mx)
				z += w[j]
			}
			for j := lo; j <= i; j++ {
				for e := 0; e < hd; e++ {
					out[i*H*hd+h*hd+e] += w[j] / z * float64(v[j*KV*hd+g*hd+e])
				}
			}
		}
	}
	return out
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
