// Package cpu is scalefit's native Go backend: it runs Hugging Face transformer checkpoints on the CPU and measures
// the gains of docs/gains.md.
//
// The backend (Backend, New) implements backends.Backend by handing the run to package measure, which runs every
// architecture of package arch against this package's implementation of the op set arch.Ops (ops.go). The ops are
// thin: each checks shapes and calls a kernel of package kernels (the AVX2/FMA GEMM behind Linear, attention on the
// GEMM's micro-kernel, norms, GELU), on up to the run's thread count. Compute is float32 whatever the storage dtype;
// every norm and gain statistic is accumulated in float64. Buffers are pooled, so that a run allocates one layer's
// weights and one block's activations once and reuses them layer after layer.
//
// The forward pass is checked against independent torch implementations in testdata/reference (see its README),
// with the assembly kernels and, under the noasm build tag, with their pure-Go fallbacks.
package cpu
