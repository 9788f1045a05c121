package checkpoint

import (
	"fmt"
	"math"
	"strings"

	conv "github.com/scalefit/scalefit/backends/checkpoint/decode"
)

// Element types of the safetensors format, as spelled in a header's "dtype" field.
const (
	F32  = "F32"
	F16  = "F16"
	BF16 = "BF16"
)

// dtypeSizes gives the element size in bytes of every dtype the safetensors format defines. Only F32, F16 and BF16
// are accepted for parameters; the others are known so that buffers of any type can be laid out and skipped.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, F16: 2, BF16: 2,
	"I32": 4, "U32": 4, F32: 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// isFloatParamDType reports whether dtype can hold a parameter that Float32 converts.
func isFloatParamDType(dtype string) bool {
	return dtype == F32 || dtype == F16 || dtype == BF16
}

// ParseDType normalises a user-facing dtype name (f32, float32, fp32, f16, float16, fp16, half, bf16, bfloat16, in any
// case) to the safetensors spelling F32, F16 or BF16.
func ParseDType(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "f32", "float32", "fp32", "float":
		return F32, nil
	case "f16", "float16", "fp16", "half":
		return F16, nil
	case "bf16", "bfloat16":
		return BF16, nil
	}
	return "", fmt.Errorf("dtype %q is not supported (want F32, F16 or BF16)", s)
}

// F16ToFloat32 converts IEEE 754 binary16 bits h to float32 exactly (see decode.F16ToFloat32).
func F16ToFloat32(h uint16) float32 { return conv.F16ToFloat32(h) }

// Float32ToF16 converts f to IEEE 754 binary16 bits, rounding to nearest with ties to even. Values beyond the
// binary16 range become ±Inf, tiny ones become subnormals or ±0, and NaN stays a (quiet) NaN.
func Float32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	// Unbiased exponent, rebiased for binary16.
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal (or zero) in binary16: shift the mantissa, with its implicit one, right by 14−e bits in total
		// (13 for the width difference plus 1−e for the exponent), rounding to nearest even.
		if e < -10 {
			return sign // below half the smallest subnormal: rounds to zero
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		rest := m & (1<<shift - 1)
		out := m >> shift
		if rest > half || (rest == half && out&1 == 1) {
			out++ // may carry into the exponent field, giving the smallest normal: still correct
		}
		return sign | uint16(out)
	}
	out := uint32(e)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && out&1 == 1) {
		out++ // a carry into the exponent is correct, up to and including overflow to Inf (0x7c00)
	}
	return sign | uint16(out)
}

// BF16ToFloat32 converts bfloat16 bits to float32 exactly (see decode.BF16ToFloat32).
func BF16ToFloat32(h uint16) float32 { return conv.BF16ToFloat32(h) }

// Float32ToBF16 converts f to bfloat16 bits, rounding to nearest with ties to even. NaN stays a quiet NaN.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x0040
	}
	rounding := uint32(0x7fff) + (b>>16)&1
	return uint16((b + rounding) >> 16)
}
