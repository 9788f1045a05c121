package arch

import "math"

// RopeInvFreq returns the inverse frequencies of default rotary embeddings over dims rotated dims with base θ, as HF
// computes them in float32:
//
//	inv_freq[i] = 1 / θ^(2i/dims),  i < dims/2,
//
// where 2i/dims is a float32 quotient (arange(0, dims, 2).float() / dims), the power is rounded to float32 and so is
// its reciprocal. Families with scaled rope (llama3, …) start from these.
func RopeInvFreq(dims int, base float64) []float32 {
	inv := make([]float32, dims/2)
	for i := range inv {
		e := float32(2*i) / float32(dims)
		inv[i] = float32(1 / float64(float32(math.Pow(base, float64(e)))))
	}
	return inv
}
