//go:build amd64 && !noasm

#include "textflag.h"

// Constant vectors: eight copies of one float32 (or int32), so that an FMA can take them as a memory operand.
#define CONST8(name, v) \
	DATA name<>+0(SB)/4, $v;  \
	DATA name<>+4(SB)/4, $v;  \
	DATA name<>+8(SB)/4, $v;  \
	DATA name<>+12(SB)/4, $v; \
	DATA name<>+16(SB)/4, $v; \
	DATA name<>+20(SB)/4, $v; \
	DATA name<>+24(SB)/4, $v; \
	DATA name<>+28(SB)/4, $v; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST8(expLo, -87.33654)
CONST8(expLog2e, 1.44269504088896341)
CONST8(expC1, 0.693359375)
CONST8(expC2, -2.12194440e-4)
CONST8(expP0, 1.9875691500e-4)
CONST8(expP1, 1.3981999507e-3)
CONST8(expP2, 8.3334519073e-3)
CONST8(expP3, 4.1665795894e-2)
CONST8(expP4, 1.6666665459e-1)
CONST8(expP5, 5.0000001201e-1)
CONST8(one, 1.0)
CONST8(half, 0.5)
CONST8(bias127, 127)

CONST8(erfA0, -2.72614225801306e-10)
CONST8(erfA1, 2.77068142495902e-08)
CONST8(erfA2, -2.10102402082508e-06)
CONST8(erfA3, -5.69250639462346e-05)
CONST8(erfA4, -7.34990630326855e-04)
CONST8(erfA5, -2.95459980854025e-03)
CONST8(erfA6, -1.60960333262415e-02)
CONST8(erfB0, -1.45660718464996e-05)
CONST8(erfB1, -2.13374055278905e-04)
CONST8(erfB2, -1.68282697438203e-03)
CONST8(erfB3, -7.37332916720468e-03)
CONST8(erfB4, -1.42647390514189e-02)
CONST8(erfClamp, 4.0)
CONST8(erfNegClamp, -4.0)
CONST8(invSqrt2, 0.70710678118654752)
CONST8(geluTail, -0.5)

// func expShiftAVX2(s *float32, n int, scale, shift float32) float64
//
// s[j] = exp(scale·s[j] − shift) for j < n (n a positive multiple of 8), with results below e^−87.33 set to 0;
// returns Σ s[j] accumulated in float64.
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-32
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS scale+16(FP), Y8
	VBROADCASTSS shift+20(FP), Y9
	VMOVUPS      expLo<>(SB), Y12
	VMOVUPS      expLog2e<>(SB), Y13
	VMOVUPS      expC1<>(SB), Y14
	VMOVUPS      expC2<>(SB), Y15
	VXORPD       Y10, Y10, Y10
	VXORPD       Y11, Y11, Y11

expLoop:
	VMOVUPS      (SI), Y0
	VMULPS       Y8, Y0, Y0              // scale·s
	VSUBPS       Y9, Y0, Y0              // x = scale·s − shift
	VCMPPS       $5, Y12, Y0, Y7         // keep = !(x < lo), true for NaN
	VMAXPS       Y0, Y12, Y0             // x = max(lo, x); NaN stays (second operand)
	VMULPS       Y13, Y0, Y1
	VROUNDPS     $0, Y1, Y1              // n = round(x·log2e)
	VFNMADD231PS Y14, Y1, Y0             // r = x − n·c1
	VFNMADD231PS Y15, Y1, Y0             // r −= n·c2
	VMOVUPS      expP0<>(SB), Y2
	VFMADD213PS  expP1<>(SB), Y0, Y2     // p = p·r + P1
	VFMADD213PS  expP2<>(SB), Y0, Y2
	VFMADD213PS  expP3<>(SB), Y0, Y2
	VFMADD213PS  expP4<>(SB), Y0, Y2
	VFMADD213PS  expP5<>(SB), Y0, Y2
	VMULPS       Y0, Y0, Y3              // r²
	VFMADD213PS  Y0, Y3, Y2              // p = p·r² + r
	VADDPS       one<>(SB), Y2, Y2       // y = 1 + r + r²·P(r)
	VCVTPS2DQ    Y1, Y4
	VPADDD       bias127<>(SB), Y4, Y4
	VPSLLD       $23, Y4, Y4             // 2ⁿ
	VMULPS       Y4, Y2, Y2
	VANDPS       Y7, Y2, Y2
	VMOVUPS      Y2, (SI)
	VCVTPS2PD    X2, Y5
	VEXTRACTF128 $1, Y2, X6
	VCVTPS2PD    X6, Y6
	VADDPD       Y5, Y10, Y10
	VADDPD       Y6, Y11, Y11
	ADDQ         $32, SI
	SUBQ         $8, CX
	JNZ          expLoop

	VADDPD       Y11, Y10, Y10
	VEXTRACTF128 $1, Y10, X11
	VADDPD       X11, X10, X10
	VHADDPD      X10, X10, X10
	VMOVSD       X10, ret+24(FP)
	VZEROUPPER
	RET

// func geluErfAVX2(x *float32, n int, tail *uint8)
//
// x[i] = 0.5·x[i]·(1 + erf(x[i]/√2)) with the erf32 approximation, for i < n (n a positive multiple of 8), except
// where x[i]/√2 < −0.5: those values are left as they are and marked in tail, one byte per 8 values, bit i%8.
TEXT ·geluErfAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    tail+16(FP), DX
	VMOVUPS invSqrt2<>(SB), Y13
	VMOVUPS geluTail<>(SB), Y14
	VMOVUPS erfClamp<>(SB), Y15
	VMOVUPS erfNegClamp<>(SB), Y12

geluLoop:
	VMOVUPS     (SI), Y0                 // x
	VMULPS      Y13, Y0, Y1              // z = x/√2
	VCMPPS      $0x11, Y14, Y1, Y7       // tail = z < −0.5 (false for NaN)
	VMOVMSKPS   Y7, AX
	MOVB        AX, (DX)
	VMINPS      Y1, Y15, Y1              // z = min(4, z); NaN stays (second operand)
	VMAXPS      Y1, Y12, Y1              // z = max(−4, z)
	VMULPS      Y1, Y1, Y2               // z²
	VMOVUPS     erfA0<>(SB), Y3
	VFMADD213PS erfA1<>(SB), Y2, Y3      // a = a·z² + A1
	VFMADD213PS erfA2<>(SB), Y2, Y3
	VFMADD213PS erfA3<>(SB), Y2, Y3
	VFMADD213PS erfA4<>(SB), Y2, Y3
	VFMADD213PS erfA5<>(SB), Y2, Y3
	VFMADD213PS erfA6<>(SB), Y2, Y3
	VMOVUPS     erfB0<>(SB), Y4
	VFMADD213PS erfB1<>(SB), Y2, Y4      // b = b·z² + B1
	VFMADD213PS erfB2<>(SB), Y2, Y4
	VFMADD213PS erfB3<>(SB), Y2, Y4
	VFMADD213PS erfB4<>(SB), Y2, Y4
	VMULPS      Y1, Y3, Y3               // z·a
	VDIVPS      Y4, Y3, Y3               // erf = z·a/b
	VADDPS      one<>(SB), Y3, Y3        // 1 + erf
	VMULPS      half<>(SB), Y0, Y5       // 0.5·x
	VMULPS      Y3, Y5, Y5               // 0.5·x·(1 + erf)
	VBLENDVPS   Y7, Y0, Y5, Y5           // tail lanes keep x
	VMOVUPS     Y5, (SI)
	ADDQ        $32, SI
	INCQ        DX
	SUBQ        $8, CX
	JNZ         geluLoop

	VZEROUPPER
	RET

// func maxScaledAVX2(s *float32, n int, scale float32) float32
//
// Returns max_j scale·s[j] over j < n (n a positive multiple of 8), or a NaN when any product is NaN. The lanes keep
// their own maxima (Y0) and flag their NaNs (Y1, all ones); the two are folded at the end, and a NaN flag ORed into
// the result makes it a NaN.
TEXT ·maxScaledAVX2(SB), NOSPLIT, $0-28
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS scale+16(FP), Y8
	VMULPS       (SI), Y8, Y0            // m = scale·s[0:8]
	VCMPPS       $3, Y0, Y0, Y1          // nan = unordered(m, m)
	ADDQ         $32, SI
	SUBQ         $8, CX
	JZ           maxFold

maxLoop:
	VMULPS (SI), Y8, Y2                  // x = scale·s[j:j+8]
	VCMPPS $3, Y2, Y2, Y3
	VORPS  Y3, Y1, Y1                    // nan |= unordered(x, x)
	VMAXPS Y2, Y0, Y0                    // m = max(m, x)
	ADDQ   $32, SI
	SUBQ   $8, CX
	JNZ    maxLoop

maxFold:
	VEXTRACTF128 $1, Y0, X2
	VMAXPS       X2, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VORPS        X3, X1, X1
	VPERMILPS    $0x4e, X0, X2           // swap the 64-bit halves
	VMAXPS       X2, X0, X0
	VPERMILPS    $0x4e, X1, X3
	VORPS        X3, X1, X1
	VPERMILPS    $0xb1, X0, X2           // swap neighbours
	VMAXPS       X2, X0, X0
	VPERMILPS    $0xb1, X1, X3
	VORPS        X3, X1, X1
	VORPS        X1, X0, X0              // all ones, a NaN, where a NaN was seen
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET

// func scaleAVX2(s *float32, n int, c float32)
//
// s[j] = s[j]·c for j < n (n a positive multiple of 8), each product one float32 multiplication.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS c+16(FP), Y8

scaleLoop:
	VMULPS  (SI), Y8, Y0
	VMOVUPS Y0, (SI)
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     scaleLoop

	VZEROUPPER
	RET

// exp(scale·x − shift) of the 16 floats in Z0, expShiftAVX2's steps on ZMM registers (the constants in Z12–Z23, a
// comparison mask in K1 where expShiftAVX2 has a vector), into Z2.
#define EXP16 \
	VMULPS       Z8, Z0, Z0;       \ // scale·s
	VSUBPS       Z9, Z0, Z0;       \ // x = scale·s − shift
	VCMPPS       $5, Z12, Z0, K1;  \ // keep = !(x < lo), true for NaN
	VMAXPS       Z0, Z12, Z0;      \ // x = max(lo, x); NaN stays
	VMULPS       Z13, Z0, Z1;      \
	VRNDSCALEPS  $0, Z1, Z1;       \ // n = round(x·log2e)
	VFNMADD231PS Z14, Z1, Z0;      \ // r = x − n·c1
	VFNMADD231PS Z15, Z1, Z0;      \ // r −= n·c2
	VMOVAPS      Z16, Z2;          \
	VFMADD213PS  Z17, Z0, Z2;      \ // p = p·r + P1
	VFMADD213PS  Z18, Z0, Z2;      \
	VFMADD213PS  Z19, Z0, Z2;      \
	VFMADD213PS  Z20, Z0, Z2;      \
	VFMADD213PS  Z21, Z0, Z2;      \
	VMULPS       Z0, Z0, Z3;       \ // r²
	VFMADD213PS  Z0, Z3, Z2;       \ // p = p·r² + r
	VADDPS       Z22, Z2, Z2;      \ // y = 1 + r + r²·P(r)
	VCVTPS2DQ    Z1, Z4;           \
	VPADDD       Z23, Z4, Z4;      \
	VPSLLD       $23, Z4, Z4;      \ // 2ⁿ
	VMULPS       Z4, Z2, Z2;       \
	VMOVAPS.Z    Z2, K1, Z2          // 0 where !keep

// func expShiftAVX512(s *float32, n int, scale, shift float32) float64
//
// expShiftAVX2 sixteen values at a time, with the same results bit for bit: the same operations on each value, and
// the same sum, one float64 accumulator per lane of eight (lane j adds s[j], s[j+8], s[j+16], … in turn), folded in
// expShiftAVX2's order. n is a positive multiple of 8; a last block of 8 runs masked.
TEXT ·expShiftAVX512(SB), NOSPLIT, $0-32
	MOVQ         s+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS scale+16(FP), Z8
	VBROADCASTSS shift+20(FP), Z9
	VBROADCASTSS expLo<>(SB), Z12
	VBROADCASTSS expLog2e<>(SB), Z13
	VBROADCASTSS expC1<>(SB), Z14
	VBROADCASTSS expC2<>(SB), Z15
	VBROADCASTSS expP0<>(SB), Z16
	VBROADCASTSS expP1<>(SB), Z17
	VBROADCASTSS expP2<>(SB), Z18
	VBROADCASTSS expP3<>(SB), Z19
	VBROADCASTSS expP4<>(SB), Z20
	VBROADCASTSS expP5<>(SB), Z21
	VBROADCASTSS one<>(SB), Z22
	VPBROADCASTD bias127<>(SB), Z23
	VPXORD       Z10, Z10, Z10
	SUBQ         $16, CX
	JL           exp512Tail

exp512Loop:
	VMOVUPS      (SI), Z0
	EXP16
	VMOVUPS      Z2, (SI)
	VCVTPS2PD    Y2, Z5                  // s[j..j+8) as float64
	VEXTRACTF64X4 $1, Z2, Y6
	VCVTPS2PD    Y6, Z6                  // s[j+8..j+16)
	VADDPD       Z5, Z10, Z10
	VADDPD       Z6, Z10, Z10
	ADDQ         $64, SI
	SUBQ         $16, CX
	JGE          exp512Loop

exp512Tail:
	ADDQ         $16, CX                 // 0 or 8 left
	JZ           exp512Fold
	MOVL         $0xff, AX
	KMOVW        AX, K2
	VMOVUPS.Z    (SI), K2, Z0
	EXP16
	VMOVUPS      Z2, K2, (SI)
	VCVTPS2PD    Y2, Z5
	VADDPD       Z5, Z10, Z10

exp512Fold:
	VEXTRACTF64X4 $1, Z10, Y11
	VADDPD       Y11, Y10, Y10           // expShiftAVX2's Y10 + Y11
	VEXTRACTF128 $1, Y10, X11
	VADDPD       X11, X10, X10
	VHADDPD      X10, X10, X10
	VMOVSD       X10, ret+24(FP)
	VZEROUPPER
	RET
