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
