//go:build !amd64 || noasm

package kernels

// vecMathOK is false off amd64: softmax and GELU stay on their pure-Go loops.
var vecMathOK = false

func expShiftAVX2(s *float32, n int, scale, shift float32) float64 {
	panic("kernels: expShiftAVX2 off amd64")
}

func expShiftAVX512(s *float32, n int, scale, shift float32) float64 {
	panic("kernels: expShiftAVX512 off amd64")
}

func geluErfAVX2(x *float32, n int, tail *uint8) { panic("kernels: geluErfAVX2 off amd64") }

func maxScaledAVX2(s *float32, n int, scale float32) float32 {
	panic("kernels: maxScaledAVX2 off amd64")
}

func scaleAVX2(s *float32, n int, c float32) { panic("kernels: scaleAVX2 off amd64") }

func siluAVX2(x *float32, n int, tail *uint8) { panic("kernels: siluAVX2 off amd64") }

func geluTanhAVX2(x *float32, n int, tail *uint8) { panic("kernels: geluTanhAVX2 off amd64") }

func sumSqAVX2(x *float32, n int, c float64) float64 { panic("kernels: sumSqAVX2 off amd64") }
func sumAVX2(x *float32, n int) float64              { panic("kernels: sumAVX2 off amd64") }
func normRowAVX2(out, x, w, b *float32, n int, c, r float64) {
	panic("kernels: normRowAVX2 off amd64")
}
