package decode

import (
	"encoding/binary"
	"math"
	"testing"
)

// allPatterns returns every 16-bit pattern, little-endian, in order.
func allPatterns() []byte {
	b := make([]byte, 2<<16)
	for h := range 1 << 16 {
		binary.LittleEndian.PutUint16(b[2*h:], uint16(h))
	}
	return b
}

// TestF16ToFloat32Hand checks the scalar conversion against values worked out by hand: the largest finite value,
// the smallest normal and subnormal, signed zeros, infinities, and NaNs with their payloads and quiet bits kept.
func TestF16ToFloat32Hand(t *testing.T) {
	for _, tt := range []struct {
		h    uint16
		want uint32 // float32 bits
	}{
		{0x0000, 0x00000000},           // +0
		{0x8000, 0x80000000},           // −0
		{0x3c00, math.Float32bits(1)},  // 1
		{0xc000, math.Float32bits(-2)}, // −2
		{0x7bff, math.Float32bits(65504)},
		{0x0400, math.Float32bits(float32(math.Ldexp(1, -14)))},     // smallest normal
		{0x0001, math.Float32bits(float32(math.Ldexp(1, -24)))},     // smallest subnormal
		{0x83ff, math.Float32bits(float32(-math.Ldexp(1023, -24)))}, // largest subnormal, negative
		{0x7c00, 0x7f800000},                                        // +Inf
		{0xfc00, 0xff800000},                                        // −Inf
		{0x7e00, 0x7fc00000},                                        // quiet NaN
		{0x7c01, 0x7f802000},                                        // signalling NaN: stays signalling, payload kept
		{0xfe01, 0xffc02000},                                        // negative quiet NaN with a payload
	} {
		if got := math.Float32bits(F16ToFloat32(tt.h)); got != tt.want {
			t.Errorf("F16ToFloat32(%#04x) = %#08x, want %#08x", tt.h, got, tt.want)
		}
	}
}

// TestIntoExact converts every 16-bit pattern as F16 and as BF16 with Into, at every length from 0 to 40 and at
// odd byte offsets (a safetensors tensor need not be aligned), and compares the bits with the scalar conversions.
// F32 must copy bits, NaN payloads included.
func TestIntoExact(t *testing.T) {
	src := allPatterns()
	for _, dt := range []struct {
		name   string
		scalar func(uint16) float32
	}{{F16, F16ToFloat32}, {BF16, BF16ToFloat32}} {
		check := func(what string, dst []float32, src []byte) {
			t.Helper()
			for i, v := range dst {
				h := binary.LittleEndian.Uint16(src[2*i:])
				if want := dt.scalar(h); math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("%s %s: value %d (bits %#04x) = %#08x, want %#08x", dt.name, what, i, h,
						math.Float32bits(v), math.Float32bits(want))
				}
			}
		}
		all := make([]float32, 1<<16)
		Into(all, src, dt.name)
		check("all patterns", all, src)
		buf := make([]byte, 2*64+1)
		for off := range 2 {
			for n := range 41 {
				s := buf[off : off+2*n]
				copy(s, src[2*(0x7bf0):]) // around the largest finite values, Inf and the NaNs
				dst := make([]float32, n+1)
				dst[n] = 42
				Into(dst[:n], s, dt.name)
				check("short", dst[:n], s)
				if dst[n] != 42 {
					t.Fatalf("%s: Into(%d values) wrote past them", dt.name, n)
				}
			}
		}
	}
	f := []float32{1, -0, float32(math.Inf(-1)), math.Float32frombits(0x7fa00001), 3.5e-42}
	b := make([]byte, 4*len(f)+1)
	for i, v := range f {
		binary.LittleEndian.PutUint32(b[1+4*i:], math.Float32bits(v))
	}
	got := make([]float32, len(f))
	Into(got, b[1:], F32)
	for i := range f {
		if math.Float32bits(got[i]) != math.Float32bits(f[i]) {
			t.Errorf("F32 value %d: %#08x, want %#08x", i, math.Float32bits(got[i]), math.Float32bits(f[i]))
		}
	}
}

// TestIntoRefuses: a short source or an unknown dtype is a caller's bug and panics.
func TestIntoRefuses(t *testing.T) {
	for _, tt := range []struct {
		n     int
		bytes int
		dtype string
	}{{4, 7, F16}, {2, 7, F32}, {1, 8, "I64"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Into(%d values, %d bytes, %s) did not panic", tt.n, tt.bytes, tt.dtype)
				}
			}()
			Into(make([]float32, tt.n), make([]byte, tt.bytes), tt.dtype)
		}()
	}
}

func BenchmarkIntoBF16(b *testing.B) {
	const n = 1 << 20
	src, dst := make([]byte, 2*n), make([]float32, n)
	b.SetBytes(2 * n)
	for b.Loop() {
		Into(dst, src, BF16)
	}
}

func BenchmarkIntoF16(b *testing.B) {
	const n = 1 << 20
	src, dst := make([]byte, 2*n), make([]float32, n)
	b.SetBytes(2 * n)
	for b.Loop() {
		Into(dst, src, F16)
	}
}
