package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/backends/checkpoint/decode"
)

// microKernels returns the micro-kernels this CPU can run: always the pure-Go one, and AVX2 and AVX-512 where there.
func microKernels() []*microKernel {
	ks := []*microKernel{kernelGo}
	if gemmKernelOK {
		ks = append(ks, kernelAVX2)
	}
	if zmmKernelOK {
		ks = append(ks, kernelAVX512)
	}
	return ks
}

// TestMicroKernels compares every micro-kernel with a float64 sum on its own: every output of its mr × nr block,
// starting from what C holds (init = c), from a repeated bias row (ldi = 0) and from a separate block, reduction
// lengths around the unrolling by four (including none), and a leading dimension wider than the block whose gaps
// must stay untouched.
func TestMicroKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kern := range microKernels() {
		mr, nr := kern.mr, kern.nr
		ldc := nr + 5
		for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 256, 257} {
			for _, start := range []string{"c", "bias", "block"} {
				a := randSlice(rng, mr*k+1) // one spare float so that &a[0] exists for k = 0
				bp := randSlice(rng, nr*k+1)
				c := randSlice(rng, mr*ldc)
				c0 := append([]float32(nil), c...)
				init, ldi := c, ldc
				switch start {
				case "bias":
					init, ldi = randSlice(rng, nr), 0
				case "block":
					init, ldi = randSlice(rng, mr*ldc), ldc
				}
				i0 := append([]float32(nil), init...)
				kern.run(k, &a[0], &bp[0], &c[0], ldc, &init[0], ldi)
				for i := range c {
					r, j := i/ldc, i%ldc
					if j >= nr {
						if c[i] != c0[i] {
							t.Fatalf("%s k=%d: C[%d][%d] outside the block changed from %g to %g", kern.isa, k, r, j, c0[i], c[i])
						}
						continue
					}
					want := float64(i0[r*ldi+j])
					scale := math.Abs(want)
					for p := 0; p < k; p++ {
						v := float64(a[p*mr+r]) * float64(bp[p*nr+j])
						want += v
						scale += math.Abs(v)
					}
					if tol := 1e-6*scale + 1e-30; !(math.Abs(float64(c[i])-want) <= tol) {
						t.Fatalf("%s k=%d from %s: C[%d][%d] = %g, want %g ± %g", kern.isa, k, start, r, j, c[i], want, tol)
					}
				}
			}
		}
	}
}

// stored returns w rounded to dtype and the little-endian bytes of the rounded values, one byte off alignment (a
// safetensors tensor need not be aligned).
func stored(w []float32, dtype string) ([]float32, []byte) {
	size := decode.Size(dtype)
	raw := make([]byte, 1+size*len(w))[1:]
	out := make([]float32, len(w))
	for i, v := range w {
		switch dtype {
		case decode.BF16:
			h := uint16(math.Float32bits(v) >> 16) // truncation: any bfloat16 will do
			binary.LittleEndian.PutUint16(raw[2*i:], h)
			out[i] = decode.BF16ToFloat32(h)
		case decode.F16:
			f := float32(math.Ldexp(math.Round(math.Ldexp(float64(v), 10)), -10)) // within binary16's range and precision
			h := f16Bits(f)
			binary.LittleEndian.PutUint16(raw[2*i:], h)
			out[i] = decode.F16ToFloat32(h)
		default:
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
			out[i] = v
		}
	}
	return out, raw
}

// f16Bits encodes a float32 that binary16 holds exactly (a normal value of at most 11 significant bits, or zero).
func f16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	if b&0x7fffffff == 0 {
		return sign
	}
	exp := int(b>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(b>>13&0x3ff)
}

// TestPackB compares packB with its definition, dst[p·nr + j] = W[j0+j][k0+p] (OutIn) or W[k0+p][j0+j] (InOut),
// zero past dOut, for both panel widths, full and edge panels, reduction lengths around the eight values one register
// transpose moves, and W as float32 and as stored F32, F16 and BF16 bytes.
func TestPackB(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const dIn, dOut = 300, 70
	w0 := randSlice(rng, dOut*dIn)
	for _, dtype := range []string{"", decode.F32, decode.F16, decode.BF16} {
		wv := w0
		m := F32Matrix(w0, dOut, dIn)
		if dtype != "" {
			var raw []byte
			wv, raw = stored(w0, dtype)
			m = &Matrix{Rows: dOut, Cols: dIn, Raw: raw, DType: dtype}
		}
		for _, inOut := range []bool{false, true} {
			mm, din, dout := *m, dIn, dOut
			if inOut { // the same values read as [dIn', dOut'] = [70, 300]
				mm.Rows, mm.Cols, din, dout = dOut, dIn, dOut, dIn
			}
			for _, nr := range []int{16, 32} {
				for _, j0 := range []int{0, 16, 32, 64} {
					for _, k0 := range []int{0, 3, 40} {
						for _, kc := range []int{1, 7, 8, 9, 16, 23} {
							if k0+kc > din || j0 >= dout {
								continue
							}
							dst := randSlice(rng, kc*nr)
							packB(dst, &mm, inOut, din, dout, j0, k0, kc, nr, make([]float32, nr*kc))
							for p := 0; p < kc; p++ {
								for j := 0; j < nr; j++ {
									var want float32
									switch {
									case j0+j >= dout:
									case inOut:
										want = wv[(k0+p)*dout+j0+j]
									default:
										want = wv[(j0+j)*din+k0+p]
									}
									if got := dst[p*nr+j]; math.Float32bits(got) != math.Float32bits(want) {
										t.Fatalf("%q inOut=%v nr=%d j0=%d k0=%d kc=%d: dst[%d·%d+%d] = %g, want %g",
											dtype, inOut, nr, j0, k0, kc, p, nr, j, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestPackB16BitPatterns packs every one of the 65,536 bit patterns of bfloat16 and of binary16 (NaNs with their
// payloads, signalling ones included, infinities, subnormals, both zeros) through gemmPackB16BF16 and
// gemmPackB16F16, and checks each float32 bit for bit against decode.Into, the exact converter checkpoints are read
// with.
func TestPackB16BitPatterns(t *testing.T) {
	const ld, k8 = 4096, 512 // 16 rows of 4096 values: every pattern once
	src := make([]byte, 2*16*ld)
	for i := range 16 * ld {
		src[2*i], src[2*i+1] = byte(i), byte(i>>8)
	}
	for _, c := range []struct {
		dtype string
		pack  func(k8 int, src *byte, ld int, dst *float32, ldd int)
	}{{decode.BF16, gemmPackB16BF16}, {decode.F16, gemmPackB16F16}} {
		want := make([]float32, 16*ld)
		decode.Into(want, src, c.dtype)
		dst := make([]float32, 8*k8*16)
		c.pack(k8, &src[0], ld, &dst[0], 16)
		for p := 0; p < 8*k8; p++ {
			for j := 0; j < 16; j++ {
				w := math.Float32bits(want[j*ld+p])
				if got := math.Float32bits(dst[p*16+j]); got != w {
					t.Fatalf("%s pattern %#04x: got bits %#08x, want %#08x", c.dtype, j*ld+p, got, w)
				}
			}
		}
	}
}

// linearRef returns y = x·Wᵀ + b in float64 and, per output, the scale Σ_k |x[t][k]·W[o][k]| (+ |b[o]|) that bounds
// the float32 rounding error.
func linearRef(x, w, b []float32, T, dIn, dOut int) (y, scale []float64) {
	y, scale = make([]float64, T*dOut), make([]float64, T*dOut)
	for t := 0; t < T; t++ {
		for o := 0; o < dOut; o++ {
			var s, a float64
			if b != nil {
				s, a = float64(b[o]), math.Abs(float64(b[o]))
			}
			xr, wr := x[t*dIn:(t+1)*dIn], w[o*dIn:(o+1)*dIn]
			for k := range xr {
				p := float64(xr[k]) * float64(wr[k])
				s += p
				a += math.Abs(p)
			}
			y[t*dOut+o], scale[t*dOut+o] = s, a
		}
	}
	return y, scale
}

// TestLinearShapes checks the GEMM on every micro-kernel this CPU runs, in both weight layouts, with W as float32
// and as stored BF16 and F16, against a float64 reference on shapes sampled from sizes at and around every tile edge
// (6, 12, 16, 32, the unrolling by 4), plus shapes that cross the cache blocks gemmKC, mc and gemmNC, with and
// without bias and on 1, 2 and 7 threads. Each output must satisfy |y − ref| ≤ 1e-5·Σ_k |x_k·w_k| + 1e-30, and
// every output must be written.
func TestLinearShapes(t *testing.T) {
	type shape struct{ T, dIn, dOut int }
	sizes := []int{1, 2, 3, 5, 7, 8, 12, 15, 16, 17, 31, 33, 64, 100, 257}
	rng := rand.New(rand.NewPCG(7, 8))
	var shapes []shape
	for range 40 {
		shapes = append(shapes, shape{sizes[rng.IntN(len(sizes))], sizes[rng.IntN(len(sizes))], sizes[rng.IntN(len(sizes))]})
	}
	shapes = append(shapes,
		shape{1, 1, 1}, shape{257, 257, 257}, shape{6, 16, 16}, shape{12, 4, 32}, shape{24, 9, 64},
		shape{12*gemmMCPanels + 7, 2*gemmKC + 3, 817}, // several blocks of rows and of k, columns split between tasks
		shape{7, 40, gemmNC + 33},                     // two blocks of packed W
		shape{gemmMA + 13, gemmKC + 5, 40},            // two blocks of packed x
	)
	for i, s := range shapes {
		x, w0 := randSlice(rng, s.T*s.dIn), randSlice(rng, s.dOut*s.dIn)
		var b []float32
		if i%3 != 0 {
			b = randSlice(rng, s.dOut)
		}
		dtypes := []string{""}
		if i%4 == 0 {
			dtypes = append(dtypes, decode.BF16, decode.F16)
		}
		for _, dtype := range dtypes {
			w, m := w0, F32Matrix(w0, s.dOut, s.dIn)
			if dtype != "" {
				var raw []byte
				w, raw = stored(w0, dtype)
				m = &Matrix{Rows: s.dOut, Cols: s.dIn, Raw: raw, DType: dtype}
			}
			want, scale := linearRef(x, w, b, s.T, s.dIn, s.dOut)
			wT := transpose(w, s.dOut, s.dIn) // the same weights stored [dIn, dOut]
			for _, kern := range microKernels() {
				for _, inOut := range []bool{false, true} {
					mat := m
					if inOut {
						mat = F32Matrix(wT, s.dIn, s.dOut)
					}
					for _, threads := range []int{1, 2, 7} {
						got := make([]float32, s.T*s.dOut)
						for j := range got {
							got[j] = float32(math.NaN())
						}
						gemm(got, x, mat, b, s.T, s.dIn, s.dOut, inOut, threads, nil, kern)
						for j, g := range got {
							if tol := 1e-5*scale[j] + 1e-30; !(math.Abs(float64(g)-want[j]) <= tol) {
								t.Fatalf("%s %q inOut=%v T=%d dIn=%d dOut=%d bias=%t threads=%d: y[%d][%d] = %g, want %g ± %g",
									kern.isa, dtype, inOut, s.T, s.dIn, s.dOut, b != nil, threads, j/s.dOut, j%s.dOut, g, want[j], tol)
							}
						}
					}
				}
			}
		}
	}
}

// transpose returns the [cols, rows] transpose of the row-major [rows, cols] matrix m.
func transpose(m []float32, rows, cols int) []float32 {
	out := make([]float32, len(m))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}

// TestGemmBitwise checks that the GEMM gives bit-identical results on any number of threads, and on the AVX2 and
// AVX-512 micro-kernels (same sums in the same order), on shapes with several blocks in every dimension and edges
// in both.
func TestGemmBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ T, dIn, dOut int }{
		{2*12*gemmMCPanels + 5, gemmKC + 100, 808}, {37, 2*gemmKC + 1, 50}, {gemmMA + 7, gemmKC + 3, 33},
	} {
		x, w, b := randSlice(rng, s.T*s.dIn), randSlice(rng, s.dOut*s.dIn), randSlice(rng, s.dOut)
		for _, inOut := range []bool{false, true} {
			for _, bias := range [][]float32{b, nil} {
				var ref []float32
				for _, kern := range microKernels() {
					for _, threads := range []int{1, 2, 3, 7} {
						y := make([]float32, s.T*s.dOut)
						m := F32Matrix(w, s.dOut, s.dIn)
						if inOut {
							m = F32Matrix(w, s.dIn, s.dOut)
						}
						gemm(y, x, m, bias, s.T, s.dIn, s.dOut, inOut, threads, nil, kern)
						if ref == nil {
							ref = y
							continue
						}
						if kern == kernelGo {
							continue // no FMA: its own bits, checked against the thread count only through ref
						}
						for i := range ref {
							if math.Float32bits(ref[i]) != math.Float32bits(y[i]) {
								t.Fatalf("%s T=%d inOut=%v bias=%t: y[%d] = %g on %d threads, %g on the first",
									kern.isa, s.T, inOut, bias != nil, i, y[i], threads, ref[i])
							}
						}
					}
					if kern == kernelGo {
						ref = nil // the FMA kernels are compared among themselves
					}
				}
			}
		}
	}
}

// BenchmarkLinearPaths measures the GEMM on each micro-kernel on the shapes of Pythia-160M, 1.4B and 6.9B layers for
// 2048 tokens (four sequences of 512) and of a single sequence, with float32 and bfloat16 weights, in GFLOP/s.
func BenchmarkLinearPaths(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct {
		T, dIn, dOut, threads int
		dtype                 string
	}{
		{512, 768, 3072, 1, ""}, {2048, 768, 3072, 2, ""}, {2048, 2048, 8192, 2, decode.BF16},
		{2048, 8192, 2048, 2, decode.BF16}, {512, 4096, 16384, 2, decode.BF16}, {64, 768, 50304, 1, ""},
	} {
		x, w, bias := randSlice(rng, s.T*s.dIn), randSlice(rng, s.dOut*s.dIn), randSlice(rng, s.dOut)
		m := F32Matrix(w, s.dOut, s.dIn)
		if s.dtype != "" {
			_, raw := stored(w, s.dtype)
			m = &Matrix{Rows: s.dOut, Cols: s.dIn, Raw: raw, DType: s.dtype}
		}
		y := make([]float32, s.T*s.dOut)
		var ws GemmWorkspace
		for _, kern := range microKernels() {
			b.Run(fmt.Sprintf("%s/T%d_%dx%d%s_threads%d", kern.isa, s.T, s.dIn, s.dOut, s.dtype, s.threads), func(b *testing.B) {
				for b.Loop() {
					gemm(y, x, m, bias, s.T, s.dIn, s.dOut, false, s.threads, &ws, kern)
				}
				b.ReportMetric(2*float64(s.T*s.dIn*s.dOut)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
