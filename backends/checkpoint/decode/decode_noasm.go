//go:build !amd64 || noasm

package decode

// vecOK is false without the amd64 assembly: Into converts in the pure-Go loops.
var vecOK = false

// f32 copies little-endian float32 values.
func f32(dst []float32, src []byte) { f32Go(dst, src) }

func f16AVX2(dst *float32, src *byte, n int)  { panic("decode: f16AVX2 without assembly") }
func bf16AVX2(dst *float32, src *byte, n int) { panic("decode: bf16AVX2 without assembly") }
