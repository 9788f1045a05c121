// Macros shared by the assembly files of package kernels.

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
