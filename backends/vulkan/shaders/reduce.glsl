// Workgroup reductions over WG invocations (a power of two, at most 256), shared by the row kernels: wgSum and wgMax.
// Built with -DSUBGROUP, they reduce within each subgroup with subgroupAdd/subgroupMax first and then across
// subgroups; without it, a tree in shared memory. Every invocation of the workgroup must call them, in uniform
// control flow, and every one receives the result.
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float red_[256];

// WG_REDUCE defines float NAME(float v), the reduction by the binary OP, whose subgroup form is SUBOP and whose
// identity is ID.
#ifdef SUBGROUP
#define WG_REDUCE(NAME, OP, SUBOP, ID)                                                                  \
	float NAME(float v) {                                                                           \
		v = SUBOP(v);                                                                           \
		if (subgroupElect()) {                                                                  \
			red_[gl_SubgroupID] = v;                                                        \
		}                                                                                       \
		barrier();                                                                              \
		if (gl_SubgroupID == 0) {                                                               \
			float t = ID;                                                                   \
			for (uint i = gl_SubgroupInvocationID; i < gl_NumSubgroups; i += gl_SubgroupSize) { \
				t = OP(t, red_[i]);                                                     \
			}                                                                               \
			t = SUBOP(t);                                                                   \
			if (subgroupElect()) {                                                          \
				red_[0] = t;                                                            \
			}                                                                               \
		}                                                                                       \
		barrier();                                                                              \
		float r = red_[0];                                                                      \
		barrier();                                                                              \
		return r;                                                                               \
	}
#else
#define WG_REDUCE(NAME, OP, SUBOP, ID)                                  \
	float NAME(float v) {                                           \
		uint lid = gl_LocalInvocationIndex;                     \
		red_[lid] = v;                                          \
		barrier();                                              \
		for (uint s = WG / 2; s > 0; s >>= 1) {                 \
			if (lid < s) {                                  \
				red_[lid] = OP(red_[lid], red_[lid + s]); \
			}                                               \
			barrier();                                      \
		}                                                       \
		float r = red_[0];                                      \
		barrier();                                              \
		return r;                                               \
	}
#endif

float add_(float a, float b) {
	return a + b;
}

WG_REDUCE(wgSum, add_, subgroupAdd, 0.0)
WG_REDUCE(wgMax, max, subgroupMax, -3.0e38)
