// Package kernels holds the numerical kernels of the CPU backend on plain float32 slices: the packed, cache-blocked
// GEMM behind every linear layer (Linear), causal attention on the GEMM's micro-kernel (Attention), LayerNorm and
// RMSNorm, rotary tables (Rope), GELU, SiLU, per-row L2 norms and the next-token loss. Package cpu wraps them as the
// op set of package arch.
//
// The hot loops are Go assembly for AVX2 and FMA (gemm_amd64.s, vecmath_amd64.s), each beside a pure-Go fallback
// that runs on CPUs without those extensions, on other architectures, and everywhere under the noasm build tag
// (go test -tags noasm), so that both are tested. Every kernel computes in float32 and accumulates norms, variances
// and softmax sums in float64; none of their results depends on the number of threads.
package kernels
