#version 450
// Measures float32 fused multiply-add throughput, for the benchmark's peak: each invocation runs iters rounds of
// eight independent chains of vec4 FMAs (64 flops per round), which keeps every FMA unit busy without touching
// memory, and writes one value so that nothing is optimised away. a and b are push constants, so the compiler cannot
// fold the chains.
layout(local_size_x = 256) in;
layout(std430, binding = 0) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint iters;
	float a, b;
} p;

void main() {
	vec4 x0 = vec4(float(gl_GlobalInvocationID.x) * 1e-9);
	vec4 x1 = x0 + 0.1, x2 = x0 + 0.2, x3 = x0 + 0.3, x4 = x0 + 0.4, x5 = x0 + 0.5, x6 = x0 + 0.6, x7 = x0 + 0.7;
	vec4 a = vec4(p.a), b = vec4(p.b);
	for (uint i = 0; i < p.iters; i++) {
		x0 = fma(x0, a, b);
		x1 = fma(x1, a, b);
		x2 = fma(x2, a, b);
		x3 = fma(x3, a, b);
		x4 = fma(x4, a, b);
		x5 = fma(x5, a, b);
		x6 = fma(x6, a, b);
		x7 = fma(x7, a, b);
	}
	vec4 s = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
	o[gl_GlobalInvocationID.x] = s.x + s.y + s.z + s.w;
}
