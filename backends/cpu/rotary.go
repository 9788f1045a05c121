package cpu

import "math"

// rope holds the rotary position embedding tables of GPT-NeoX for positions 0..T−1 over the first r dims of each
// head (r even):
//
//	inv_freq[i] = 1 / base^(2i/r),  i < r/2
//	θ[t][i]     = t · inv_freq[i]
//
// The tables are built in float32 the way Hugging Face builds them (inv_freq, t and their product are float32), so the
// angles round exactly as they do there; cos and sin are evaluated in float64 and rounded.
type rope struct {
	r        int       // rotary dims per head
	cos, sin []float32 // [T, r/2]
}

// newRope builds the tables for r rotary dims and positions 0..T−1.
func newRope(r int, base float64, T int) *rope {
	half := r / 2
	p := &rope{r: r, cos: make([]float32, T*half), sin: make([]float32, T*half)}
	inv := make([]float32, half)
	for i := range inv {
		e := float32(2*i) / float32(r)
		inv[i] = float32(1 / float64(float32(math.Pow(base, float64(e)))))
	}
	for t := 0; t < T; t++ {
		for i, f := range inv {
			theta := float64(float32(t) * f)
			p.cos[t*half+i] = float32(math.Cos(theta))
			p.sin[t*half+i] = float32(math.Sin(theta))
		}
	}
	return p
}

// apply rotates the first r dims of one head's query or key vector x at position t:
//
//	x·cos + rotate_half(x)·sin,  rotate_half(x) = cat(−x2, x1),
//
// where x1 and x2 are the two halves of x[:r] and cos, sin repeat over the halves (emb = cat(freqs, freqs)).
func (p *rope) apply(x []float32, t int) {
	half := p.r / 2
	if half == 0 {
		return
	}
	c := p.cos[t*half : (t+1)*half]
	s := p.sin[t*half : (t+1)*half]
	x1, x2 := x[:half], x[half:2*half]
	for i := range half {
		a, b := x1[i], x2[i]
		x1[i] = a*c[i] - b*s[i]
		x2[i] = b*c[i] + a*s[i]
	}
}
