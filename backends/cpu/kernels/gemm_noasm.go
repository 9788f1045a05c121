//go:build !amd64 || noasm

package kernels

import "unsafe"

// gemmKernelOK is false off amd64: there is no assembly micro-kernel, so Linear keeps to its pure-Go path.
var gemmKernelOK = false

// gemmKernel6x16 is the portable statement of the amd64 micro-kernel (see gemm_amd64.go): it adds the product of a
// packed 6×k panel of A and a packed k×16 panel of B into the 6×16 block of C at c, whose rows are ldc floats apart,
//
//	C[r][j] += Σ_{p<k} a[6p+r]·b[16p+j].
//
// It is kernel6x16Go, correct but no faster than linear's pure-Go path, which is why gemmKernelOK stays false here.
func gemmKernel6x16(k int, a, b, c *float32, ldc int) { kernel6x16Go(k, a, b, c, ldc) }

// gemmPackB16 is the portable statement of the amd64 packing routine (see gemm_amd64.go):
//
//	dst[16p+j] = src[j·ld+p],  p < 8·k8, j < 16.
func gemmPackB16(k8 int, src *float32, ld int, dst *float32) {
	if k8 <= 0 {
		return
	}
	s := unsafe.Slice(src, (gemmNR-1)*ld+8*k8)
	d := unsafe.Slice(dst, gemmNR*8*k8)
	for p := 0; p < 8*k8; p++ {
		for j := 0; j < gemmNR; j++ {
			d[p*gemmNR+j] = s[j*ld+p]
		}
	}
}
