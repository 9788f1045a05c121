//go:build !amd64 || noasm

package kernels

// gemmKernelOK and zmmKernelOK are false without the amd64 assembly: Linear and Attention run kernel6x16Go.
var (
	gemmKernelOK = false
	zmmKernelOK  = false
)

func gemmKernel6x16(k int, a, b, c *float32, ldc int, init *float32, ldi int) {
	panic("kernels: gemmKernel6x16 without assembly")
}

func gemmKernel12x32(k int, a, b, c *float32, ldc int, init *float32, ldi int) {
	panic("kernels: gemmKernel12x32 without assembly")
}

// gemmPackB16 is packB16Go: without the assembly the register transposes are loops.
func gemmPackB16(k8 int, src *float32, ld int, dst *float32, ldd int) {
	packB16Go(k8, src, ld, dst, ldd)
}

// gemmPackB16BF16 is packB16BF16Go.
func gemmPackB16BF16(k8 int, src *byte, ld int, dst *float32, ldd int) {
	packB16BF16Go(k8, src, ld, dst, ldd)
}

// gemmPackB16F16 is packB16F16Go.
func gemmPackB16F16(k8 int, src *byte, ld int, dst *float32, ldd int) {
	packB16F16Go(k8, src, ld, dst, ldd)
}

func gemmPackA12(k8 int, src *float32, ld int, dst *float32) {
	panic("kernels: gemmPackA12 without assembly")
}
func gemmPackA6(k8 int, src *float32, ld int, dst *float32) {
	panic("kernels: gemmPackA6 without assembly")
}
