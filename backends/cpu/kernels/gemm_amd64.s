//go:build amd64 && !noasm

#include "textflag.h"
#include "consts.h"

// One step of the 6×16 micro-kernel: load the 16 packed B values of one k (Y12, Y13), broadcast each of the 6 packed
// A values of that k in turn and fused-multiply-add them into the accumulators Y0…Y11 (row r in Y(2r), Y(2r+1)).
#define STEP(a0, b0, b1) \
	VMOVUPS      b0(DI), Y12;       \
	VMOVUPS      b1(DI), Y13;       \
	VBROADCASTSS (a0+0)(SI), Y14;   \
	VFMADD231PS  Y12, Y14, Y0;      \
	VFMADD231PS  Y13, Y14, Y1;      \
	VBROADCASTSS (a0+4)(SI), Y15;   \
	VFMADD231PS  Y12, Y15, Y2;      \
	VFMADD231PS  Y13, Y15, Y3;      \
	VBROADCASTSS (a0+8)(SI), Y14;   \
	VFMADD231PS  Y12, Y14, Y4;      \
	VFMADD231PS  Y13, Y14, Y5;      \
	VBROADCASTSS (a0+12)(SI), Y15;  \
	VFMADD231PS  Y12, Y15, Y6;      \
	VFMADD231PS  Y13, Y15, Y7;      \
	VBROADCASTSS (a0+16)(SI), Y14;  \
	VFMADD231PS  Y12, Y14, Y8;      \
	VFMADD231PS  Y13, Y14, Y9;      \
	VBROADCASTSS (a0+20)(SI), Y15;  \
	VFMADD231PS  Y12, Y15, Y10;     \
	VFMADD231PS  Y13, Y15, Y11

// Store the 16 floats at (R10) plus the accumulators of one row (two YMM registers) at (DX), and step DX and R10 to
// their next rows.
#define STOREROW(lo, hi) \
	VADDPS  (R10), lo, lo;   \
	VADDPS  32(R10), hi, hi; \
	VMOVUPS lo, (DX);        \
	VMOVUPS hi, 32(DX);      \
	ADDQ    R8, DX;          \
	ADDQ    R11, R10

// func gemmKernel6x16(k int, a, b, c *float32, ldc int, init *float32, ldi int)
TEXT ·gemmKernel6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ init+40(FP), R10
	MOVQ ldi+48(FP), R11
	SHLQ $2, R11

	// Start reading the block of C into L1 now, so that the adds at the end do not wait on it.
	MOVQ DX, R12
	MOVQ $6, R13
prefetch6:
	PREFETCHT0 (R12)
	PREFETCHT0 60(R12)
	ADDQ       R8, R12
	DECQ       R13
	JNZ        prefetch6

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $2, R9   // R9 = k / 4 unrolled steps
	ANDQ $3, CX   // CX = k % 4 remaining steps
	TESTQ R9, R9
	JZ   tail

loop4:
	STEP(0, 0, 32)
	STEP(24, 64, 96)
	STEP(48, 128, 160)
	STEP(72, 192, 224)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ R9
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    store

loop1:
	STEP(0, 0, 32)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

store:
	STOREROW(Y0, Y1)
	STOREROW(Y2, Y3)
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	VZEROUPPER
	RET

// Transpose the 8×8 block of floats in Y0…Y7 (row i in Yi) into Y8…Y15 (column q of the block in Y(8+q)), using
// Y0…Y7 as scratch.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8;        \
	VUNPCKHPS  Y1, Y0, Y9;        \
	VUNPCKLPS  Y3, Y2, Y10;       \
	VUNPCKHPS  Y3, Y2, Y11;       \
	VUNPCKLPS  Y5, Y4, Y12;       \
	VUNPCKHPS  Y5, Y4, Y13;       \
	VUNPCKLPS  Y7, Y6, Y14;       \
	VUNPCKHPS  Y7, Y6, Y15;       \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8;  \
	VPERM2F128 $0x20, Y5, Y1, Y9;  \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// Load 8 floats from each of the 8 rows at lo (rows 0–3) and hi (rows 4–7), R8 bytes apart, R9 = 3·R8.
#define LOAD8(lo, hi) \
	VMOVUPS (lo), Y0;        \
	VMOVUPS (lo)(R8*1), Y1;  \
	VMOVUPS (lo)(R8*2), Y2;  \
	VMOVUPS (lo)(R9*1), Y3;  \
	VMOVUPS (hi), Y4;        \
	VMOVUPS (hi)(R8*1), Y5;  \
	VMOVUPS (hi)(R8*2), Y6;  \
	VMOVUPS (hi)(R9*1), Y7

// Store Y8…Y15, the eight columns of the block (eight consecutive k), at off bytes into rows 0–7 of the packed panel
// at DI, whose rows are R13 bytes apart (R14 = 3·R13, R15 = DI + 4·R13).
#define STORE8(off) \
	VMOVUPS Y8, off(DI);          \
	VMOVUPS Y9, off(DI)(R13*1);   \
	VMOVUPS Y10, off(DI)(R13*2);  \
	VMOVUPS Y11, off(DI)(R14*1);  \
	VMOVUPS Y12, off(R15);        \
	VMOVUPS Y13, off(R15)(R13*1); \
	VMOVUPS Y14, off(R15)(R13*2); \
	VMOVUPS Y15, off(R15)(R14*1)

// The set-up of gemmPackB16 and its 16-bit twins, with k8, src, ld, dst, ldd in CX, SI, R8, DI, R13: R8 = ld·size
// bytes (shift = log2 size), R9 = 3·R8, R10–R12 the rows 4, 8 and 12 of src, R13 = ldd·4 bytes and R14 = 3·R13; then
// the flags of k8 for the caller's JZ.
#define PACKB16SETUP(shift) \
	SHLQ $shift, R8;       \
	LEAQ (R8)(R8*2), R9;   \
	LEAQ (SI)(R8*4), R10;  \
	LEAQ (R10)(R8*4), R11; \
	LEAQ (R11)(R8*4), R12; \
	SHLQ $2, R13;          \
	LEAQ (R13)(R13*2), R14; \
	TESTQ CX, CX

// One step of gemmPackB16 and its 16-bit twins: eight values of k of the 16 rows, loaded as float32 by load (LOAD8,
// LOAD8BF16 or LOAD8F16), transposed into eight packed rows; then every source row step bytes on, DI eight packed rows
// on.
#define PACKB16STEP(load, step) \
	LEAQ (DI)(R13*4), R15; \
	load(SI, R10);         \
	TRANSPOSE8;            \
	STORE8(0);             \
	load(R11, R12);        \
	TRANSPOSE8;            \
	STORE8(32);            \
	ADDQ $step, SI;        \
	ADDQ $step, R10;       \
	ADDQ $step, R11;       \
	ADDQ $step, R12;       \
	LEAQ (R15)(R13*4), DI

// func gemmPackB16(k8 int, src *float32, ld int, dst *float32, ldd int)
TEXT ·gemmPackB16(SB), NOSPLIT, $0-40
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R13
	PACKB16SETUP(2)
	JZ packdone

packloop:
	PACKB16STEP(LOAD8, 32)
	DECQ CX
	JNZ  packloop
	VZEROUPPER

packdone:
	RET

// Load 8 bfloat16 values from each of the 8 rows at lo (rows 0–3) and hi (rows 4–7), R8 bytes apart, R9 = 3·R8, as
// float32: each widened to 32 bits and shifted left by 16, which is exact.
#define LOAD8BF16(lo, hi) \
	VPMOVZXWD (lo), Y0;       \
	VPMOVZXWD (lo)(R8*1), Y1; \
	VPMOVZXWD (lo)(R8*2), Y2; \
	VPMOVZXWD (lo)(R9*1), Y3; \
	VPMOVZXWD (hi), Y4;       \
	VPMOVZXWD (hi)(R8*1), Y5; \
	VPMOVZXWD (hi)(R8*2), Y6; \
	VPMOVZXWD (hi)(R9*1), Y7; \
	VPSLLD    $16, Y0, Y0;    \
	VPSLLD    $16, Y1, Y1;    \
	VPSLLD    $16, Y2, Y2;    \
	VPSLLD    $16, Y3, Y3;    \
	VPSLLD    $16, Y4, Y4;    \
	VPSLLD    $16, Y5, Y5;    \
	VPSLLD    $16, Y6, Y6;    \
	VPSLLD    $16, Y7, Y7

CONST8(f16AbsMask, 0x7fff)     // a binary16's exponent and mantissa
CONST8(f16SignMask, 0x8000)    // its sign
CONST8(f16ExpMask, 0x0f800000) // its exponent after the shift by 13
CONST8(f16Rebias, 0x38000000)  // (127 − 15) << 23
CONST8(f16One23, 0x00800000)   // 1 << 23
CONST8(f16Magic, 0x38800000)   // 113 << 23, the float32 2^−14

// Load 8 binary16 values at addr into dst as float32, exactly, with integer operations only (as decode's f16AVX2:
// signalling NaNs stay signalling): with o = (h & 0x7fff) << 13, a normal value is o + (127−15)·2²³, Inf and NaN
// o + (255−31)·2²³, zero and subnormals float(o + 113·2²³) − 2^−14, and the sign moves to bit 31. Y8…Y13 are
// scratch; Y14 must be zero.
#define LOADF16(addr, dst) \
	VPMOVZXWD addr, Y8;                  \
	VPAND     f16AbsMask<>(SB), Y8, Y9;  \
	VPSLLD    $13, Y9, Y9;               \
	VPAND     f16ExpMask<>(SB), Y9, Y10; \
	VPADDD    f16Rebias<>(SB), Y9, Y11;  \
	VPCMPEQD  f16ExpMask<>(SB), Y10, Y12; \
	VPAND     f16Rebias<>(SB), Y12, Y12; \
	VPADDD    Y12, Y11, Y11;             \
	VPCMPEQD  Y14, Y10, Y12;             \
	VPADDD    f16One23<>(SB), Y11, Y13;  \
	VSUBPS    f16Magic<>(SB), Y13, Y13;  \
	VBLENDVPS Y12, Y13, Y11, Y11;        \
	VPAND     f16SignMask<>(SB), Y8, Y8; \
	VPSLLD    $16, Y8, Y8;               \
	VPOR      Y8, Y11, dst

// Load 8 binary16 values from each of the 8 rows at lo (rows 0–3) and hi (rows 4–7), R8 bytes apart, R9 = 3·R8, as
// float32 into Y0…Y7.
#define LOAD8F16(lo, hi) \
	VPXOR   Y14, Y14, Y14;       \
	LOADF16((lo), Y0);       \
	LOADF16((lo)(R8*1), Y1); \
	LOADF16((lo)(R8*2), Y2); \
	LOADF16((lo)(R9*1), Y3); \
	LOADF16((hi), Y4);       \
	LOADF16((hi)(R8*1), Y5); \
	LOADF16((hi)(R8*2), Y6); \
	LOADF16((hi)(R9*1), Y7)

// func gemmPackB16F16(k8 int, src *byte, ld int, dst *float32, ldd int)
TEXT ·gemmPackB16F16(SB), NOSPLIT, $0-40
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R13
	PACKB16SETUP(1)
	JZ packf16done

packf16loop:
	PACKB16STEP(LOAD8F16, 16)
	DECQ CX
	JNZ  packf16loop
	VZEROUPPER

packf16done:
	RET

// func gemmPackB16BF16(k8 int, src *byte, ld int, dst *float32, ldd int)
TEXT ·gemmPackB16BF16(SB), NOSPLIT, $0-40
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), R13
	PACKB16SETUP(1)
	JZ packbfdone

packbfloop:
	PACKB16STEP(LOAD8BF16, 16)
	DECQ CX
	JNZ  packbfloop
	VZEROUPPER

packbfdone:
	RET

// One step of the 12×32 micro-kernel: load the 32 packed B values of one k (Z24, Z25), broadcast each of the 12 packed
// A values of that k in turn and fused-multiply-add them into the accumulators Z0…Z23 (row r in Z(2r), Z(2r+1)).
#define STEP12(a0, b0) \
	VMOVUPS      b0(DI), Z24;       \
	VMOVUPS      (b0+64)(DI), Z25;  \
	VBROADCASTSS (a0+0)(SI), Z26;   \
	VFMADD231PS  Z24, Z26, Z0;      \
	VFMADD231PS  Z25, Z26, Z1;      \
	VBROADCASTSS (a0+4)(SI), Z27;   \
	VFMADD231PS  Z24, Z27, Z2;      \
	VFMADD231PS  Z25, Z27, Z3;      \
	VBROADCASTSS (a0+8)(SI), Z28;   \
	VFMADD231PS  Z24, Z28, Z4;      \
	VFMADD231PS  Z25, Z28, Z5;      \
	VBROADCASTSS (a0+12)(SI), Z29;  \
	VFMADD231PS  Z24, Z29, Z6;      \
	VFMADD231PS  Z25, Z29, Z7;      \
	VBROADCASTSS (a0+16)(SI), Z30;  \
	VFMADD231PS  Z24, Z30, Z8;      \
	VFMADD231PS  Z25, Z30, Z9;      \
	VBROADCASTSS (a0+20)(SI), Z31;  \
	VFMADD231PS  Z24, Z31, Z10;     \
	VFMADD231PS  Z25, Z31, Z11;     \
	VBROADCASTSS (a0+24)(SI), Z26;  \
	VFMADD231PS  Z24, Z26, Z12;     \
	VFMADD231PS  Z25, Z26, Z13;     \
	VBROADCASTSS (a0+28)(SI), Z27;  \
	VFMADD231PS  Z24, Z27, Z14;     \
	VFMADD231PS  Z25, Z27, Z15;     \
	VBROADCASTSS (a0+32)(SI), Z28;  \
	VFMADD231PS  Z24, Z28, Z16;     \
	VFMADD231PS  Z25, Z28, Z17;     \
	VBROADCASTSS (a0+36)(SI), Z29;  \
	VFMADD231PS  Z24, Z29, Z18;     \
	VFMADD231PS  Z25, Z29, Z19;     \
	VBROADCASTSS (a0+40)(SI), Z30;  \
	VFMADD231PS  Z24, Z30, Z20;     \
	VFMADD231PS  Z25, Z30, Z21;     \
	VBROADCASTSS (a0+44)(SI), Z31;  \
	VFMADD231PS  Z24, Z31, Z22;     \
	VFMADD231PS  Z25, Z31, Z23

// Store the 32 floats at (R10) plus the accumulators of one row (two ZMM registers) at (DX), and step DX and R10 to
// their next rows.
#define STOREROW12(lo, hi) \
	VADDPS  (R10), lo, lo;   \
	VADDPS  64(R10), hi, hi; \
	VMOVUPS lo, (DX);        \
	VMOVUPS hi, 64(DX);      \
	ADDQ    R8, DX;          \
	ADDQ    R11, R10

// func gemmKernel12x32(k int, a, b, c *float32, ldc int, init *float32, ldi int)
TEXT ·gemmKernel12x32(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ init+40(FP), R10
	MOVQ ldi+48(FP), R11
	SHLQ $2, R11

	// Start reading the block of C into L1 now, so that the adds at the end do not wait on it.
	MOVQ DX, R12
	MOVQ $12, R13
prefetch12:
	PREFETCHT0 (R12)
	PREFETCHT0 124(R12)
	ADDQ       R8, R12
	DECQ       R13
	JNZ        prefetch12

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	MOVQ CX, R9
	SHRQ $2, R9   // R9 = k / 4 unrolled steps
	ANDQ $3, CX   // CX = k % 4 remaining steps
	TESTQ R9, R9
	JZ   tail12

loop12:
	STEP12(0, 0)
	STEP12(48, 128)
	STEP12(96, 256)
	STEP12(144, 384)
	ADDQ $192, SI
	ADDQ $512, DI
	DECQ R9
	JNZ  loop12

tail12:
	TESTQ CX, CX
	JZ    store12

loop12one:
	STEP12(0, 0)
	ADDQ $48, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop12one

store12:
	STOREROW12(Z0, Z1)
	STOREROW12(Z2, Z3)
	STOREROW12(Z4, Z5)
	STOREROW12(Z6, Z7)
	STOREROW12(Z8, Z9)
	STOREROW12(Z10, Z11)
	STOREROW12(Z12, Z13)
	STOREROW12(Z14, Z15)
	STOREROW12(Z16, Z17)
	STOREROW12(Z18, Z19)
	STOREROW12(Z20, Z21)
	STOREROW12(Z22, Z23)
	VZEROUPPER
	RET

// Transpose four rows of eight floats, Y0…Y3, into eight columns of four: column q in the low half of Y(q) for
// q < 4 and in the high half of Y(q−4) for q ≥ 4, using Y4…Y7 as scratch.
#define TRANSPOSE4X8 \
	VUNPCKLPS Y1, Y0, Y4;        \
	VUNPCKHPS Y1, Y0, Y5;        \
	VUNPCKLPS Y3, Y2, Y6;        \
	VUNPCKHPS Y3, Y2, Y7;        \
	VSHUFPS   $0x44, Y6, Y4, Y0; \
	VSHUFPS   $0xEE, Y6, Y4, Y1; \
	VSHUFPS   $0x44, Y7, Y5, Y2; \
	VSHUFPS   $0xEE, Y7, Y5, Y3

// func gemmPackA12(k8 int, src *float32, ld int, dst *float32)
TEXT ·gemmPackA12(SB), NOSPLIT, $0-32
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	TESTQ CX, CX
	JZ    packa12done
	SHLQ $2, R8           // R8 = row stride in bytes
	LEAQ (R8)(R8*2), R9   // R9 = 3 rows
	LEAQ (SI)(R8*4), R10  // rows 4–7
	LEAQ (R10)(R8*4), R11 // rows 8–11

packa12loop:
	LOAD8(SI, R10)
	TRANSPOSE8
	VMOVUPS Y8, 0(DI)
	VMOVUPS Y9, 48(DI)
	VMOVUPS Y10, 96(DI)
	VMOVUPS Y11, 144(DI)
	VMOVUPS Y12, 192(DI)
	VMOVUPS Y13, 240(DI)
	VMOVUPS Y14, 288(DI)
	VMOVUPS Y15, 336(DI)
	VMOVUPS (R11), Y0
	VMOVUPS (R11)(R8*1), Y1
	VMOVUPS (R11)(R8*2), Y2
	VMOVUPS (R11)(R9*1), Y3
	TRANSPOSE4X8
	VMOVUPS      X0, 32(DI)
	VMOVUPS      X1, 80(DI)
	VMOVUPS      X2, 128(DI)
	VMOVUPS      X3, 176(DI)
	VEXTRACTF128 $1, Y0, 224(DI)
	VEXTRACTF128 $1, Y1, 272(DI)
	VEXTRACTF128 $1, Y2, 320(DI)
	VEXTRACTF128 $1, Y3, 368(DI)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $384, DI
	DECQ CX
	JNZ  packa12loop
	VZEROUPPER

packa12done:
	RET

// Store column q of a transposed 8×8 block (rows 0–5 of it) as six floats at off(DI), through X0.
#define STORE6(y, x, off) \
	VMOVUPS      x, off(DI);   \
	VEXTRACTF128 $1, y, X0;    \
	VMOVQ        X0, (off+16)(DI)

// func gemmPackA6(k8 int, src *float32, ld int, dst *float32)
TEXT ·gemmPackA6(SB), NOSPLIT, $0-32
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	TESTQ CX, CX
	JZ    packa6done
	SHLQ $2, R8           // R8 = row stride in bytes
	LEAQ (R8)(R8*2), R9   // R9 = 3 rows
	LEAQ (SI)(R8*4), R10  // rows 4–5

packa6loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (R10), Y4
	VMOVUPS (R10)(R8*1), Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	TRANSPOSE8
	STORE6(Y8, X8, 0)
	STORE6(Y9, X9, 24)
	STORE6(Y10, X10, 48)
	STORE6(Y11, X11, 72)
	STORE6(Y12, X12, 96)
	STORE6(Y13, X13, 120)
	STORE6(Y14, X14, 144)
	STORE6(Y15, X15, 168)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $192, DI
	DECQ CX
	JNZ  packa6loop
	VZEROUPPER

packa6done:
	RET

