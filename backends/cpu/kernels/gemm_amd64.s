//go:build amd64 && !noasm

#include "textflag.h"

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

// Add the accumulators of one row (two YMM registers) into the 16 floats at (DX) and step DX to the next row.
#define STOREROW(lo, hi) \
	VADDPS  (DX), lo, lo;   \
	VADDPS  32(DX), hi, hi; \
	VMOVUPS lo, (DX);       \
	VMOVUPS hi, 32(DX);     \
	ADDQ    R8, DX

// func gemmKernel6x16(k int, a, b, c *float32, ldc int)
TEXT ·gemmKernel6x16(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

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

// Store Y8…Y15 at off, off+64, …, off+448 from DI: 8 consecutive k of one half of a 16-wide packed panel.
#define STORE8(off) \
	VMOVUPS Y8, (off+0)(DI);    \
	VMOVUPS Y9, (off+64)(DI);   \
	VMOVUPS Y10, (off+128)(DI); \
	VMOVUPS Y11, (off+192)(DI); \
	VMOVUPS Y12, (off+256)(DI); \
	VMOVUPS Y13, (off+320)(DI); \
	VMOVUPS Y14, (off+384)(DI); \
	VMOVUPS Y15, (off+448)(DI)

// func gemmPackB16(k8 int, src *float32, ld int, dst *float32)
TEXT ·gemmPackB16(SB), NOSPLIT, $0-32
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	TESTQ CX, CX
	JZ    packdone
	SHLQ $2, R8          // R8 = row stride in bytes
	LEAQ (R8)(R8*2), R9  // R9 = 3 rows
	LEAQ (SI)(R8*4), R10 // rows 4–7
	LEAQ (R10)(R8*4), R11 // rows 8–11
	LEAQ (R11)(R8*4), R12 // rows 12–15

packloop:
	LOAD8(SI, R10)
	TRANSPOSE8
	STORE8(0)
	LOAD8(R11, R12)
	TRANSPOSE8
	STORE8(32)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $512, DI
	DECQ CX
	JNZ  packloop
	VZEROUPPER

packdone:
	RET
