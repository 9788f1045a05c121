#version 450
// y[M, N] = x[M, K]·op(W) + bias (+ y when accumulating), float32 with float32 accumulation.
//   TRANS_B = 1 (OutIn, torch's nn.Linear): W is [N, K] and op(W) = Wᵀ.
//   TRANS_B = 0 (InOut, GPT-2's Conv1D):    W is [K, N] and op(W) = W.
// Each workgroup of 16×16 invocations computes a BM×BN = 64×64 tile of y. It walks K in steps of BK = 16, staging
// the 64×16 slices of x and W in shared memory (stored k-major, padded against bank conflicts); each invocation
// then accumulates a 4×4 block of the tile in registers, on rows ty + 16i and columns tx + 16j so that neighbouring
// invocations read neighbouring shared words. Loads are coalesced along each matrix's contiguous dimension.
// ldx, ldw and ldy are row strides; bases are element offsets into the bindings. flags: 1 adds bias[bBase + n],
// 2 adds the y already there.
layout(constant_id = 0) const uint TRANS_B = 1;
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer Y { float y[]; };
layout(push_constant) uniform P {
	uint M, N, K, xBase, wBase, bBase, yBase, ldx, ldw, ldy, flags;
} p;

const uint BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;
shared float As[BK][BM + 4];
shared float Bs[BK][BN + 4];

void main() {
	uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
	uint tid = ty * 16 + tx;
	uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
	float acc[TM][TN];
	for (uint i = 0; i < TM; i++) {
		for (uint j = 0; j < TN; j++) {
			acc[i][j] = 0.0;
		}
	}
	for (uint k0 = 0; k0 < p.K; k0 += BK) {
		for (uint l = 0; l < (BM * BK) / 256; l++) {
			uint e = tid + l * 256;
			uint r = e / BK, c = e % BK;
			uint gm = m0 + r, gk = k0 + c;
			As[c][r] = (gm < p.M && gk < p.K) ? x[p.xBase + gm * p.ldx + gk] : 0.0;
		}
		for (uint l = 0; l < (BN * BK) / 256; l++) {
			uint e = tid + l * 256;
			if (TRANS_B == 1) {
				uint r = e / BK, c = e % BK;
				uint gn = n0 + r, gk = k0 + c;
				Bs[c][r] = (gn < p.N && gk < p.K) ? w[p.wBase + gn * p.ldw + gk] : 0.0;
			} else {
				uint r = e / BN, c = e % BN;
				uint gk = k0 + r, gn = n0 + c;
				Bs[r][c] = (gk < p.K && gn < p.N) ? w[p.wBase + gk * p.ldw + gn] : 0.0;
			}
		}
		barrier();
		for (uint k = 0; k < BK; k++) {
			float a[TM], b[TN];
			for (uint i = 0; i < TM; i++) {
				a[i] = As[k][ty + 16 * i];
			}
			for (uint j = 0; j < TN; j++) {
				b[j] = Bs[k][tx + 16 * j];
			}
			for (uint i = 0; i < TM; i++) {
				for (uint j = 0; j < TN; j++) {
					acc[i][j] += a[i] * b[j];
				}
			}
		}
		barrier();
	}
	for (uint i = 0; i < TM; i++) {
		uint gm = m0 + ty + 16 * i;
		if (gm >= p.M) {
			continue;
		}
		for (uint j = 0; j < TN; j++) {
			uint gn = n0 + tx + 16 * j;
			if (gn >= p.N) {
				continue;
			}
			float v = acc[i][j];
			if ((p.flags & 1u) != 0u) {
				v += bias[p.bBase + gn];
			}
			uint yi = p.yBase + gm * p.ldy + gn;
			if ((p.flags & 2u) != 0u) {
				v += y[yi];
			}
			y[yi] = v;
		}
	}
}
