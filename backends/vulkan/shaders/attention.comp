#version 450
// Causal softmax attention of one sequence of T tokens, fused and computed in blocks with an online softmax (as in
// FlashAttention): no T×T matrix is ever stored. Workgroup (qb, h) takes queries qb·B .. qb·B+B−1 of query head h,
// which reads key/value head h / group (GQA). For each block of B keys it stages the keys in shared memory, forms the
// B×B scores
//   s = scale·(q·k);  s = softcap·tanh(s/softcap) when softcap > 0;  visible when k ≤ q and q − window < k (window > 0)
// then stages the values in the same shared memory and folds the block into each query's running maximum m, sum of
// exponentials l and output accumulator:
//   m' = max(m, max_j s_j);  l = l·e^(m − m') + Σ_j e^(s_j − m');  o = o·e^(m − m') + Σ_j e^(s_j − m')·v_j
// and finally writes o/l. Invocation (qi, kj) computes score (qi, kj) and output dims kj, kj + B, … of query qi.
// B and HD (the head dim) are specialization constants, chosen by the host to fit the device's shared memory.
layout(constant_id = 0) const uint B = 16;
layout(constant_id = 1) const uint HD = 64;
layout(constant_id = 2) const uint ND = 4; // ceil(HD / B)
layout(local_size_x_id = 3) in;            // B·B
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform P {
	uint T, qBase, kBase, vBase, oBase, ldq, ldk, ldv, ldo, group, window;
	float scale, softcap;
} p;
#include "math.glsl"

const float MASKED = -3.0e38;

shared float Qs[B * HD];
shared float KVs[B * (HD + 1)];
shared float S[B * B];

void main() {
	uint h = gl_WorkGroupID.y, kvh = h / p.group;
	uint lid = gl_LocalInvocationIndex;
	uint qi = lid / B, kj = lid % B;
	uint q0 = gl_WorkGroupID.x * B;
	uint tq = q0 + qi;
	for (uint e = lid; e < B * HD; e += B * B) {
		uint r = e / HD, c = e % HD;
		uint t = q0 + r;
		Qs[e] = t < p.T ? q[p.qBase + t * p.ldq + h * HD + c] : 0.0;
	}
	float acc[ND];
	for (uint i = 0; i < ND; i++) {
		acc[i] = 0.0;
	}
	float m = MASKED, l = 0.0;
	uint kEnd = min(p.T, q0 + B);
	uint kStart = (p.window > 0 && q0 + 1 > p.window) ? q0 + 1 - p.window : 0;
	for (uint k0 = kStart; k0 < kEnd; k0 += B) {
		barrier(); // the previous block is done with KVs and S; on the first, Qs is complete
		for (uint e = lid; e < B * HD; e += B * B) {
			uint r = e / HD, c = e % HD;
			uint t = k0 + r;
			KVs[r * (HD + 1) + c] = t < kEnd ? k[p.kBase + t * p.ldk + kvh * HD + c] : 0.0;
		}
		barrier();
		uint tk = k0 + kj;
		float s = 0.0;
		for (uint c = 0; c < HD; c++) {
			s += Qs[qi * HD + c] * KVs[kj * (HD + 1) + c];
		}
		s *= p.scale;
		if (p.softcap > 0.0) {
			s = p.softcap * tanh_(s / p.softcap);
		}
		bool visible = tq < p.T && tk <= tq && (p.window == 0 || tq < tk + p.window);
		S[qi * B + kj] = visible ? s : MASKED;
		barrier();
		for (uint e = lid; e < B * HD; e += B * B) {
			uint r = e / HD, c = e % HD;
			uint t = k0 + r;
			KVs[r * (HD + 1) + c] = t < kEnd ? v[p.vBase + t * p.ldv + kvh * HD + c] : 0.0;
		}
		barrier();
		float mb = MASKED;
		for (uint j = 0; j < B; j++) {
			mb = max(mb, S[qi * B + j]);
		}
		float mn = max(m, mb);
		float corr = exp(m - mn);
		l *= corr;
		for (uint i = 0; i < ND; i++) {
			acc[i] *= corr;
		}
		for (uint j = 0; j < B; j++) {
			float sj = S[qi * B + j];
			float pj = sj < -1.0e38 ? 0.0 : exp(sj - mn);
			l += pj;
			for (uint i = 0; i < ND; i++) {
				uint d = kj + i * B;
				if (d < HD) {
					acc[i] += pj * KVs[j * (HD + 1) + d];
				}
			}
		}
		m = mn;
	}
	if (tq < p.T) {
		for (uint i = 0; i < ND; i++) {
			uint d = kj + i * B;
			if (d < HD) {
				o[p.oBase + tq * p.ldo + h * HD + d] = acc[i] / l;
			}
		}
	}
}
