package kernels

import "math"

// Rope holds the cos and sin tables of rotary position embedding, in HF's rotate_half layout, for positions 0..T−1
// over 2·len(invFreq) rotated dims:
//
//	θ[t][i] = t · inv_freq[i]                      (a float32 product, as HF forms it)
//	cos[t][i] = cos θ · s,  sin[t][i] = sin θ · s  (evaluated in float64, rounded to float32, then times s in float32)
//
// where s is the rope type's attention scaling (1 for plain rope). Grow extends the tables when a longer sequence
// comes.
type Rope struct {
	invFreq  []float32
	scaling  float32
	cos, sin []float32 // [T, len(invFreq)]
}

// NewRope returns empty tables for the inverse frequencies invFreq and attention scaling s.
func NewRope(invFreq []float32, s float32) *Rope {
	return &Rope{invFreq: append([]float32(nil), invFreq...), scaling: s}
}

// Len returns the number of positions the tables cover.
func (p *Rope) Len() int {
	if len(p.invFreq) == 0 {
		return math.MaxInt
	}
	return len(p.cos) / len(p.invFreq)
}

// Grow extends the tables to cover positions 0..T−1.
func (p *Rope) Grow(T int) {
	half := len(p.invFreq)
	t0 := p.Len()
	if T <= t0 {
		return
	}
	p.cos = append(p.cos, make([]float32, (T-t0)*half)...)
	p.sin = append(p.sin, make([]float32, (T-t0)*half)...)
	for t := t0; t < T; t++ {
		for i, f := range p.invFreq {
			theta := float64(float32(t) * f)
			c, s := float32(math.Cos(theta)), float32(math.Sin(theta))
			if p.scaling != 1 {
				c, s = c*p.scaling, s*p.scaling
			}
			p.cos[t*half+i], p.sin[t*half+i] = c, s
		}
	}
}

// Apply rotates the first 2·len(invFreq) dims of one head's query or key vector x at position t, which Grow must
// cover:
//
//	x·cos + rotate_half(x)·sin,  rotate_half(x) = cat(−x₂, x₁),
//
// where x₁ and x₂ are the two halves of the rotated dims and cos, sin repeat over the halves (emb = cat(freqs,
// freqs)). Dims past the rotated ones are untouched.
func (p *Rope) Apply(x []float32, t int) {
	half := len(p.invFreq)
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
