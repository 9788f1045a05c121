#version 450
// Converts n stored values to float32 bits: src holds them as stored (dtype 0: F32, 1: F16, 2: BF16, little-endian,
// from element srcBase of the binding), dst receives float32 bit patterns from word dstBase. All arithmetic is on
// integers, so the conversion is exact, subnormals, infinities and NaNs included, whatever the device's float modes.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer S { uint src[]; };
layout(std430, binding = 1) writeonly buffer D { uint dst[]; };
layout(push_constant) uniform P {
	uint n, srcBase, dstBase, dtype;
} p;

uint f16ToF32(uint h) {
	uint s = (h & 0x8000u) << 16;
	uint e = (h >> 10) & 0x1fu;
	uint m = h & 0x3ffu;
	if (e == 0u) {
		if (m == 0u) {
			return s;
		}
		// A subnormal m·2^−24: shift the mantissa up to its leading one and lower the exponent to match.
		uint sh = 0u;
		while ((m & 0x400u) == 0u) {
			m <<= 1;
			sh++;
		}
		return s | ((113u - sh) << 23) | ((m & 0x3ffu) << 13);
	}
	if (e == 31u) {
		return s | 0x7f800000u | (m << 13);
	}
	return s | ((e + 112u) << 23) | (m << 13);
}

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
		uint e = p.srcBase + i;
		uint v;
		if (p.dtype == 0u) {
			v = src[e];
		} else {
			uint word = src[e >> 1];
			uint h = (e & 1u) != 0u ? word >> 16 : word & 0xffffu;
			v = p.dtype == 1u ? f16ToF32(h) : h << 16;
		}
		dst[p.dstBase + i] = v;
	}
}
