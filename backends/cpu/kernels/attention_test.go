package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttention compares Attention with attention64 (float64 throughout) over sequence lengths that cut the 6-query
// and 16-key panels and the 48-query chunks in every way, head dims below, at and above the 16-wide value panels,
// grouped-query attention, soft-capping, windows shorter and longer than the sequence, several thread counts, and
// inputs scaled up (gain) so that the softmax rows get sharply peaked. The error must stay within 10⁻⁵ of max |out|,
// the reference test's tolerance.
func TestAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	worst := 0.0
	for _, T := range []int{1, 2, 5, 6, 7, 16, 17, 48, 49, 150, 513} {
		for _, hd := range []int{8, 16, 64, 80} {
			for _, tc := range []struct {
				H, KV   int
				softCap float32
				window  int
				gain    float32
				threads int
			}{
				{3, 3, 0, 0, 1, 1},
				{4, 2, 0, 0, 2, 2},
				{4, 1, 0, 7, 1, 3},
				{2, 2, 5, 0, 3, 2},
				{6, 2, 20, 37, 2, 4},
				{2, 1, 0, T + 5, 1, 1},
			} {
				p := &AttnParams{Heads: tc.H, KVHeads: tc.KV, HeadDim: hd, Scale: float32(1 / math.Sqrt(float64(hd))),
					SoftCap: tc.softCap, Window: tc.window}
				name := fmt.Sprintf("T=%d/hd=%d/%+v", T, hd, tc)
				q := randSlice(rng, T*tc.H*hd)
				k := randSlice(rng, T*tc.KV*hd)
				v := randSlice(rng, T*tc.KV*hd)
				for i := range q {
					q[i] *= tc.gain
				}
				got := make([]float32, T*tc.H*hd)
				for i := range got {
					got[i] = float32(math.NaN()) // every output must be written
				}
				Attention(got, q, k, v, T, p, tc.threads, &AttnWorkspace{})
				exact := attention64(q, k, v, T, p)
				scale, errMax := 0.0, 0.0
				for i, w := range exact {
					scale = max(scale, math.Abs(w))
					if math.IsNaN(float64(got[i])) {
						t.Fatalf("%s: out[%d] is NaN", name, i)
					}
					errMax = max(errMax, math.Abs(float64(got[i])-w))
				}
				if errMax > 1e-5*scale {
					t.Errorf("%s: max error %.2g against float64 (max |out| %.3g)", name, errMax, scale)
				}
				worst = max(worst, errMax/scale)
			}
		}
	}
	t.Logf("worst error against float64 relative to max |out|: %.2g", worst)
}

// TestAttentionThreadsAgree checks that the result does not depend on the number of workers, nor on a workspace
// used before for another shape: every output is summed in the same order whoever computes it.
func TestAttentionThreadsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	T, H, KV, hd := 100, 4, 2, 32
	p := &AttnParams{Heads: H, KVHeads: KV, HeadDim: hd, Scale: 0.2, Window: 30}
	q, k, v := randSlice(rng, T*H*hd), randSlice(rng, T*KV*hd), randSlice(rng, T*KV*hd)
	ref := make([]float32, T*H*hd)
	Attention(ref, q, k, v, T, p, 1, &AttnWorkspace{})
	ws := &AttnWorkspace{}
	Attention(make([]float32, 300*8*16), randSlice(rng, 300*8*16), randSlice(rng, 300*8*16), randSlice(rng, 300*8*16), 300,
		&AttnParams{Heads: 8, KVHeads: 8, HeadDim: 16, Scale: 1}, 3, ws)
	for _, threads := range []int{2, 5} {
		got := make([]float32, T*H*hd)
		Attention(got, q, k, v, T, p, threads, ws)
		for i := range ref {
			if got[i] != ref[i] {
				t.Fatalf("threads %d: out[%d] = %g, with 1 thread %g", threads, i, got[i], ref[i])
			}
		}
	}
}

// TestKernel6x16Go checks the pure-Go micro-kernel (the fallback without AVX2) against a float64 sum, including a
// row stride wider than the tile and accumulation into what C already holds (init = c).
func TestKernel6x16Go(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, k := range []int{1, 3, 64} {
		a, b := randSlice(rng, 6*k), randSlice(rng, 16*k)
		const ldc = 20
		c := randSlice(rng, 5*ldc+16)
		c0 := append([]float32(nil), c...)
		kernel6x16Go(k, &a[0], &b[0], &c[0], ldc, &c[0], ldc)
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
