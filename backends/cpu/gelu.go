package cpu

import (
	"fmt"
	"math"
)

// GELU variants accepted in backends.Request.GELU.
const (
	GELUExact = "erf"  // 0.5·x·(1 + erf(x/√2)): what Hugging Face runs for hidden_act "gelu" (the default)
	GELUTanh  = "tanh" // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): what Pythia was trained with
)

// geluFunc applies a GELU in place to every element of x.
type geluFunc func(x []float32)

// geluFor returns the GELU named by kind; the empty string means GELUExact.
func geluFor(kind string) (geluFunc, error) {
	switch kind {
	case "", GELUExact:
		return geluErf, nil
	case GELUTanh:
		return geluTanh, nil
	}
	return nil, fmt.Errorf("unknown gelu %q (want %q or %q)", kind, GELUExact, GELUTanh)
}

// geluErf is the exact GELU, 0.5·x·(1 + erf(x/√2)), evaluated in float64 and rounded to float32.
func geluErf(x []float32) {
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

// geluTanh is the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), evaluated in float64 and rounded
// to float32.
func geluTanh(x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}
