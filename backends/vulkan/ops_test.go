package vulkan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// opsTol is the relative tolerance of an op against its float64 reference: float32 compute with float32 accumulation
// over at most a few hundred terms.
const opsTol = 2e-5

// variants runs f on o four ways: as the device comes, with every tensor split into segments of 4 KiB (so that the
// ops' walks over segments and binding offsets are exercised as a large model exercises them on a device whose
// bindings see 128 MiB), with the shared-memory reductions instead of subgroup ones, and without float64 in shaders.
func variants(t *testing.T, o *Ops, f func(t *testing.T)) {
	seg, sg, f64 := o.maxSeg, o.sg, o.f64
	t.Cleanup(func() { o.maxSeg, o.sg, o.f64 = seg, sg, f64 })
	t.Run("device", func(t *testing.T) { o.maxSeg, o.sg, o.f64 = seg, sg, f64; f(t) })
	t.Run("segments", func(t *testing.T) { o.maxSeg, o.sg, o.f64 = 4096, sg, f64; f(t) })
	if sg {
		t.Run("nosubgroups", func(t *testing.T) { o.maxSeg, o.sg, o.f64 = seg, false, f64; f(t) })
	}
	if f64 {
		t.Run("nofloat64", func(t *testing.T) { o.maxSeg, o.sg, o.f64 = seg, sg, false; f(t) })
	}
}

func TestLoadConverts(t *testing.T) {
	src := memSource{}
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -2.5, 65504, 6.1e-5, 5.96e-8, 3e-6, float32(math.Inf(1)),
		float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3.4e38, 0.1}
	src.add("f32", checkpoint.F32, []int{2, 7}, specials)
	src.add("f16", checkpoint.F16, []int{14}, specials)
	src.add("bf16", checkpoint.BF16, []int{7, 2}, specials)
	o := openTestOps(t, src)
	variants(t, o, func(t *testing.T) {
		w, err := o.Load([]arch.WeightSpec{
			{Name: "f32", Key: "a", Shape: []int{2, 7}}, {Name: "f16", Key: "b", Shape: []int{14}},
			{Name: "bf16", Key: "c", Shape: []int{7, 2}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Unload(w)
		for key, name := range map[string]string{"a": "f32", "b": "f16", "c": "bf16"} {
			got := download(t, o, dev(w[key]))
			raw := src[name]
			for i, g := range got {
				var want float32
				switch raw.DType {
				case checkpoint.F32:
					want = math.Float32frombits(binary.LittleEndian.Uint32(raw.Data[4*i:]))
				case checkpoint.F16:
					want = checkpoint.F16ToFloat32(binary.LittleEndian.Uint16(raw.Data[2*i:]))
				case checkpoint.BF16:
					want = checkpoint.BF16ToFloat32(binary.LittleEndian.Uint16(raw.Data[2*i:]))
				}
				if math.Float32bits(g) != math.Float32bits(want) && !(g != g && want != want) {
					t.Errorf("%s[%d] = %g (%#x), want %g (%#x)", name, i, g, math.Float32bits(g), want, math.Float32bits(want))
				}
			}
		}
	})
}

func TestLoadErrors(t *testing.T) {
	src := memSource{}
	src.add("w", checkpoint.F32, []int{3, 4}, make([]float32, 12))
	src["i8"] = checkpoint.RawTensor{DType: "I8", Shape: []int{4}, Data: make([]byte, 4)}
	o := openTestOps(t, src)
	for _, c := range []struct {
		name  string
		specs []arch.WeightSpec
	}{
		{"missing", []arch.WeightSpec{{Name: "nope", Key: "a", Shape: []int{3, 4}}}},
		{"shape", []arch.WeightSpec{{Name: "w", Key: "a", Shape: []int{4, 3}}}},
		{"dtype", []arch.WeightSpec{{Name: "i8", Key: "a", Shape: []int{4}}}},
		{"duplicate key", []arch.WeightSpec{{Name: "w", Key: "a", Shape: []int{3, 4}}, {Name: "w", Key: "a", Shape: []int{3, 4}}}},
	} {
		if _, err := o.Load(c.specs); err == nil {
			t.Errorf("%s: Load succeeded", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	// The op set still works after refused loads.
	if _, err := o.Load([]arch.WeightSpec{{Name: "w", Key: "a", Shape: []int{3, 4}}}); err != nil {
		t.Fatal(err)
	}
}

func TestLinear(t *testing.T) {
	// Shapes: scalar loads (K and N odd), vec4 loads (multiples of 4) with partial tiles, and a product over 128.
	for _, shape := range [][3]int{{37, 70, 45}, {33, 64, 72}, {130, 36, 132}} {
		for _, tile := range []int{64, 128} {
			t.Run(fmt.Sprintf("%dx%dx%d/tile%d", shape[0], shape[1], shape[2], tile), func(t *testing.T) {
				gemmTile = tile
				defer func() { gemmTile = 0 }()
				testLinear(t, shape[0], shape[1], shape[2])
			})
		}
	}
}

func testLinear(t *testing.T, M, K, N int) {
	rng := rand.New(rand.NewPCG(3, uint64(M*K*N)))
	src := memSource{}
	x := randn(rng, M*K, 1)
	wOI, wIO, b := randn(rng, N*K, 0.2), randn(rng, K*N, 0.2), randn(rng, N, 1)
	src.add("oi", checkpoint.F16, []int{N, K}, wOI)
	src.add("io", checkpoint.BF16, []int{K, N}, wIO)
	src.add("b", checkpoint.F32, []int{N}, b)
	// The reference multiplies the weights as the device sees them, after rounding to f16 and bf16.
	for i, v := range wOI {
		wOI[i] = checkpoint.F16ToFloat32(checkpoint.Float32ToF16(v))
	}
	for i, v := range wIO {
		wIO[i] = checkpoint.BF16ToFloat32(checkpoint.Float32ToBF16(v))
	}
	o := openTestOps(t, src)
	variants(t, o, func(t *testing.T) {
		w, err := o.Load([]arch.WeightSpec{
			{Name: "oi", Key: "oi", Shape: []int{N, K}, Layout: arch.OutIn},
			{Name: "io", Key: "io", Shape: []int{K, N}, Layout: arch.InOut},
			{Name: "b", Key: "b", Shape: []int{N}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Unload(w)
		xt := upload(t, o, x, M, K)
		defer o.freeOwned(xt)
		for _, c := range []struct {
			name  string
			w     string
			wv    []float32
			bias  bool
			outIn bool
		}{
			{"OutIn", "oi", wOI, false, true}, {"OutIn+bias", "oi", wOI, true, true},
			{"InOut", "io", wIO, false, false}, {"InOut+bias", "io", wIO, true, false},
		} {
			var bt arch.Tensor
			var bv []float32
			if c.bias {
				bt, bv = w["b"], b
			}
			y := o.Linear(xt, w[c.w], bt)
			if y.Rows() != M || y.Cols() != N {
				t.Fatalf("%s: %d×%d", c.name, y.Rows(), y.Cols())
			}
			closeTo(t, c.name, download(t, o, dev(y)), refLinear(x, c.wv, bv, M, K, N, c.outIn), opsTol, 1)
		}
	})
}

func TestNorms(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rows, d = 9, 300
	x := randn(rng, rows*d, 2)
	for i := range x {
		x[i] += 3 // a mean far from zero, as residual streams have
	}
	w, b := randn(rng, d, 1), randn(rng, d, 1)
	o := openTestOps(t, memSource{})
	variants(t, o, func(t *testing.T) {
		xt, wt, bt := upload(t, o, x, rows, d), upload(t, o, w, 1, d), upload(t, o, b, 1, d)
		m := o.Mark()
		defer o.Reset(m)
		closeTo(t, "LayerNorm", download(t, o, dev(o.LayerNorm(xt, wt, bt, 1e-5))), refNorm(x, w, b, rows, d, 1e-5, 0), opsTol, 1)
		closeTo(t, "LayerNorm without bias", download(t, o, dev(o.LayerNorm(xt, wt, nil, 1e-5))), refNorm(x, w, nil, rows, d, 1e-5, 0), opsTol, 1)
		closeTo(t, "RMSNorm", download(t, o, dev(o.RMSNorm(xt, wt, 1e-6, false))), refNorm(x, w, nil, rows, d, 1e-6, 1), opsTol, 1)
		closeTo(t, "RMSNorm(1+w)", download(t, o, dev(o.RMSNorm(xt, wt, 1e-6, true))), refNorm(x, w, nil, rows, d, 1e-6, 2), opsTol, 1)
	})
}

func TestElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const rows, d = 11, 97
	a, b := randn(rng, rows*d, 3), randn(rng, rows*d, 1)
	a[0], a[1], a[2], a[3] = -12, 12, -40, 1e-4 // GELU's and SiLU's tails; tanh near zero
	o := openTestOps(t, memSource{})
	apply := func(f func(float64) float64, v []float32) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = f(float64(x))
		}
		return out
	}
	variants(t, o, func(t *testing.T) {
		m := o.Mark()
		defer o.Reset(m)
		for _, c := range []struct {
			name string
			op   func(x, y *tensor)
			want []float64
		}{
			{"GELU", func(x, _ *tensor) { o.Act(x, arch.GELU) }, apply(refGELU, a)},
			{"GELUTanh", func(x, _ *tensor) { o.Act(x, arch.GELUTanh) }, apply(refGELUTanh, a)},
			{"SiLU", func(x, _ *tensor) { o.Act(x, arch.SiLU) }, apply(refSiLU, a)},
			{"Scale", func(x, _ *tensor) { o.Scale(x, 0.125) }, apply(func(v float64) float64 { return v / 8 }, a)},
			{"SoftCap", func(x, _ *tensor) { o.SoftCap(x, 5) }, apply(func(v float64) float64 { return 5 * math.Tanh(v/5) }, a)},
			{"GatedGELU", func(x, y *tensor) { o.GatedAct(x, y, arch.GELU) }, gated(refGELU, a, b)},
			{"GatedGELUTanh", func(x, y *tensor) { o.GatedAct(x, y, arch.GELUTanh) }, gated(refGELUTanh, a, b)},
			{"SwiGLU", func(x, y *tensor) { o.GatedAct(x, y, arch.SiLU) }, gated(refSiLU, a, b)},
			{"Add into a", func(x, y *tensor) { o.Add(x, x, y) }, sum(a, b)},
			{"Add into b", func(x, y *tensor) { o.Add(x, y, x) }, sum(a, b)},
		} {
			x, y := upload(t, o, a, rows, d), upload(t, o, b, rows, d)
			c.op(x, y)
			// Tails where the value is tiny are compared absolutely, at 1e-6 of the data's scale.
			closeTo(t, c.name, download(t, o, x), c.want, opsTol, 0.05)
			o.freeOwned(x)
			o.freeOwned(y)
		}
		x, y := upload(t, o, a, rows, d), upload(t, o, b, rows, d)
		closeTo(t, "Add new", download(t, o, dev(o.Add(nil, x, y))), sum(a, b), 0, 1e-30)
		dst := o.newTensor(rows, d)
		closeTo(t, "Add into dst", download(t, o, dev(o.Add(dst, x, y))), sum(a, b), 0, 1e-30)
		closeTo(t, "Add leaves a", download(t, o, x), f64(a), 0, 1e-30)
	})
}

func gated(f func(float64) float64, g, u []float32) []float64 {
	out := make([]float64, len(g))
	for i := range g {
		out[i] = float64(float32(f(float64(g[i])))) * float64(u[i])
	}
	return out
}

func sum(a, b []float32) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = float64(a[i] + b[i])
	}
	return out
}

func TestSplitSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const rows, H, hd = 13, 3, 8
	x := randn(rng, rows*H*3*hd, 1)
	o := openTestOps(t, memSource{})
	variants(t, o, func(t *testing.T) {
		m := o.Mark()
		defer o.Reset(m)
		xt := upload(t, o, x, rows, H*3*hd)
		parts := o.Split(xt, H, hd, hd, hd) // GPT-NeoX's per-head interleaving
		for p, part := range parts {
			want := make([]float64, 0, rows*H*hd)
			for r := 0; r < rows; r++ {
				for h := 0; h < H; h++ {
					for c := 0; c < hd; c++ {
						want = append(want, float64(x[r*H*3*hd+h*3*hd+p*hd+c]))
					}
				}
			}
			closeTo(t, "Split part", download(t, o, dev(part)), want, 0, 1e-30)
		}
		blocks := o.Split(xt, 1, 2*hd, H*3*hd-2*hd) // GPT-2's blocks, unequal
		closeTo(t, "Split block", download(t, o, dev(blocks[1])), f64(func() []float32 {
			var v []float32
			for r := 0; r < rows; r++ {
				v = append(v, x[r*H*3*hd+2*hd:(r+1)*H*3*hd]...)
			}
			return v
		}()), 0, 1e-30)
		s := o.Slice(xt, 4, 11)
		closeTo(t, "Slice", download(t, o, dev(s)), f64(x[4*H*3*hd:11*H*3*hd]), 0, 1e-30)
		// A slice is a view: an op on it changes the rows of x.
		o.Scale(s, 2)
		got := download(t, o, xt)
		if got[4*H*3*hd] != 2*x[4*H*3*hd] || got[0] != x[0] {
			t.Errorf("Scale of a slice: row 4 starts %g (want %g), row 0 %g (want %g)", got[4*H*3*hd], 2*x[4*H*3*hd], got[0], x[0])
		}
		o.freeOwned(xt)
	})
}

func TestRoPE(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const H, hd, dims = 3, 16, 8
	lens := []int{5, 40, 1}
	T := 46
	x := randn(rng, T*H*hd, 1)
	inv := make([]float32, dims/2)
	for i := range inv {
		inv[i] = float32(1 / math.Pow(10000, float64(2*i)/dims))
	}
	o := openTestOps(t, memSource{})
	variants(t, o, func(t *testing.T) {
		for _, scaling := range []float32{1, 1.25} {
			xt := upload(t, o, x, T, H*hd)
			o.RoPE(xt, H, hd, &arch.Rotary{Dims: dims, InvFreq: inv, AttentionScaling: scaling}, &arch.Batch{Lens: lens})
			want := f64(x)
			refRoPE(want, lens, H, hd, dims, inv, scaling)
			closeTo(t, "RoPE", download(t, o, xt), want, 1e-6, 1)
			o.freeOwned(xt)
		}
	})
}

func TestAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	o := openTestOps(t, memSource{})
	for _, c := range []struct {
		name      string
		H, KV, hd int
		lens      []int
		softcap   float32
		window    int
	}{
		{"MHA hd64", 4, 4, 64, []int{1, 17, 40}, 0, 0},
		{"GQA hd80", 6, 2, 80, []int{33, 5}, 0, 0},
		{"softcap window hd256", 4, 2, 256, []int{50, 9}, 30, 7},
		{"window of 1", 2, 1, 8, []int{20}, 0, 1},
		{"long", 2, 2, 32, []int{300}, 0, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			T := 0
			for _, l := range c.lens {
				T += l
			}
			q, k, v := randn(rng, T*c.H*c.hd, 1), randn(rng, T*c.KV*c.hd, 1), randn(rng, T*c.KV*c.hd, 1)
			scale := float32(1 / math.Sqrt(float64(c.hd)))
			m := o.Mark()
			defer o.Reset(m)
			qt, kt, vt := upload(t, o, q, T, c.H*c.hd), upload(t, o, k, T, c.KV*c.hd), upload(t, o, v, T, c.KV*c.hd)
			defer func() { o.freeOwned(qt); o.freeOwned(kt); o.freeOwned(vt) }()
			out := o.Attention(qt, kt, vt, &arch.Attention{Heads: c.H, KVHeads: c.KV, HeadDim: c.hd, Scale: scale,
				SoftCap: c.softcap, Window: c.window}, &arch.Batch{Lens: c.lens})
			want := refAttention(q, k, v, c.lens, c.H, c.KV, c.hd, float64(scale), float64(c.softcap), c.window)
			closeTo(t, "Attention", download(t, o, dev(out)), want, 1e-4, 0.1)
		})
	}
}

func TestRowNormsNLL(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const rows, d, vocab = 21, 515, 1003
	x := randn(rng, rows*d, 4)
	logits := randn(rng, rows*vocab, 3)
	targets := make([]int32, rows)
	for i := range targets {
		targets[i] = int32(rng.IntN(vocab))
	}
	o := openTestOps(t, memSource{})
	variants(t, o, func(t *testing.T) {
		xt, lt := upload(t, o, x, rows, d), upload(t, o, logits, rows, vocab)
		defer func() { o.freeOwned(xt); o.freeOwned(lt) }()
		norms, nll := make([]float64, rows), make([]float64, rows)
		o.RowNorms(xt, norms)
		o.NLL(lt, targets, nll)
		if err := o.Sync(); err != nil {
			t.Fatal(err)
		}
		wantNorms := make([]float64, rows)
		for r := range wantNorms {
			for _, v := range x[r*d : (r+1)*d] {
				wantNorms[r] += float64(v) * float64(v)
			}
			wantNorms[r] = math.Sqrt(wantNorms[r])
		}
		for r, w := range wantNorms {
			if math.Abs(norms[r]-w) > 1e-12*w {
				t.Errorf("RowNorms[%d] = %.15g, want %.15g", r, norms[r], w)
			}
		}
		for r, w := range refNLL(logits, rows, vocab, targets) {
			if math.Abs(nll[r]-w) > 1e-10*math.Max(1, math.Abs(w)) {
				t.Errorf("NLL[%d] = %.15g, want %.15g", r, nll[r], w)
			}
		}
	})
}

// f32s rounds float64 results to float32 for closeTo.
func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func TestEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const vocab, d = 50, 24
	table := randn(rng, vocab*d, 1)
	src := memSource{}
	src.add("emb", checkpoint.F16, []int{vocab, d}, table)
	o := openTestOps(t, src)
	variants(t, o, func(t *testing.T) {
		ids := []int32{3, 0, 49, 3, 17, 8, 8, 22}
		e, err := o.Embedding("emb", ids)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Free(e)
		var want []float64
		for _, id := range ids {
			for _, v := range table[int(id)*d : (int(id)+1)*d] {
				want = append(want, float64(checkpoint.F16ToFloat32(checkpoint.Float32ToF16(v))))
			}
		}
		closeTo(t, "Embedding", download(t, o, dev(e)), want, 0, 1e-30)
		if _, err := o.Embedding("emb", []int32{1, 50}); err == nil {
			t.Error("an id past the vocabulary was accepted")
		}
	})
}

// TestMarkReset checks that results made after a mark are reclaimed and that earlier ones survive.
func TestMarkReset(t *testing.T) {
	o := openTestOps(t, memSource{})
	x := upload(t, o, []float32{1, 2, 3, 4}, 2, 2)
	defer o.freeOwned(x)
	keep := o.Add(nil, x, x)
	m := o.Mark()
	first := dev(o.Add(nil, x, keep))
	o.Reset(m)
	second := dev(o.Add(nil, keep, keep))
	if first.segs[0].buf != second.segs[0].buf || first.segs[0].off != second.segs[0].off {
		t.Errorf("after Reset the next result went to %d, not to the reclaimed %d", second.segs[0].off, first.segs[0].off)
	}
	closeTo(t, "kept", download(t, o, dev(keep)), []float64{2, 4, 6, 8}, 0, 1)
	closeTo(t, "second", download(t, o, second), []float64{4, 8, 12, 16}, 0, 1)
	o.Reset(m) // a mark stays valid
}
