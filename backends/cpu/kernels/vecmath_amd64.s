//go:build amd64 && !noasm

#include "textflag.h"
#include "consts.h"

// Constant vectors: eight copies of one float32 (or int32), so that an FMA can take them as a memory operand.

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

// Constants of siluAVX2 (with expP0…expP5 and bias127 above, the same float32 values): exp32's, bit for bit (see
// exp.go), and its range reduction in float64.
CONST8(siluHi, 0x42aeac4e)   // the largest float32 x with −x ≥ −87.33654, exp32's lower bound
CONST8(siluLo, 0xc2b00000)   // −88: −x ≤ 88, its upper bound
DATA expLog2eD<>+0(SB)/8, $0x3ff71547652b82fe
DATA expLog2eD<>+8(SB)/8, $0x3ff71547652b82fe
DATA expLog2eD<>+16(SB)/8, $0x3ff71547652b82fe
DATA expLog2eD<>+24(SB)/8, $0x3ff71547652b82fe
GLOBL expLog2eD<>(SB), RODATA|NOPTR, $32
DATA expLn2D<>+0(SB)/8, $0x3fe62e42fefa39ef
DATA expLn2D<>+8(SB)/8, $0x3fe62e42fefa39ef
DATA expLn2D<>+16(SB)/8, $0x3fe62e42fefa39ef
DATA expLn2D<>+24(SB)/8, $0x3fe62e42fefa39ef
GLOBL expLn2D<>(SB), RODATA|NOPTR, $32
DATA expRoundD<>+0(SB)/8, $0x4338000000000000
DATA expRoundD<>+8(SB)/8, $0x4338000000000000
DATA expRoundD<>+16(SB)/8, $0x4338000000000000
DATA expRoundD<>+24(SB)/8, $0x4338000000000000
GLOBL expRoundD<>(SB), RODATA|NOPTR, $32

// Reduce four float64 values w (in wide) as exp32 does: n = (w·log₂e + 1.5·2⁵²) − 1.5·2⁵² into nw, then
// r = float32(w − n·ln2) into r (four float32) and n into n (four int32). Separate multiplies and adds, as Go
// evaluates them on amd64, so that the bits are exp32's.
#define EXPREDUCE(wide, nw, tmp, r, n) \
	VMULPD     expLog2eD<>(SB), wide, nw; \
	VADDPD     expRoundD<>(SB), nw, nw;   \
	VSUBPD     expRoundD<>(SB), nw, nw;   \
	VMULPD     expLn2D<>(SB), nw, tmp;    \
	VSUBPD     tmp, wide, tmp;           \
	VCVTPD2PSY tmp, r;                   \
	VCVTPD2DQY nw, n

// Finish exp32(w) for eight lanes whose reductions EXPREDUCE left in X5, X10 (r) and X6, X11 (n), and set
// Y9 = x/(1 + e^w) with x in Y0 and Y13 = 1: the polynomial p·(r·r) + r + 1 and the scaling by 2ⁿ in float32, each
// operation rounded as exp32's Go code rounds it. Y5, Y6, Y10 are scratch.
#define EXP32DIV \
	VINSERTF128 $1, X10, Y5, Y5;     \
	VINSERTI128 $1, X11, Y6, Y6;     \
	VMOVUPS     expP0<>(SB), Y9;     \
	VMULPS      Y5, Y9, Y9;          \
	VADDPS      expP1<>(SB), Y9, Y9; \
	VMULPS      Y5, Y9, Y9;          \
	VADDPS      expP2<>(SB), Y9, Y9; \
	VMULPS      Y5, Y9, Y9;          \
	VADDPS      expP3<>(SB), Y9, Y9; \
	VMULPS      Y5, Y9, Y9;          \
	VADDPS      expP4<>(SB), Y9, Y9; \
	VMULPS      Y5, Y9, Y9;          \
	VADDPS      expP5<>(SB), Y9, Y9; \
	VMULPS      Y5, Y5, Y10;         \
	VMULPS      Y10, Y9, Y9;         \
	VADDPS      Y5, Y9, Y9;          \
	VADDPS      Y13, Y9, Y9;         \
	VPADDD      bias127<>(SB), Y6, Y6; \
	VPSLLD      $23, Y6, Y6;         \
	VMULPS      Y6, Y9, Y9;          \
	VADDPS      Y13, Y9, Y9;         \
	VDIVPS      Y9, Y0, Y9

// func siluAVX2(x *float32, n int, tail *uint8)
//
// x[i] = x[i]/(1 + exp32(−x[i])) for i < n (n a positive multiple of 8), bit for bit as SiLU's Go loop, except
// where −x[i] is outside exp32's fast range [−87.33654, 88] or NaN: those values are left as they are and marked in
// tail, one byte per 8 values, bit i%8.
TEXT ·siluAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    tail+16(FP), DX
	VMOVUPS siluHi<>(SB), Y14
	VMOVUPS siluLo<>(SB), Y15
	VMOVUPS one<>(SB), Y13

siluLoop:
	VMOVUPS      (SI), Y0               // x
	VCMPPS       $0x16, Y14, Y0, Y7     // x > hi or NaN
	VCMPPS       $0x19, Y15, Y0, Y8     // x < lo or NaN
	VORPS        Y8, Y7, Y7             // the lanes left to the Go loop
	VMOVMSKPS    Y7, AX
	MOVB         AX, (DX)
	VCVTPS2PD    X0, Y1                 // lanes 0–3 in float64
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2                 // lanes 4–7
	VXORPD       Y3, Y3, Y3
	VSUBPD       Y1, Y3, Y1             // w = −x (exact)
	VSUBPD       Y2, Y3, Y2
	EXPREDUCE(Y1, Y3, Y4, X5, X6)
	EXPREDUCE(Y2, Y8, Y9, X10, X11)
	EXP32DIV                            // x/(1 + e^w) into Y9
	VBLENDVPS    Y7, Y0, Y9, Y9         // tail lanes keep x
	VMOVUPS      Y9, (SI)
	ADDQ         $32, SI
	INCQ         DX
	SUBQ         $8, CX
	JNZ          siluLoop

	VZEROUPPER
	RET

#define CONST4D(name, v) \
	DATA name<>+0(SB)/8, $v;  \
	DATA name<>+8(SB)/8, $v;  \
	DATA name<>+16(SB)/8, $v; \
	DATA name<>+24(SB)/8, $v; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST4D(tanhK, 0x3fa6e4e26d4801f7)    // 0.044715
CONST4D(tanhNegC, 0xbff9884533d43651) // −2·√(2/π)
CONST4D(expLoD, 0xc055d589df1172ef)   // −87.33654, exp32's lower bound
CONST4D(tanhHi, 0x4054000000000000)   // 80, geluTanh1's bound

// Compute w = −2·√(2/π)·(f + 0.044715·f·f·f) of four float64 values f (in f) into w, as geluTanh1 does (left to
// right, no fused operations), and into mask all ones where w is not in [−87.33654, 80] or is NaN. tmp is scratch.
#define TANHW(f, w, mask, tmp) \
	VMULPD tanhK<>(SB), f, w;      \
	VMULPD f, w, w;                \
	VMULPD f, w, w;                \
	VADDPD w, f, w;                \
	VMULPD tanhNegC<>(SB), w, w;   \
	VCMPPD $0x19, expLoD<>(SB), w, mask; \
	VCMPPD $0x16, tanhHi<>(SB), w, tmp;  \
	VORPD  tmp, mask, mask

// func geluTanhAVX2(x *float32, n int, tail *uint8)
//
// x[i] = x[i]/(1 + exp32(w)), w = −2·√(2/π)·(x + 0.044715·x³) in float64, for i < n (n a positive multiple of 8), bit
// for bit as geluTanh1, except where w is outside [−87.33654, 80] or NaN: those values are left as they are and
// marked in tail, one byte per 8 values, bit i%8.
TEXT ·geluTanhAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    tail+16(FP), DX
	VMOVUPS one<>(SB), Y13

tanhLoop:
	VMOVUPS      (SI), Y0               // x
	VCVTPS2PD    X0, Y1                 // lanes 0–3 in float64
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2                 // lanes 4–7
	TANHW(Y1, Y3, Y7, Y4)
	TANHW(Y2, Y8, Y12, Y4)
	VMOVMSKPD    Y7, AX
	VMOVMSKPD    Y12, BX
	SHLQ         $4, BX
	ORQ          BX, AX
	MOVB         AX, (DX)
	VCVTPD2PSY   Y7, X7                 // the masks as float32: NaN with the sign set, or +0
	VCVTPD2PSY   Y12, X12
	VINSERTF128  $1, X12, Y7, Y7        // the lanes left to the Go loop, by their sign bits
	EXPREDUCE(Y3, Y1, Y4, X5, X6)
	EXPREDUCE(Y8, Y2, Y9, X10, X11)
	EXP32DIV                            // x/(1 + e^w) into Y9
	VBLENDVPS    Y7, Y0, Y9, Y9         // tail lanes keep x
	VMOVUPS      Y9, (SI)
	ADDQ         $32, SI
	INCQ         DX
	SUBQ         $8, CX
	JNZ          tanhLoop

	VZEROUPPER
	RET

// func sumSqAVX2(x *float32, n int, c float64) float64
//
// Σ_{i<n} (float64(x[i]) − c)², n a positive multiple of 16, in four float64 accumulators of four lanes (lane j of
// accumulator a sums the i ≡ 4a + j mod 16), added together at the end.
TEXT ·sumSqAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD c+16(FP), Y8
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7

sumSqLoop:
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VCVTPS2PD   32(SI), Y2
	VCVTPS2PD   48(SI), Y3
	VSUBPD      Y8, Y0, Y0
	VSUBPD      Y8, Y1, Y1
	VSUBPD      Y8, Y2, Y2
	VSUBPD      Y8, Y3, Y3
	VFMADD231PD Y0, Y0, Y4
	VFMADD231PD Y1, Y1, Y5
	VFMADD231PD Y2, Y2, Y6
	VFMADD231PD Y3, Y3, Y7
	ADDQ        $64, SI
	SUBQ        $16, CX
	JNZ         sumSqLoop

	VADDPD       Y5, Y4, Y4
	VADDPD       Y7, Y6, Y6
	VADDPD       Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X5, X4, X4
	VHADDPD      X4, X4, X4
	VMOVSD       X4, ret+24(FP)
	VZEROUPPER
	RET

// func sumAVX2(x *float32, n int) float64
//
// Σ_{i<n} float64(x[i]), n a positive multiple of 16, with sumSqAVX2's four accumulators.
TEXT ·sumAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

sumLoop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD 32(SI), Y2
	VCVTPS2PD 48(SI), Y3
	VADDPD    Y0, Y4, Y4
	VADDPD    Y1, Y5, Y5
	VADDPD    Y2, Y6, Y6
	VADDPD    Y3, Y7, Y7
	ADDQ      $64, SI
	SUBQ      $16, CX
	JNZ       sumLoop

	VADDPD       Y5, Y4, Y4
	VADDPD       Y7, Y6, Y6
	VADDPD       Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X5, X4, X4
	VHADDPD      X4, X4, X4
	VMOVSD       X4, ret+16(FP)
	VZEROUPPER
	RET

// func normRowAVX2(out, x, w, b *float32, n int, c, r float64)
//
// out[i] = float32((float64(x[i]) − c)·r)·w[i] + b[i] for i < n (n a positive multiple of 8), bit for bit as
// layerNormRows' loop (no fused operations); b may be nil: then out[i] = float32((float64(x[i]) − c)·r)·w[i].
TEXT ·normRowAVX2(SB), NOSPLIT, $0-56
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), R8
	MOVQ         b+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSD c+40(FP), Y8
	VBROADCASTSD r+48(FP), Y9

normLoop:
	VCVTPS2PD    (SI), Y0
	VCVTPS2PD    16(SI), Y1
	VSUBPD       Y8, Y0, Y0
	VSUBPD       Y8, Y1, Y1
	VMULPD       Y9, Y0, Y0
	VMULPD       Y9, Y1, Y1
	VCVTPD2PSY   Y0, X0
	VCVTPD2PSY   Y1, X1
	VINSERTF128  $1, X1, Y0, Y0
	VMULPS       (R8), Y0, Y0
	TESTQ        R9, R9
	JZ           normStore
	VADDPS       (R9), Y0, Y0
	ADDQ         $32, R9

normStore:
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	JNZ     normLoop

	VZEROUPPER
	RET
