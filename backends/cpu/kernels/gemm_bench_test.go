package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLinear measures Linear on the Pythia-160M shapes for 512 tokens, in GFLOP/s.
func BenchmarkLinear(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct{ T, dIn, dOut, threads int }{
		{512, 768, 3072, 1}, {512, 3072, 768, 1}, {512, 768, 3072, 2},
	} {
		b.Run(fmt.Sprintf("T%d_%dx%d_threads%d", s.T, s.dIn, s.dOut, s.threads), func(b *testing.B) {
			x, w, bias := randSlice(rng, s.T*s.dIn), randSlice(rng, s.dOut*s.dIn), randSlice(rng, s.dOut)
			y := make([]float32, s.T*s.dOut)
			var ws GemmWorkspace
			for b.Loop() {
				Linear(y, x, F32Matrix(w, s.dOut, s.dIn), bias, s.T, false, s.threads, &ws)
			}
			b.ReportMetric(2*float64(s.T*s.dIn*s.dOut)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
