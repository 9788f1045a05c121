package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttention compares Attention (on the micro-kernel Linear runs) with attention64 (float64 throughout) over
// sequence lengths that cut the 6-query and 16-key panels and the 48-query chunks in every way, head dims below, at
// and above the 16-wide value panels, grouped-query attention, soft-capping, windows shorter and longer than the sequence, several thread counts, and
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
				worst = max(worst, checkAttention(t, name, got, attention64(q, k, v, T, p), 1e-5))
			}
		}
	}
	t.Logf("worst error against float64 relative to max |out|: %.2g", worst)
}

// attnCase returns the parameters of a case with the usual 1/√hd scale, and random q, k and v for it.
func attnCase(rng *rand.Rand, T, H, KV, hd int, softCap float32, window int) (p *AttnParams, q, k, v []float32) {
	p = &AttnParams{Heads: H, KVHeads: KV, HeadDim: hd, Scale: float32(1 / math.Sqrt(float64(hd))), SoftCap: softCap,
		Window: window}
	return p, randSlice(rng, T*H*hd), randSlice(rng, T*KV*hd), randSlice(rng, T*KV*hd)
}

// checkAttention fails t unless got is within tol·max |exact| of exact everywhere (and holds no NaN), and returns
// the largest error relative to max |exact|.
func checkAttention(t *testing.T, name string, got []float32, exact []float64, tol float64) float64 {
	t.Helper()
	scale, errMax := 0.0, 0.0
	for i, w := range exact {
		scale = max(scale, math.Abs(w))
		if math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: out[%d] is NaN", name, i)
		}
		errMax = max(errMax, math.Abs(float64(got[i])-w))
	}
	if errMax > tol*scale {
		t.Errorf("%s: max error %.2g against float64 (max |out| %.3g), tolerance %.0g of it", name, errMax, scale, tol)
	}
	return errMax / scale
}

// TestAttentionKernels runs attention on every micro-kernel this CPU has (the 12×32 AVX-512 one, the 6×16 AVX2 one,
// the pure-Go 6×16) against attention64, on the edges of the 12-query and 32-key panels: sequence lengths around
// multiples of 12, 32 and the 48-query chunk, head dims that 32 does not divide (8, 48, 80, 96) beside 128 and 256,
// windows that start inside a key panel, GQA and soft-capping. The tolerance is the reference test's, 10⁻⁵ of
// max |out|.
func TestAttentionKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, tc := range []struct {
		T, H, KV, hd int
		softCap      float32
		window       int
		threads      int
	}{
		{1, 2, 1, 8, 0, 0, 1},
		{11, 2, 2, 48, 0, 0, 2},
		{12, 2, 1, 80, 0, 5, 1},
		{13, 4, 2, 96, 30, 0, 3},
		{31, 2, 2, 32, 0, 13, 2},
		{33, 3, 1, 80, 0, 0, 2},
		{47, 2, 2, 128, 0, 20, 2},
		{49, 4, 4, 8, 10, 7, 3},
		{97, 2, 1, 256, 0, 0, 2},
		{130, 2, 2, 96, 0, 45, 3},
		{200, 4, 2, 80, 0, 0, 4},
		{200, 2, 2, 48, 50, 64, 2},
	} {
		p, q, k, v := attnCase(rng, tc.T, tc.H, tc.KV, tc.hd, tc.softCap, tc.window)
		for i := range q {
			q[i] *= 2 // sharper rows
		}
		exact := attention64(q, k, v, tc.T, p)
		for _, kern := range microKernels() {
			got := make([]float32, tc.T*tc.H*tc.hd)
			for i := range got {
				got[i] = float32(math.NaN()) // every output must be written
			}
			attention(got, q, k, v, tc.T, p, tc.threads, &AttnWorkspace{}, kern)
			checkAttention(t, fmt.Sprintf("%s/%+v", kern.isa, tc), got, exact, 1e-5)
		}
	}
}

// TestAttentionAVX512MatchesAVX2 checks that attention gives the same bits on the 12×32 AVX-512 micro-kernel as on
// the 6×16 AVX2 one, and on any number of threads: the scores are the same FMA chains over the dims, the softmax
// the same per row, and each output the same chain over the keys, where the 12×32 path only adds exact zeros (the
// probabilities of keys past the ones a row sees, or before its window).
func TestAttentionAVX512MatchesAVX2(t *testing.T) {
	if !zmmKernelOK {
		t.Skip("this CPU (or a noasm build) has no AVX-512 micro-kernel to compare with the AVX2 one")
	}
	rng := rand.New(rand.NewPCG(19, 20))
	ws := &AttnWorkspace{}
	for _, tc := range []struct {
		T, H, KV, hd int
		softCap      float32
		window       int
	}{
		{5, 2, 1, 80, 0, 0}, {37, 4, 2, 96, 0, 0}, {100, 2, 2, 128, 0, 30}, {150, 4, 1, 48, 20, 0},
		{513, 2, 2, 64, 0, 100},
	} {
		p, q, k, v := attnCase(rng, tc.T, tc.H, tc.KV, tc.hd, tc.softCap, tc.window)
		ref := make([]float32, tc.T*tc.H*tc.hd)
		attention(ref, q, k, v, tc.T, p, 1, ws, kernelAVX2)
		for _, threads := range []int{1, 3} {
			got := make([]float32, len(ref))
			attention(got, q, k, v, tc.T, p, threads, ws, kernelAVX512) // the workspace switches layouts too
			for i := range ref {
				if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%+v, %d threads: out[%d] = %g on AVX-512, %g on AVX2", tc, threads, i, got[i], ref[i])
				}
			}
		}
	}
}

// TestSoftmaxVector checks that softmaxRow's eight-wide maximum and products give what the scalar loops give, bit
// for bit: maxScaledAVX2 against max over scale·s[j] (with infinities, and a NaN, which must come out as a NaN), and
// scaleAVX2 against s[j]·c.
func TestSoftmaxVector(t *testing.T) {
	if !vecMathOK {
		t.Skip("no AVX2 and FMA (or a noasm build): softmaxRow runs its scalar loops only")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	inf := float32(math.Inf(1))
	for _, n := range []int{8, 16, 24, 64, 520} {
		for _, scale := range []float32{1, 0.0883883, -3} {
			s := randSlice(rng, n)
			for trial := range 4 {
				switch trial {
				case 1:
					s[rng.IntN(n)] = inf
				case 2:
					s[rng.IntN(n)] = -inf
				case 3:
					s[rng.IntN(n)] = float32(math.NaN())
				}
				want := float32(math.Inf(-1))
				for _, v := range s {
					want = max(want, v*scale)
				}
				got := maxScaledAVX2(&s[0], n, scale)
				if math.IsNaN(float64(want)) != math.IsNaN(float64(got)) || (!math.IsNaN(float64(want)) && got != want) {
					t.Errorf("n=%d scale=%g trial %d: maxScaledAVX2 = %g, scalar max %g", n, scale, trial, got, want)
				}
			}
			c := scale * 0.37
			s = randSlice(rng, n)
			ref := append([]float32(nil), s...)
			scaleAVX2(&s[0], n, c)
			for j := range s {
				if math.Float32bits(s[j]) != math.Float32bits(ref[j]*c) {
					t.Fatalf("n=%d: scaleAVX2 gives s[%d] = %g, scalar %g", n, j, s[j], ref[j]*c)
				}
			}
		}
	}
}

// TestExpShiftAVX512 checks that expShiftAVX512 gives expShiftAVX2's values and sum bit for bit, on lengths with and
// without a last (masked) block of 8, which must not write past n, and on arguments past both ends of the
// exponential's range, infinities and a NaN.
func TestExpShiftAVX512(t *testing.T) {
	if !zmmKernelOK || !vecMathOK {
		t.Skip("this CPU (or a noasm build) has no AVX-512 F: softmaxRow runs expShiftAVX2 only")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{8, 16, 24, 40, 64, 520, 1000} {
		for trial := range 3 {
			s := randSlice(rng, n+8) // the last 8 must stay as they are
			for j := range s {
				s[j] *= 10
			}
			if trial == 1 {
				s[0], s[n-1] = float32(math.Inf(1)), -200
			}
			if trial == 2 {
				s[n/2], s[n-1] = float32(math.NaN()), float32(math.Inf(-1))
			}
			a, b := append([]float32(nil), s...), append([]float32(nil), s...)
			sumA := expShiftAVX2(&a[0], n, 1.5, 7)
			sumB := expShiftAVX512(&b[0], n, 1.5, 7)
			if math.Float64bits(sumA) != math.Float64bits(sumB) && !(math.IsNaN(sumA) && math.IsNaN(sumB)) {
				t.Errorf("n=%d trial %d: sum %v on AVX-512, %v on AVX2", n, trial, sumB, sumA)
			}
			for j := range a {
				if j >= n && math.Float32bits(b[j]) != math.Float32bits(s[j]) {
					t.Fatalf("n=%d: s[%d] past n written", n, j)
				}
				if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
					t.Fatalf("n=%d trial %d: s[%d] = %g on AVX-512, %g on AVX2 (input %g)", n, trial, j, b[j], a[j], s[j])
				}
			}
		}
	}
}

// TestAttnChunkPanels checks that AttnChunk is whole panels of queries on every micro-kernel.
func TestAttnChunkPanels(t *testing.T) {
	for _, kern := range []*microKernel{kernelGo, kernelAVX2, kernelAVX512} {
		if AttnChunk%kern.mr != 0 {
			t.Errorf("AttnChunk = %d is not a multiple of the %s kernel's mr = %d", AttnChunk, kern.isa, kern.mr)
		}
	}
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
