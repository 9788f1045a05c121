#version 450
// Negative log-likelihood of each row of logits [rows, vocab] at its target: −log softmax(x)[t] =
// log Σ exp(x − m) + m − x[t] with m the row's maximum, one workgroup per row, written to out[outBase + row].
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { int targets[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint vocab, xBase, tBase, outBase;
} p;
#include "reduce.glsl"

void main() {
	uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
	uint xo = p.xBase + row * p.vocab;
	float m = -3.0e38;
	for (uint i = gl_LocalInvocationIndex; i < p.vocab; i += WG) {
		m = max(m, x[xo + i]);
	}
	m = wgMax(m);
	float s = 0.0;
	for (uint i = gl_LocalInvocationIndex; i < p.vocab; i += WG) {
		s += exp(x[xo + i] - m);
	}
	s = wgSum(s);
	if (gl_LocalInvocationIndex == 0) {
		uint t = uint(targets[p.tBase + row]);
		o[p.outBase + row] = log(s) + m - x[xo + t];
	}
}
