#version 450
// out = a + b elementwise over n values, into a tensor distinct from both.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint n, aBase, bBase, oBase;
} p;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
		o[p.oBase + i] = a[p.aBase + i] + b[p.bBase + i];
	}
}
