package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttentionMatchesNaive compares the packed, micro-kernel attention with attentionNaive, the row-by-row
// implementation it replaced, over sequence lengths that cut the 6-query and 16-key panels in every way, head dims
// below, at and above the 16-wide value panels, partial, full and no rotary, several thread counts, and inputs
// scaled up (gain) so that the softmax rows get sharply peaked. Both compute in float32 with different summation
// orders and exponentials. Measured against attention64 (float64 throughout), the new error must stay within 10⁻⁵ of
// max |out| (the reference test's tolerance). With gain 1 (scores of standard deviation 1) new and old must also
// agree within 10⁻⁵ of max |out|; at larger gains a score's float32 rounding, amplified by exp, dominates both,
// and the new code's single FMA chain per score (gemmKernel6x16) is up to a few times further from float64 than the
// old four-accumulator dot.
func TestAttentionMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	worstVsOld, worstErr, worstErrOld := 0.0, 0.0, 0.0
	for _, T := range []int{1, 2, 5, 6, 7, 16, 17, 48, 49, 513} {
		for _, hd := range []int{8, 16, 64, 80, 128} {
			for _, tc := range []struct {
				r       int // rotary dims
				gain    float32
				threads int
			}{{hd / 4, 1, 1}, {hd, 2, 2}, {0, 3, 3}} {
				name := fmt.Sprintf("T=%d/hd=%d/r=%d/gain=%g/threads=%d", T, hd, tc.r, tc.gain, tc.threads)
				H := 3
				d := H * hd
				qkv := randSlice(rng, T*3*d)
				for i := range qkv {
					qkv[i] *= tc.gain
				}
				rp := newRope(tc.r, 10000, T)
				old := make([]float32, T*d)
				attentionNaive(old, qkv, T, H, hd, rp)
				got := make([]float32, T*d)
				for i := range got {
					got[i] = float32(math.NaN()) // every output must be written
				}
				attention(got, qkv, T, H, hd, rp, tc.threads, newAttnWorkspace(T+3, H, hd, tc.threads))
				exact := attention64(qkv, T, H, hd, rp)
				scale, errNew, errOld, vsOld := 0.0, 0.0, 0.0, 0.0
				for i, w := range exact {
					scale = max(scale, math.Abs(w))
					if math.IsNaN(float64(got[i])) {
						t.Fatalf("%s: out[%d] is NaN", name, i)
					}
					errNew = max(errNew, math.Abs(float64(got[i])-w))
					errOld = max(errOld, math.Abs(float64(old[i])-w))
					vsOld = max(vsOld, math.Abs(float64(got[i])-float64(old[i])))
				}
				if errNew > 1e-5*scale {
					t.Errorf("%s: max error %.2g against float64, the old code's %.2g (max |out| %.3g)",
						name, errNew, errOld, scale)
				}
				worstErr, worstErrOld = max(worstErr, errNew/scale), max(worstErrOld, errOld/scale)
				if tc.gain == 1 {
					if vsOld > 1e-5*scale {
						t.Errorf("%s: differs from the old code by up to %.2g (max |out| %.3g)", name, vsOld, scale)
					}
					worstVsOld = max(worstVsOld, vsOld/scale)
				}
			}
		}
	}
	t.Logf("gain 1: worst difference from the old code relative to max |out|: %.2g", worstVsOld)
	t.Logf("all gains: worst error against float64 relative to max |out|: %.2g (old code %.2g)", worstErr, worstErrOld)
}

// TestAttentionThreadsAgree checks that the result does not depend on the number of workers: every output is summed
// in the same order whoever computes it.
func TestAttentionThreadsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	T, H, hd := 100, 4, 32
	qkv := randSlice(rng, T*3*H*hd)
	rp := newRope(8, 10000, T)
	ref := make([]float32, T*H*hd)
	attention(ref, qkv, T, H, hd, rp, 1, newAttnWorkspace(T, H, hd, 1))
	for _, threads := range []int{2, 5} {
		got := make([]float32, T*H*hd)
		attention(got, qkv, T, H, hd, rp, threads, newAttnWorkspace(T, H, hd, threads))
		for i := range ref {
			if got[i] != ref[i] {
				t.Fatalf("threads %d: out[%d] = %g, with 1 thread %g", threads, i, got[i], ref[i])
			}
		}
	}
}

// TestKernel6x16Go checks the pure-Go micro-kernel (the fallback without AVX2) against a float64 sum, including a
// row stride wider than the tile and accumulation into what C already holds.
func TestKernel6x16Go(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, k := range []int{1, 3, 64} {
		a, b := randSlice(rng, 6*k), randSlice(rng, 16*k)
		const ldc = 20
		c := randSlice(rng, 5*ldc+16)
		c0 := append([]float32(nil), c...)
		kernel6x16Go(k, &a[0], &b[0], &c[0], ldc)
		for r := range 6 {
			for j := range 16 {
				want := float64(c0[r*ldc+j])
				for p := range k {
					want += float64(a[6*p+r]) * float64(b[16*p+j])
				}
				if got := float64(c[r*ldc+j]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
					t.Errorf("k=%d: C[%d][%d] = %g, want %g", k, r, j, got, want)
				}
			}
		}
		for j := 16; j < ldc; j++ { // the gap between rows is not touched
			if c[j] != c0[j] {
				t.Errorf("k=%d: C[0][%d] changed", k, j)
			}
		}
	}
}
