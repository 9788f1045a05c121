//go:build amd64 && !noasm

#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// Twelve independent FMA chains: twelve accumulators, two constant operands, so that nothing but the FMA units'
// throughput limits the loop (each chain waits only on itself, and twelve cover the latency of two pipes).
#define FMA12Y \
	VFMADD231PS Y14, Y15, Y0; \
	VFMADD231PS Y14, Y15, Y1; \
	VFMADD231PS Y14, Y15, Y2; \
	VFMADD231PS Y14, Y15, Y3; \
	VFMADD231PS Y14, Y15, Y4; \
	VFMADD231PS Y14, Y15, Y5; \
	VFMADD231PS Y14, Y15, Y6; \
	VFMADD231PS Y14, Y15, Y7; \
	VFMADD231PS Y14, Y15, Y8; \
	VFMADD231PS Y14, Y15, Y9; \
	VFMADD231PS Y14, Y15, Y10; \
	VFMADD231PS Y14, Y15, Y11

#define FMA12Z \
	VFMADD231PS Z14, Z15, Z0; \
	VFMADD231PS Z14, Z15, Z1; \
	VFMADD231PS Z14, Z15, Z2; \
	VFMADD231PS Z14, Z15, Z3; \
	VFMADD231PS Z14, Z15, Z4; \
	VFMADD231PS Z14, Z15, Z5; \
	VFMADD231PS Z14, Z15, Z6; \
	VFMADD231PS Z14, Z15, Z7; \
	VFMADD231PS Z14, Z15, Z8; \
	VFMADD231PS Z14, Z15, Z9; \
	VFMADD231PS Z14, Z15, Z10; \
	VFMADD231PS Z14, Z15, Z11

// func fmaYMM(n int)
TEXT ·fmaYMM(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
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
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	TESTQ  CX, CX
	JLE    ymmdone

ymmloop:
	FMA12Y
	DECQ CX
	JNZ  ymmloop

ymmdone:
	VZEROUPPER
	RET

// func fmaZMM(n int)
TEXT ·fmaZMM(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
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
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TESTQ  CX, CX
	JLE    zmmdone

zmmloop:
	FMA12Z
	DECQ CX
	JNZ  zmmloop

zmmdone:
	VZEROUPPER
	RET
