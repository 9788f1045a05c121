// Workgroup reductions over WG invocations (a power of two, at most 256), shared by the row kernels. Built with
// -DSUBGROUP, they reduce within each subgroup with subgroupAdd/subgroupMax first and then across subgroups; without
// it, a tree in shared memory. Every invocation of the workgroup must call them, in uniform control flow, and every
// one receives the result.
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float red_[256];

float wgSum(float v) {
#ifdef SUBGROUP
	v = subgroupAdd(v);
	if (subgroupElect()) {
		red_[gl_SubgroupID] = v;
	}
	barrier();
	if (gl_SubgroupID == 0) {
		float t = 0.0;
		for (uint i = gl_SubgroupInvocationID; i < gl_NumSubgroups; i += gl_SubgroupSize) {
			t += red_[i];
		}
		t = subgroupAdd(t);
		if (subgroupElect()) {
			red_[0] = t;
		}
	}
	barrier();
#else
	uint lid = gl_LocalInvocationIndex;
	red_[lid] = v;
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (lid < s) {
			red_[lid] += red_[lid + s];
		}
		barrier();
	}
#endif
	float r = red_[0];
	barrier();
	return r;
}

float wgMax(float v) {
#ifdef SUBGROUP
	v = subgroupMax(v);
	if (subgroupElect()) {
		red_[gl_SubgroupID] = v;
	}
	barrier();
	if (gl_SubgroupID == 0) {
		float t = -3.0e38;
		for (uint i = gl_SubgroupInvocationID; i < gl_NumSubgroups; i += gl_SubgroupSize) {
			t = max(t, red_[i]);
		}
		t = subgroupMax(t);
		if (subgroupElect()) {
			red_[0] = t;
		}
	}
	barrier();
#else
	uint lid = gl_LocalInvocationIndex;
	red_[lid] = v;
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (lid < s) {
			red_[lid] = max(red_[lid], red_[lid + s]);
		}
		barrier();
	}
#endif
	float r = red_[0];
	barrier();
	return r;
}
