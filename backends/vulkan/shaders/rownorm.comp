#version 450
// The squared L2 norm of each row of x [rows, d], one workgroup per row, accumulated to float64 accuracy. Built with
// -DF64 (for devices with shaderFloat64) it sums in float64 and writes o[outBase + row] as a double. Otherwise it sums
// in double-float arithmetic (df.glsl: exact squares, exact sums, about 48 bits) and writes (hi, lo), which the host
// adds in float64. Either way the host takes the square root in float64.
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
#ifdef F64
layout(std430, binding = 1) writeonly buffer O { double o[]; };
shared double red[WG];
#else
layout(std430, binding = 1) writeonly buffer O { vec2 o[]; };
shared vec2 red[WG];
#include "df.glsl"
#endif
layout(push_constant) uniform P {
	uint d, xBase, outBase;
} p;

void main() {
	uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
	uint lid = gl_LocalInvocationIndex;
	uint xo = p.xBase + row * p.d;
#ifdef F64
	double s = 0.0LF;
	for (uint i = lid; i < p.d; i += WG) {
		double v = double(x[xo + i]);
		s += v * v; // exact: a float32 squared has at most 48 significant bits
	}
	red[lid] = s;
	barrier();
	for (uint h = WG / 2; h > 0; h >>= 1) {
		if (lid < h) {
			red[lid] += red[lid + h];
		}
		barrier();
	}
#else
	vec2 s = vec2(0.0);
	for (uint i = lid; i < p.d; i += WG) {
		s = dfAdd(s, twoSquare(x[xo + i]));
	}
	red[lid] = s;
	barrier();
	for (uint h = WG / 2; h > 0; h >>= 1) {
		if (lid < h) {
			red[lid] = dfAdd(red[lid], red[lid + h]);
		}
		barrier();
	}
#endif
	if (lid == 0) {
		o[p.outBase + row] = red[0];
	}
}
