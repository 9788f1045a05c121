package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAttention measures Attention on the head shape of Pythia-6.9B (32 heads of 128 dims) for one sequence of
// 512 tokens, on the micro-kernel Linear runs (SCALEFIT_CPU_ISA picks another), in GFLOP/s counted as the useful
// work of the two causal products: 2·hd multiply-adds per visible (query, key) pair and head, T(T+1)/2 pairs.
func BenchmarkAttention(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ T, H, KV, hd, threads int }{{512, 32, 32, 128, 1}, {512, 32, 32, 128, 2}} {
		b.Run(fmt.Sprintf("T%d_%dx%d_threads%d", s.T, s.H, s.hd, s.threads), func(b *testing.B) {
			p, q, k, v := attnCase(rng, s.T, s.H, s.KV, s.hd, 0, 0)
			out := make([]float32, s.T*s.H*s.hd)
			var ws AttnWorkspace
			for b.Loop() {
				Attention(out, q, k, v, s.T, p, s.threads, &ws)
			}
			flop := 2 * 2 * float64(s.H*s.hd) * float64(s.T*(s.T+1)/2)
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
