#version 450
// LayerNorm and RMSNorm of each row of x [rows, d] into y, one workgroup per row:
//   mode 0 (LayerNorm): y = (x − μ)/√(σ² + eps)·w + b, σ² the population variance (two passes: μ, then Σ(x − μ)²);
//   mode 1 (RMSNorm):   y = x/√(mean(x²) + eps)·w;
//   mode 2 (RMSNorm with unit offset, Gemma): y = x/√(mean(x²) + eps)·(1 + w).
// Sums are float32, per invocation over a strided slice and then across the workgroup.
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bt { float b[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
	uint d, xBase, wBase, bBase, yBase, mode, hasBias;
	float eps;
} p;
#include "reduce.glsl"

void main() {
	uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
	uint lid = gl_LocalInvocationIndex;
	uint xo = p.xBase + row * p.d, yo = p.yBase + row * p.d;
	float n = float(p.d);
	float mean = 0.0;
	if (p.mode == 0) {
		float s = 0.0;
		for (uint i = lid; i < p.d; i += WG) {
			s += x[xo + i];
		}
		mean = wgSum(s) / n;
	}
	float ss = 0.0;
	for (uint i = lid; i < p.d; i += WG) {
		float v = x[xo + i] - mean;
		ss += v * v;
	}
	float rstd = 1.0 / sqrt(wgSum(ss) / n + p.eps);
	for (uint i = lid; i < p.d; i += WG) {
		float v = (x[xo + i] - mean) * rstd;
		float wi = w[p.wBase + i];
		if (p.mode == 2) {
			wi += 1.0;
		}
		v *= wi;
		if (p.hasBias != 0) {
			v += b[p.bBase + i];
		}
		y[yo + i] = v;
	}
}
