#version 450
// Rotary position embedding in place, in HF's rotate_half layout, over the rows of one sequence: for row t (position
// t), each of heads heads of headDim dims at x[xBase + t·ld + h·headDim], and i < half,
//   a = x[i], b = x[half + i]:  x[i] = a·cos − b·sin,  x[half + i] = b·cos + a·sin,
// with cos = cosT[cBase + t·half + i] and sin = sinT[sBase + t·half + i], tables the host computed in float64.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer C { float cosT[]; };
layout(std430, binding = 2) readonly buffer S { float sinT[]; };
layout(push_constant) uniform P {
	uint rows, heads, headDim, half_, ld, xBase, cBase, sBase;
} p;

void main() {
	uint n = p.rows * p.heads * p.half_;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint k = gl_GlobalInvocationID.x; k < n; k += stride) {
		uint i = k % p.half_;
		uint h = (k / p.half_) % p.heads;
		uint t = k / (p.half_ * p.heads);
		uint o = p.xBase + t * p.ld + h * p.headDim + i;
		float c = cosT[p.cBase + t * p.half_ + i];
		float s = sinT[p.sBase + t * p.half_ + i];
		float a = x[o], b = x[o + p.half_];
		x[o] = a * c - b * s;
		x[o + p.half_] = b * c + a * s;
	}
}
