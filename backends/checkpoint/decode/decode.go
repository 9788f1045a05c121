// Package decode converts the little-endian F32, F16 and BF16 values of a stored tensor to float32, exactly: every
// binary16 and bfloat16 value, subnormals, infinities and NaNs (with their payloads) included, is representable in
// binary32, so a conversion has one right answer, which F16ToFloat32 and BF16ToFloat32 state one value at a time.
// Into converts whole runs; on amd64 with AVX2 it converts eight values at a time in assembly (decode_amd64.s), and
// under the noasm build tag, or without AVX2, in the pure-Go loops of this file. Both are tested bit for bit against
// the scalar conversions over every 16-bit pattern.
package decode

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Element types, spelled as in a safetensors header.
const (
	F32  = "F32"
	F16  = "F16"
	BF16 = "BF16"
)

// Size returns the size in bytes of one value of dtype (F32, F16 or BF16), or 0 for any other dtype.
func Size(dtype string) int {
	switch dtype {
	case F32:
		return 4
	case F16, BF16:
		return 2
	}
	return 0
}

// F16ToFloat32 converts IEEE 754 binary16 bits h to float32 exactly. With sign s, exponent e (5 bits) and mantissa
// m (10 bits): e = 0 gives (−1)^s·m·2^−24 (zero or subnormal), e = 31 gives ±Inf (m = 0) or NaN (its payload kept in
// the top mantissa bits, signalling or quiet as it was), and otherwise (−1)^s·(1 + m/1024)·2^(e−15).
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0:
		v := float32(mant) * (1.0 / (1 << 24)) // exact: m < 2^10 and the scale is a power of two
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// BF16ToFloat32 converts bfloat16 bits to float32 exactly: bfloat16 is the top half of a float32.
func BF16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// Into converts the len(dst) values of dtype at the start of src into dst. src must hold len(dst)·Size(dtype)
// bytes; Into panics on a shorter src or an unknown dtype, which are bugs in the caller (package checkpoint validates
// both before it converts).
func Into(dst []float32, src []byte, dtype string) {
	n := len(dst)
	if len(src) < n*Size(dtype) || Size(dtype) == 0 {
		panic(fmt.Sprintf("decode: %d values of %q from %d bytes", n, dtype, len(src)))
	}
	if n == 0 {
		return
	}
	switch dtype {
	case F32:
		f32(dst, src[:4*n])
	case F16:
		i := 0
		if vecOK && n >= 8 {
			i = n &^ 7
			f16AVX2(&dst[0], &src[0], i)
		}
		f16Go(dst[i:], src[2*i:])
	case BF16:
		i := 0
		if vecOK && n >= 8 {
			i = n &^ 7
			bf16AVX2(&dst[0], &src[0], i)
		}
		bf16Go(dst[i:], src[2*i:])
	}
}

// f32Go copies little-endian float32 values one at a time: the portable form of f32.
func f32Go(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// f16Go converts binary16 values one at a time.
func f16Go(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = F16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// bf16Go converts bfloat16 values one at a time.
func bf16Go(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = BF16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}
