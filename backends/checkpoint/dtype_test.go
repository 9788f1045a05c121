package checkpoint

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestF16ToFloat32Hand checks binary16 decoding against values computed by hand.
func TestF16ToFloat32Hand(t *testing.T) {
	tests := []struct {
		h    uint16
		want float64
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xbc00, -1},
		{0x4000, 2},
		{0x3555, 0.333251953125},            // (1 + 341/1024) / 4
		{0x7bff, 65504},                     // largest finite
		{0x0001, math.Ldexp(1, -24)},        // smallest subnormal
		{0x03ff, 1023 * math.Ldexp(1, -24)}, // largest subnormal
		{0x0400, math.Ldexp(1, -14)},        // smallest normal
		{0x8001, -math.Ldexp(1, -24)},
		{0x7c00, math.Inf(1)},
		{0xfc00, math.Inf(-1)},
	}
	for _, tt := range tests {
		if got := F16ToFloat32(tt.h); float64(got) != tt.want {
			t.Errorf("F16ToFloat32(%#04x) = %g, want %g", tt.h, got, tt.want)
		}
	}
	if got := F16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToFloat32(0x8000) = %g, want -0", got)
	}
	for _, h := range []uint16{0x7c01, 0x7e00, 0xfe00, 0x7fff} {
		if got := F16ToFloat32(h); !math.IsNaN(float64(got)) {
			t.Errorf("F16ToFloat32(%#04x) = %g, want NaN", h, got)
		}
	}
}

// TestF16AllPatterns decodes every binary16 pattern with an independent float64 formula and checks that encoding
// gives the pattern back.
func TestF16AllPatterns(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		s, e, m := float64(1), int(h>>10)&0x1f, float64(h&0x3ff)
		if h&0x8000 != 0 {
			s = -1
		}
		var want float64
		switch e {
		case 0:
			want = s * math.Ldexp(m, -24)
		case 31:
			if m == 0 {
				want = s * math.Inf(1)
			} else {
				want = math.NaN()
			}
		default:
			want = s * math.Ldexp(1+m/1024, e-15)
		}
		got := F16ToFloat32(h)
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: got %g, want NaN", h, got)
			}
			if !math.IsNaN(float64(Float32ToF16(got))) && Float32ToF16(got)&0x7c00 != 0x7c00 {
				t.Fatalf("%#04x: NaN did not encode as NaN", h)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (s < 0) {
			t.Fatalf("F16ToFloat32(%#04x) = %g, want %g", h, got, want)
		}
		if back := Float32ToF16(got); back != h {
			t.Fatalf("Float32ToF16(%g) = %#04x, want %#04x", got, back, h)
		}
	}
}

// TestFloat32ToHalfHand checks rounding to nearest even on hand-made ties.
func TestFloat32ToHalfHand(t *testing.T) {
	f16 := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00},
		{65504, 0x7bff},
		{65519, 0x7bff}, // below the midpoint to 65536
		{65520, 0x7c00}, // the midpoint rounds to even: Inf
		{float32(1 + math.Ldexp(1, -11)), 0x3c00},   // tie between 0x3c00 and 0x3c01: even
		{float32(1 + 3*math.Ldexp(1, -11)), 0x3c02}, // tie between 0x3c01 and 0x3c02: even
		{float32(math.Ldexp(1, -24)), 0x0001},
		{float32(math.Ldexp(1, -25)), 0x0000},                      // tie between 0 and the smallest subnormal: even
		{float32(3 * math.Ldexp(1, -25)), 0x0002},                  // tie between 0x0001 and 0x0002: even
		{float32(math.Ldexp(1, -14) - math.Ldexp(1, -25)), 0x0400}, // rounds up into the normals
		{float32(math.Inf(-1)), 0xfc00},
		{1e-30, 0},
	}
	for _, tt := range f16 {
		if got := Float32ToF16(tt.f); got != tt.want {
			t.Errorf("Float32ToF16(%g) = %#04x, want %#04x", tt.f, got, tt.want)
		}
	}
	bf := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie: even
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie: even
		{math.Float32frombits(0x3f808001), 0x3f81}, // above the tie
		{math.Float32frombits(0x7f7fffff), 0x7f80}, // max float32 rounds to Inf
	}
	for _, tt := range bf {
		if got := Float32ToBF16(tt.f); got != tt.want {
			t.Errorf("Float32ToBF16(%g) = %#04x, want %#04x", tt.f, got, tt.want)
		}
		if got := BF16ToFloat32(tt.want); math.Float32bits(got) != uint32(tt.want)<<16 {
			t.Errorf("BF16ToFloat32(%#04x) = %g", tt.want, got)
		}
	}
	nan := float32(math.NaN())
	if h := Float32ToF16(nan); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("Float32ToF16(NaN) = %#04x, want a NaN", h)
	}
	if h := Float32ToBF16(nan); !math.IsNaN(float64(BF16ToFloat32(h))) {
		t.Errorf("Float32ToBF16(NaN) = %#04x, want a NaN", h)
	}
}

type golden struct {
	Shape   []int               `json:"shape"`
	Decoded map[string][]uint32 `json:"decoded"`
	Encode  struct {
		F32  []uint32 `json:"f32"`
		F16  []uint16 `json:"f16"`
		BF16 []uint16 `json:"bf16"`
	} `json:"encode"`
}

func readGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// TestEncodeMatchesTorch checks the F16 and BF16 encoders bit for bit against torch's conversions
// (testdata/gen_golden.py) of a few thousand values: normals over 15 binades, ties, subnormals, overflow.
func TestEncodeMatchesTorch(t *testing.T) {
	g := readGolden(t)
	if len(g.Encode.F32) < 3000 || len(g.Encode.F16) != len(g.Encode.F32) || len(g.Encode.BF16) != len(g.Encode.F32) {
		t.Fatalf("golden.json: %d/%d/%d values", len(g.Encode.F32), len(g.Encode.F16), len(g.Encode.BF16))
	}
	bad16, badbf := 0, 0
	for i, b := range g.Encode.F32 {
		f := math.Float32frombits(b)
		if got := Float32ToF16(f); got != g.Encode.F16[i] {
			if bad16++; bad16 < 5 {
				t.Errorf("Float32ToF16(%g = %#08x) = %#04x, torch %#04x", f, b, got, g.Encode.F16[i])
			}
		}
		if got := Float32ToBF16(f); got != g.Encode.BF16[i] {
			if badbf++; badbf < 5 {
				t.Errorf("Float32ToBF16(%g = %#08x) = %#04x, torch %#04x", f, b, got, g.Encode.BF16[i])
			}
		}
	}
	if bad16+badbf > 0 {
		t.Errorf("%d F16 and %d BF16 mismatches of %d", bad16, badbf, len(g.Encode.F32))
	}
}

func TestParseDType(t *testing.T) {
	for in, want := range map[string]string{"f32": F32, "FLOAT32": F32, "fp16": F16, "half": F16, "F16": F16, "bfloat16": BF16, "BF16": BF16} {
		if got, err := ParseDType(in); err != nil || got != want {
			t.Errorf("ParseDType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "f64", "int8"} {
		if _, err := ParseDType(in); err == nil {
			t.Errorf("ParseDType(%q): no error", in)
		}
	}
}
