#version 450
// y[M, N] = x[M, K]·op(W) + bias (+ y when accumulating), float32 with float32 accumulation.
//   TRANS_B = 1 (OutIn, torch's nn.Linear): W is [N, K] and op(W) = Wᵀ.
//   TRANS_B = 0 (InOut, GPT-2's Conv1D):    W is [K, N] and op(W) = W.
// Each workgroup of 16×16 invocations computes a BM×BN tile of y, BM = BN = 64·R. It walks K in steps of
// BK = 16/R, staging the BM×BK slice of x and the BK×BN slice of op(W) in shared memory, k-major, as vec4s of four
// rows (x) or four columns (W). Invocation (tx, ty) accumulates an (4R)×(4R) block in registers: rows
// 64·ri + 4ty + (0..3) and columns 64·rj + 4tx + (0..3) for ri, rj < R, reading 2R vec4s from shared memory per step
// of k for 16R² FMAs. R = 2 (128×128 tiles, 8×8 per invocation) suits large products; R = 1 (64×64) gives more
// workgroups to small ones. With VEC4 = 1 the global loads are vec4s along each matrix's contiguous dimension, which
// the host selects when K (OutIn) or N (InOut), the row strides and the base offsets are multiples of 4; with
// VEC4 = 0 they are scalars and any shape works.
// ldx, ldw and ldy are row strides; bases are element offsets into the bindings. flags: 1 adds bias[bBase + n],
// 2 adds the y already there.
layout(constant_id = 0) const uint TRANS_B = 1;
layout(constant_id = 1) const uint VEC4 = 0;
layout(constant_id = 2) const uint R = 1;
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 1) readonly buffer W4 { vec4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer Y { float y[]; };
layout(push_constant) uniform P {
	uint M, N, K, xBase, wBase, bBase, yBase, ldx, ldw, ldy, flags;
} p;

const uint BM = 64 * R, BN = 64 * R, BK = 16 / R;
shared vec4 As[BK * BM / 4]; // As[k·BM/4 + i] holds x[m0 + 4i .. 4i+3][k0 + k]
shared vec4 Bs[BK * BN / 4]; // Bs[k·BN/4 + j] holds op(W)[k0 + k][n0 + 4j .. 4j+3]

// loadX returns x[m][k..k+3] (zero outside the matrix).
vec4 loadX(uint m, uint k) {
	if (m >= p.M) {
		return vec4(0.0);
	}
	uint o = p.xBase + m * p.ldx + k;
	if (VEC4 == 1) {
		return k < p.K ? x4[o / 4] : vec4(0.0);
	}
	return vec4(k < p.K ? x[o] : 0.0, k + 1 < p.K ? x[o + 1] : 0.0, k + 2 < p.K ? x[o + 2] : 0.0, k + 3 < p.K ? x[o + 3] : 0.0);
}

// loadW returns four consecutive stored values of W from row r, column c, with `limit` columns in a row.
vec4 loadW(uint r, uint c, uint rows, uint limit) {
	if (r >= rows) {
		return vec4(0.0);
	}
	uint o = p.wBase + r * p.ldw + c;
	if (VEC4 == 1) {
		return c < limit ? w4[o / 4] : vec4(0.0);
	}
	return vec4(c < limit ? w[o] : 0.0, c + 1 < limit ? w[o + 1] : 0.0, c + 2 < limit ? w[o + 2] : 0.0, c + 3 < limit ? w[o + 3] : 0.0);
}

// storeT stores four k-consecutive values of row r into a k-major tile of `width` rows.
void storeA(uint k, uint r, vec4 v) {
	for (uint q = 0; q < 4; q++) {
		As[(k + q) * (BM / 4) + r / 4][r % 4] = v[q];
	}
}

void storeB(uint k, uint r, vec4 v) {
	for (uint q = 0; q < 4; q++) {
		Bs[(k + q) * (BN / 4) + r / 4][r % 4] = v[q];
	}
}

void main() {
	uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
	uint tid = ty * 16 + tx;
	uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
	vec4 acc[R * R * 4]; // acc[(ri·R + rj)·4 + i][j]: row 64ri + 4ty + i, column 64rj + 4tx + j
	for (uint i = 0; i < R * R * 4; i++) {
		acc[i] = vec4(0.0);
	}
	// This invocation's share of each tile (BM·BK = 1024 values = 256 vec4s): row lr, k quad lq.
	uint lr = tid / (BK / 4), lq = (tid % (BK / 4)) * 4;
	for (uint k0 = 0; k0 < p.K; k0 += BK) {
		storeA(lq, lr, loadX(m0 + lr, k0 + lq));
		if (TRANS_B == 1) { // W row n0+lr is output column n0+lr: four k values
			storeB(lq, lr, loadW(n0 + lr, k0 + lq, p.N, p.K));
		} else { // W row k0+kr holds four output columns
			uint kr = tid / (BN / 4), cq = tid % (BN / 4);
			Bs[kr * (BN / 4) + cq] = loadW(k0 + kr, n0 + 4 * cq, p.K, p.N);
		}
		barrier();
		for (uint k = 0; k < BK; k++) {
			vec4 av[R], bv[R];
			for (uint r = 0; r < R; r++) {
				av[r] = As[k * (BM / 4) + 16 * r + ty];
				bv[r] = Bs[k * (BN / 4) + 16 * r + tx];
			}
			for (uint ri = 0; ri < R; ri++) {
				for (uint rj = 0; rj < R; rj++) {
					uint a = (ri * R + rj) * 4;
					acc[a] += av[ri].x * bv[rj];
					acc[a + 1] += av[ri].y * bv[rj];
					acc[a + 2] += av[ri].z * bv[rj];
					acc[a + 3] += av[ri].w * bv[rj];
				}
			}
		}
		barrier();
	}
	for (uint ri = 0; ri < R; ri++) {
		for (uint i = 0; i < 4; i++) {
			uint gm = m0 + 64 * ri + 4 * ty + i;
			if (gm >= p.M) {
				continue;
			}
			for (uint rj = 0; rj < R; rj++) {
				for (uint j = 0; j < 4; j++) {
					uint gn = n0 + 64 * rj + 4 * tx + j;
					if (gn >= p.N) {
						continue;
					}
					float v = acc[(ri * R + rj) * 4 + i][j];
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
	}
}
