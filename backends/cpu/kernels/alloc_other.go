//go:build !linux

package kernels

// Alloc returns a new slice of n float32 values.
func Alloc(n int) []float32 { return make([]float32, n) }
