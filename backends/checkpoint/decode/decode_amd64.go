//go:build amd64 && !noasm

package decode

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// vecOK reports whether the AVX2 routines of decode_amd64.s may run.
var vecOK = cpu.X86.HasAVX2

// f32 copies little-endian float32 values: on amd64 the bytes are the values.
func f32(dst []float32, src []byte) {
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), src)
}

// f16AVX2 converts n binary16 values at src into float32 at dst, eight at a time, n a positive multiple of 8, with
// integer operations only (no F16C, whose conversion quiets signalling NaNs): with o = (h & 0x7fff) << 13,
//
//	normal:      o + (127−15)·2²³
//	Inf and NaN: o + (255−31)·2²³                     (the exponent all ones, the payload kept)
//	zero, sub:   float(o + 113·2²³) − float(113·2²³)   (exact: m·2^−24 as a difference of two float32)
//
// and the sign bit h & 0x8000 moved to bit 31.
//
//go:noescape
func f16AVX2(dst *float32, src *byte, n int)

// bf16AVX2 converts n bfloat16 values at src into float32 at dst, eight at a time, n a positive multiple of 8: each
// value widened to 32 bits and shifted left by 16.
//
//go:noescape
func bf16AVX2(dst *float32, src *byte, n int)
