//go:build amd64 && !noasm

package kernels

import "golang.org/x/sys/cpu"

// gemmKernelOK reports whether gemmKernel6x16 may run: it needs AVX2 and FMA (x/sys/cpu also checks that the
// operating system saves the YMM registers). Without them Linear runs the pure-Go micro-kernel.
var gemmKernelOK = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// zmmKernelOK reports whether gemmKernel12x32 may run: it needs AVX-512 F as well, with the ZMM registers saved.
var zmmKernelOK = gemmKernelOK && cpu.X86.HasAVX512F

// gemmKernel6x16 is the AVX2 micro-kernel of gemm, written in Go assembly (gemm_amd64.s) with FMA. It sets the 6×16
// block of C at c, whose rows are ldc floats apart, to the matching block at init (rows ldi floats apart; ldi = 0
// repeats one row, a bias) plus the product of a packed 6×k panel of A and a packed k×16 panel of B:
//
//	C[r][j] = I[r][j] + Σ_{p<k} a[6p+r]·b[16p+j],  r < 6, j < 16.
//
// The sum over p runs in one float32 FMA chain per output, in increasing p from zero, before it is added to I. The
// twelve accumulators (two YMM registers per row) stay in registers for the whole loop; each step loads 16 floats of
// B, broadcasts the 6 floats of A and issues 12 FMAs. a must hold 6k floats, b 16k floats, c 5·ldc+16 and init
// 5·ldi+16; init may be c.
//
//go:noescape
func gemmKernel6x16(k int, a, b, c *float32, ldc int, init *float32, ldi int)

// gemmKernel12x32 is gemmKernel6x16 on AVX-512: a 12×32 block of C from a packed 12×k panel of A and a packed k×32
// panel of B, in 24 ZMM accumulators, with the same sums in the same order, so the two give identical bits:
//
//	C[r][j] = I[r][j] + Σ_{p<k} a[12p+r]·b[32p+j],  r < 12, j < 32.
//
//go:noescape
func gemmKernel12x32(k int, a, b, c *float32, ldc int, init *float32, ldi int)

// gemmPackB16 packs 8·k8 columns of 16 rows of a row-major matrix into 16 columns of a packed panel whose rows are
// ldd floats apart, eight columns at a time through 8×8 register transposes: with src the first of the rows, ld
// floats apart,
//
//	dst[p·ldd + j] = src[j·ld + p],  p < 8·k8, j < 16.
//
// src must hold 15·ld + 8·k8 floats and dst (8·k8 − 1)·ldd + 16.
//
//go:noescape
func gemmPackB16(k8 int, src *float32, ld int, dst *float32, ldd int)

// gemmPackB16BF16 is gemmPackB16 from a row-major matrix of bfloat16 values (little-endian, rows ld values apart),
// each converted exactly to float32 as it is loaded (widened and shifted left by 16):
//
//	dst[p·ldd + j] = float32(src[j·ld + p]),  p < 8·k8, j < 16.
//
// src must hold 2·(15·ld + 8·k8) bytes and dst (8·k8 − 1)·ldd + 16 floats.
//
//go:noescape
func gemmPackB16BF16(k8 int, src *byte, ld int, dst *float32, ldd int)

// gemmPackB16F16 is gemmPackB16BF16 for binary16 values, converted exactly with integer operations only (as
// decode's converter: no F16C, whose conversion quiets signalling NaNs).
//
//go:noescape
func gemmPackB16F16(k8 int, src *byte, ld int, dst *float32, ldd int)

// gemmPackA12 packs 8·k8 columns of 12 rows of a row-major matrix (rows ld floats apart) into a panel for
// gemmKernel12x32, through 8×8 and 4×8 register transposes:
//
//	dst[12p + r] = src[r·ld + p],  p < 8·k8, r < 12.
//
//go:noescape
func gemmPackA12(k8 int, src *float32, ld int, dst *float32)

// gemmPackA6 packs 8·k8 columns of 6 rows likewise for gemmKernel6x16: dst[6p + r] = src[r·ld + p]. It reads only
// the six rows.
//
//go:noescape
func gemmPackA6(k8 int, src *float32, ld int, dst *float32)
