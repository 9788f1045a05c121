//go:build amd64 && !noasm

#include "textflag.h"

// Eight copies of one 32-bit constant, for a memory operand.
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

CONST8(absMask, 0x7fff)      // a binary16's exponent and mantissa
CONST8(signMask, 0x8000)     // its sign
CONST8(expMask, 0x0f800000)  // its exponent after the shift by 13
CONST8(rebias, 0x38000000)   // (127 − 15) << 23
CONST8(one23, 0x00800000)    // 1 << 23
CONST8(magic, 0x38800000)    // 113 << 23, the float32 2^−14

// func f16AVX2(dst *float32, src *byte, n int)
TEXT ·f16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   f16done
	VPXOR Y7, Y7, Y7

f16loop:
	VPMOVZXWD    (SI), Y0              // h, widened
	VPAND        absMask<>(SB), Y0, Y1
	VPSLLD       $13, Y1, Y1           // o = (h & 0x7fff) << 13
	VPAND        expMask<>(SB), Y1, Y2 // its exponent bits
	VPADDD       rebias<>(SB), Y1, Y3  // a normal value, rebiased
	VPCMPEQD     expMask<>(SB), Y2, Y4 // Inf or NaN: exponent all ones
	VPAND        rebias<>(SB), Y4, Y4
	VPADDD       Y4, Y3, Y3            // rebias once more: exponent 255, payload kept
	VPCMPEQD     Y7, Y2, Y4            // zero or subnormal
	VPADDD       one23<>(SB), Y3, Y5   // o + 113 << 23
	VSUBPS       magic<>(SB), Y5, Y5   // minus 2^−14, exactly m·2^−24
	VBLENDVPS    Y4, Y5, Y3, Y3
	VPAND        signMask<>(SB), Y0, Y0
	VPSLLD       $16, Y0, Y0
	VPOR         Y0, Y3, Y3
	VMOVUPS      Y3, (DI)
	ADDQ         $16, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          f16loop
	VZEROUPPER

f16done:
	RET

// func bf16AVX2(dst *float32, src *byte, n int)
TEXT ·bf16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   bf16done

bf16loop:
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       bf16loop
	VZEROUPPER

bf16done:
	RET
