#version 450
// Elementwise ops in place on io[ioBase .. ioBase+n), with b[bBase ..] as the second operand where there is one:
//   op 0: io += b        op 1: io *= s         op 2: io = s·tanh(io/s) (soft-cap)
//   op 3: io = gelu(io)  op 4: io = geluTanh(io)  op 5: io = silu(io)
//   op 6, 7, 8: io = f(io)·b for f = gelu, geluTanh, silu (the gated MLP's product)
// Invocations stride over the range, so any n fits in a bounded number of workgroups.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer IO { float io[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(push_constant) uniform P {
	uint n, ioBase, bBase, op;
	float s;
} p;
#include "math.glsl"

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
		float v = io[p.ioBase + i];
		switch (p.op) {
		case 0: v += b[p.bBase + i]; break;
		case 1: v *= p.s; break;
		case 2: v = p.s * tanh_(v / p.s); break;
		case 3: v = gelu(v); break;
		case 4: v = geluTanh(v); break;
		case 5: v = silu(v); break;
		case 6: v = gelu(v) * b[p.bBase + i]; break;
		case 7: v = geluTanh(v) * b[p.bBase + i]; break;
		case 8: v = silu(v) * b[p.bBase + i]; break;
		}
		io[p.ioBase + i] = v;
	}
}
