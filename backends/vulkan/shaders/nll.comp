#version 450
// The parts of the negative log-likelihood of each row of logits [rows, vocab] at its target, one workgroup per row,
// in float64 (it needs shaderFloat64; devices without it compute the loss on the host from the logits):
//   m = max_i x_i (exact in float32),  z = Σ_i exp(x_i − m) in float64,  x_t = the target's logit,
// written as o[3r], o[3r+1], o[3r+2] for r = outBase + row. The host forms −log softmax(x)[t] = m + log z − x_t.
// GLSL has no float64 exp, so exp64 below reduces the argument by multiples of ln 2 (Cody and Waite) and sums the
// Taylor series of the rest, accurate to a few float64 ulps.
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { int targets[]; };
layout(std430, binding = 2) writeonly buffer O { double o[]; };
layout(push_constant) uniform P {
	uint vocab, xBase, tBase, outBase;
} p;
#include "reduce.glsl"

shared double redd[WG];

// exp64 is exp(y) for y ≤ 0 in float64: y = k·ln 2 + r with |r| ≤ ln 2 / 2, exp(r) by Horner's rule on its Taylor
// polynomial of degree 13 (truncation error below 1e-17 relative), then scaled by 2^k.
double exp64(double y) {
	if (y < -745.0LF) {
		return 0.0LF;
	}
	double k = floor(y * 1.4426950408889634074LF + 0.5LF);
	double r = (y - k * 6.93147180369123816490e-01LF) - k * 1.90821492927058770002e-10LF;
	double q = 1.0LF / 6227020800.0LF;
	q = q * r + 1.0LF / 479001600.0LF;
	q = q * r + 1.0LF / 39916800.0LF;
	q = q * r + 1.0LF / 3628800.0LF;
	q = q * r + 1.0LF / 362880.0LF;
	q = q * r + 1.0LF / 40320.0LF;
	q = q * r + 1.0LF / 5040.0LF;
	q = q * r + 1.0LF / 720.0LF;
	q = q * r + 1.0LF / 120.0LF;
	q = q * r + 1.0LF / 24.0LF;
	q = q * r + 1.0LF / 6.0LF;
	q = q * r + 0.5LF;
	q = q * r + 1.0LF;
	q = q * r + 1.0LF;
	return ldexp(q, int(k));
}

void main() {
	uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
	uint lid = gl_LocalInvocationIndex;
	uint xo = p.xBase + row * p.vocab;
	float m = -3.0e38;
	for (uint i = lid; i < p.vocab; i += WG) {
		m = max(m, x[xo + i]);
	}
	m = wgMax(m);
	double z = 0.0LF;
	for (uint i = lid; i < p.vocab; i += WG) {
		z += exp64(double(x[xo + i]) - double(m));
	}
	redd[lid] = z;
	barrier();
	for (uint h = WG / 2; h > 0; h >>= 1) {
		if (lid < h) {
			redd[lid] += redd[lid + h];
		}
		barrier();
	}
	if (lid == 0) {
		uint r = p.outBase + row;
		o[3 * r] = double(m);
		o[3 * r + 1] = redd[0];
		o[3 * r + 2] = double(x[xo + uint(targets[p.tBase + row])]);
	}
}
