// Package cpu is scalefit's native Go backend: it runs Hugging Face transformer checkpoints on the CPU, layer by
// layer, and measures the gains of DESIGN.md §3.
//
// The backend (Backend, New) implements backends.Backend. A run opens the checkpoint (package checkpoint), embeds
// every sequence, then for each layer loads that layer's weights converted to float32, pushes every sequence's hidden
// states through it, summarises the per-token gains into run-file rows, and drops the weights before the next layer.
// Memory therefore tracks one layer plus the hidden states of all sequences.
//
// Architectures live one per file (gptneox.go) and read like nanoGPT's model.py. The numerical building blocks are
// ops: linear (y = x·Wᵀ + b, the single place a faster GEMM would drop in), layerNorm, gelu, rotary and attention.
// Compute is float32 whatever the storage dtype; every norm and gain statistic is accumulated in float64.
//
// The forward pass is checked against an independent torch implementation in testdata/reference (see its README).
package cpu
