#version 450
// Split's gather: for each of rows rows, out[r][g·w + j] = x[r][g·stride + off + j] for g < groups and j < w; out
// rows are groups·w wide. It also copies plain blocks of rows (groups 1, w = stride, off 0).
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint rows, groups, w, stride, off, xBase, oBase;
} p;

void main() {
	uint width = p.groups * p.w;
	uint n = p.rows * width;
	uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < n; i += step) {
		uint r = i / width, c = i % width;
		uint g = c / p.w, j = c % p.w;
		o[p.oBase + i] = x[p.xBase + r * p.stride * p.groups + g * p.stride + p.off + j];
	}
}
