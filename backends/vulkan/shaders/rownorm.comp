#version 450
// The squared L2 norm of each row of x [rows, d], one workgroup per row, written as float32 to out[outBase + row].
// Each invocation sums its strided slice with Kahan compensation; the host takes the square root in float64.
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint d, xBase, outBase;
} p;
#include "reduce.glsl"

void main() {
	uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
	uint xo = p.xBase + row * p.d;
	precise float s = 0.0, c = 0.0;
	for (uint i = gl_LocalInvocationIndex; i < p.d; i += WG) {
		float v = x[xo + i];
		precise float yv = v * v - c;
		precise float t = s + yv;
		c = (t - s) - yv;
		s = t;
	}
	float r = wgSum(s);
	if (gl_LocalInvocationIndex == 0) {
		o[p.outBase + row] = r;
	}
}
