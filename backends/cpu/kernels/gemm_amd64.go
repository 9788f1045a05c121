//go:build amd64 && !noasm

package kernels

import "golang.org/x/sys/cpu"

// gemmKernelOK reports whether gemmKernel6x16 may run: it needs AVX2 and FMA (x/sys/cpu also checks that the
// operating system saves the YMM registers). Without them Linear keeps to its pure-Go path.
var gemmKernelOK = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gemmKernel6x16 is the register-blocked micro-kernel of gemm, written in Go assembly (gemm_amd64.s) with AVX2 and
// FMA. It adds the product of a packed 6×k panel of A and a packed k×16 panel of B into the 6×16 block of C at c,
// whose rows are ldc floats apart:
//
//	C[r][j] += Σ_{p<k} a[6p+r]·b[16p+j],  r < 6, j < 16.
//
// The sum over p runs in one float32 FMA chain per output, in increasing p, before it is added to C. The twelve
// accumulators (two YMM registers per row) stay in registers for the whole loop; each step loads 16 floats of B,
// broadcasts the 6 floats of A and issues 12 FMAs. a must hold 6k floats, b 16k floats, and c 5·ldc+16.
//
//go:noescape
func gemmKernel6x16(k int, a, b, c *float32, ldc int)

// gemmPackB16 packs 8·k8 columns of 16 rows of a row-major matrix for gemmKernel6x16, eight columns at a time
// through 8×8 register transposes: with src the first of the rows, ld floats apart,
//
//	dst[16p+j] = src[j·ld+p],  p < 8·k8, j < 16.
//
// src must hold 15·ld + 8·k8 floats and dst 128·k8.
//
//go:noescape
func gemmPackB16(k8 int, src *float32, ld int, dst *float32)
