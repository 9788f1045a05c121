// Package opstest checks an implementation of arch.Ops against naive float64 implementations of every op, written
// from the definitions in package arch, with explicit tolerances. Every backend runs the same table:
//
//	func TestOps(t *testing.T) { opstest.Run(t, func(t *testing.T, dir string) arch.Ops { … open on dir … }) }
//
// The inputs of each case are written as F32 tensors into a safetensors file in a fresh model directory, which the
// backend opens; the case loads them with Ops.Load (or Ops.Embedding), runs the op, calls Sync, and reads the result
// back through Reader, which the ops must implement for the test (host-side results, RowNorms and NLL, come back
// through the op set itself). The shapes include T large enough to cross a GEMM's cache blocks and attention's query
// chunks, grouped-query attention, soft-capping and windows.
package opstest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// Reader reads a tensor back to the host, for tests. The test calls Sync before Read.
type Reader interface {
	Read(t arch.Tensor) ([]float32, error)
}

// Opener opens a backend's ops over the model directory dir. The ops must implement Reader; the opener arranges
// for them (and the checkpoint) to be closed when t ends.
type Opener func(t *testing.T, dir string) arch.Ops

// input is one tensor of a case: its name and shape, and its values.
type input struct {
	name   string
	shape  []int
	layout arch.Layout
	data   []float32
}

// env is one case's opened ops with its inputs loaded.
type env struct {
	t   *testing.T
	ops arch.Ops
	w   arch.Weights
	in  map[string]*input
}

// open writes the inputs into a model directory, opens the ops on it and loads them.
func open(t *testing.T, o Opener, inputs ...*input) *env {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, checkpoint.ConfigFile), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var tensors []checkpoint.NamedTensor
	var specs []arch.WeightSpec
	e := &env{t: t, in: map[string]*input{}}
	for _, in := range inputs {
		tensors = append(tensors, checkpoint.NamedTensor{Name: in.name, Shape: in.shape, Data: in.data})
		specs = append(specs, arch.WeightSpec{Name: in.name, Key: in.name, Shape: in.shape, Layout: in.layout})
		e.in[in.name] = in
	}
	if err := checkpoint.WriteSafetensors(filepath.Join(dir, checkpoint.SafetensorsFile), tensors, checkpoint.F32, nil); err != nil {
		t.Fatal(err)
	}
	e.ops = o(t, dir)
	if _, ok := e.ops.(Reader); !ok {
		t.Fatalf("%T does not implement opstest.Reader", e.ops)
	}
	w, err := e.ops.Load(specs)
	if err != nil {
		t.Fatal(err)
	}
	e.w = w
	return e
}

// read syncs and returns x's values, checking its shape.
func (e *env) read(x arch.Tensor, rows, cols int) []float32 {
	e.t.Helper()
	if err := e.ops.Sync(); err != nil {
		e.t.Fatal(err)
	}
	if x.Rows() != rows || x.Cols() != cols {
		e.t.Fatalf("result is %d×%d, want %d×%d", x.Rows(), x.Cols(), rows, cols)
	}
	v, err := e.ops.(Reader).Read(x)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(v) != rows*cols {
		e.t.Fatalf("Read gave %d values for %d×%d", len(v), rows, cols)
	}
	return v
}

// f64 returns the float64 values of an input.
func (e *env) f64(name string) []float64 {
	out := make([]float64, len(e.in[name].data))
	for i, v := range e.in[name].data {
		out[i] = float64(v)
	}
	return out
}

// random returns an input of the given shape with normal(0, scale) values from rng.
func random(rng *rand.Rand, name string, scale float64, shape ...int) *input {
	n := 1
	for _, d := range shape {
		n *= d
	}
	in := &input{name: name, shape: shape, data: make([]float32, n)}
	for i := range in.data {
		in.data[i] = float32(rng.NormFloat64() * scale)
	}
	return in
}

// compare checks got against want elementwise with the tolerance tol(i), and reports the worst error relative to it.
func compare(t *testing.T, what string, got []float32, want []float64, tol func(i int) float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	worst, bad := 0.0, 0
	for i, w := range want {
		g := float64(got[i])
		err := math.Abs(g - w)
		if !(err <= tol(i)) { // NaN fails too
			bad++
			if bad <= 5 {
				t.Errorf("%s: [%d] = %.9g, want %.9g ± %.3g", what, i, g, w, tol(i))
			}
		}
		if tol(i) > 0 {
			worst = max(worst, err/tol(i))
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values out of tolerance in all", what, bad)
	}
	t.Logf("%s: worst error %.2g of the tolerance", what, worst)
}

// exact is the tolerance of ops that must not round: loads, copies, float32 sums.
func exact(int) float64 { return 0 }

// rel returns a tolerance of r relative to |want[i]| plus a of absolute.
func rel(want []float64, r, a float64) func(int) float64 {
	return func(i int) float64 { return r*math.Abs(want[i]) + a }
}

// Run runs every case on the ops that o opens, each as a subtest.
func Run(t *testing.T, o Opener) {
	for _, c := range []struct {
		name string
		f    func(*testing.T, Opener)
	}{
		{"Load", testLoad}, {"Embedding", testEmbedding}, {"Linear", testLinear}, {"LayerNorm", testLayerNorm},
		{"RMSNorm", testRMSNorm}, {"RoPE", testRoPE}, {"Attention", testAttention}, {"Act", testAct},
		{"GatedAct", testGatedAct}, {"Add", testAdd}, {"ScaleSoftCap", testScaleSoftCap}, {"Split", testSplit},
		{"Slice", testSlice}, {"RowNorms", testRowNorms}, {"NLL", testNLL}, {"MarkReset", testMarkReset},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, o) })
	}
}

func testLoad(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 1))
	e := open(t, o, random(rng, "m", 1, 3, 5), random(rng, "v", 1, 7))
	if m := e.w["m"]; m.Rows() != 3 || m.Cols() != 5 {
		t.Errorf("a [3, 5] matrix loads as %d×%d", m.Rows(), m.Cols())
	}
	if v := e.w["v"]; v.Rows() != 1 || v.Cols() != 7 {
		t.Errorf("a [7] vector loads as %d×%d", v.Rows(), v.Cols())
	}
	compare(t, "loaded", e.read(e.w["m"], 3, 5), e.f64("m"), exact)
	for _, bad := range []arch.WeightSpec{
		{Name: "m", Key: "m", Shape: []int{5, 3}},
		{Name: "absent", Key: "a", Shape: []int{1}},
	} {
		if _, err := e.ops.Load([]arch.WeightSpec{bad}); err == nil {
			t.Errorf("Load(%+v): no error", bad)
		}
	}
	e.ops.Unload(e.w)
}

func testEmbedding(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := open(t, o, random(rng, "emb", 1, 50, 12))
	ids := []int32{7, 0, 49, 7, 23}
	x, err := e.ops.Embedding("emb", ids)
	if err != nil {
		t.Fatal(err)
	}
	emb := e.f64("emb")
	var want []float64
	for _, id := range ids {
		want = append(want, emb[int(id)*12:int(id+1)*12]...)
	}
	compare(t, "rows", e.read(x, len(ids), 12), want, exact)
	e.ops.Free(x)
	if _, err := e.ops.Embedding("emb", []int32{50}); err == nil {
		t.Error("row 50 of 50: no error")
	}
}

// linear64 is y = x·Wᵀ + b (or x·W + b when inOut) in float64, with the scale Σ|x·w| that bounds float32 rounding.
func linear64(x, w, b []float64, T, dIn, dOut int, inOut bool) (y, scale []float64) {
	y, scale = make([]float64, T*dOut), make([]float64, T*dOut)
	for t := range T {
		for o := range dOut {
			var s, a float64
			if b != nil {
				s, a = b[o], math.Abs(b[o])
			}
			for k := range dIn {
				wk := w[o*dIn+k]
				if inOut {
					wk = w[k*dOut+o]
				}
				s += x[t*dIn+k] * wk
				a += math.Abs(x[t*dIn+k] * wk)
			}
			y[t*dOut+o], scale[t*dOut+o] = s, a
		}
	}
	return y, scale
}

func testLinear(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 3))
	for _, c := range []struct {
		T, dIn, dOut int
		bias, inOut  bool
	}{
		{1, 1, 1, true, false},
		{7, 33, 17, false, false},
		{7, 33, 17, true, true},
		{100, 300, 40, true, false}, // several blocks of rows and of the reduction
		{100, 300, 40, false, true},
		{5, 24, 4133, true, false}, // two blocks of 4096 output columns
		{6, 16, 16, true, true},
	} {
		t.Run(fmt.Sprintf("T%d_%dx%d_bias%v_inOut%v", c.T, c.dIn, c.dOut, c.bias, c.inOut), func(t *testing.T) {
			wShape := []int{c.dOut, c.dIn}
			if c.inOut {
				wShape = []int{c.dIn, c.dOut}
			}
			w := random(rng, "w", 1, wShape...)
			if c.inOut {
				w.layout = arch.InOut
			}
			inputs := []*input{random(rng, "x", 1, c.T, c.dIn), w}
			if c.bias {
				inputs = append(inputs, random(rng, "b", 1, c.dOut))
			}
			e := open(t, o, inputs...)
			var b []float64
			if c.bias {
				b = e.f64("b")
			}
			want, scale := linear64(e.f64("x"), e.f64("w"), b, c.T, c.dIn, c.dOut, c.inOut)
			y := e.ops.Linear(e.w["x"], e.w["w"], e.w["b"])
			compare(t, "y", e.read(y, c.T, c.dOut), want, func(i int) float64 { return 1e-5*scale[i] + 1e-30 })
		})
	}
}

// norm64 returns LayerNorm (rms false) or RMSNorm (rms true) of each row of x in float64.
func norm64(x, w, b []float64, T, d int, eps float64, rms, unit bool) []float64 {
	y := make([]float64, T*d)
	for t := range T {
		row := x[t*d : (t+1)*d]
		var mean, ss float64
		if !rms {
			for _, v := range row {
				mean += v
			}
			mean /= float64(d)
		}
		for _, v := range row {
			ss += (v - mean) * (v - mean)
		}
		r := 1 / math.Sqrt(ss/float64(d)+eps)
		for i, v := range row {
			s := w[i]
			if unit {
				s++
			}
			y[t*d+i] = (v - mean) * r * s
			if b != nil {
				y[t*d+i] += b[i]
			}
		}
	}
	return y
}

func testLayerNorm(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 4))
	const T, d = 9, 70
	x := random(rng, "x", 3, T, d)
	for i := range d { // an offset row, as a residual stream has
		x.data[d+i] += 40
	}
	e := open(t, o, x, random(rng, "w", 1, d), random(rng, "b", 1, d))
	for _, bias := range []bool{true, false} {
		var b []float64
		bt := e.w["b"]
		if bias {
			b = e.f64("b")
		} else {
			bt = nil
		}
		want := norm64(e.f64("x"), e.f64("w"), b, T, d, 1e-5, false, false)
		y := e.ops.LayerNorm(e.w["x"], e.w["w"], bt, 1e-5)
		compare(t, fmt.Sprintf("bias %v", bias), e.read(y, T, d), want, rel(want, 2e-6, 2e-6))
	}
}

func testRMSNorm(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 5))
	const T, d = 9, 70
	e := open(t, o, random(rng, "x", 3, T, d), random(rng, "w", 0.5, d))
	for _, unit := range []bool{false, true} {
		want := norm64(e.f64("x"), e.f64("w"), nil, T, d, 1e-6, true, unit)
		y := e.ops.RMSNorm(e.w["x"], e.w["w"], 1e-6, unit)
		compare(t, fmt.Sprintf("unitOffset %v", unit), e.read(y, T, d), want, rel(want, 2e-6, 2e-6))
	}
}

// rope64 rotates x [T, heads·hd] as arch.Rotary describes, in float64 from the float32 angles.
func rope64(x []float64, heads, hd int, r *arch.Rotary, lens []int) []float64 {
	y := append([]float64(nil), x...)
	half := r.Dims / 2
	row := 0
	for _, n := range lens {
		for pos := range n {
			for h := range heads {
				v := y[row*heads*hd+h*hd:]
				for i := range half {
					theta := float64(float32(pos) * r.InvFreq[i])
					c := float64(float32(math.Cos(theta))) * float64(r.AttentionScaling)
					s := float64(float32(math.Sin(theta))) * float64(r.AttentionScaling)
					a, b := v[i], v[i+half]
					v[i], v[i+half] = a*c-b*s, b*c+a*s
				}
			}
			row++
		}
	}
	return y
}

func testRoPE(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 6))
	lens := []int{70, 3, 120}
	T := 193
	for _, c := range []struct {
		heads, hd, dims int
		base            float64
		scaling         float32
	}{{3, 16, 4, 10000, 1}, {2, 64, 64, 500000, 1}, {4, 8, 8, 100, 1.25}} {
		t.Run(fmt.Sprintf("%dx%d_r%d", c.heads, c.hd, c.dims), func(t *testing.T) {
			e := open(t, o, random(rng, "x", 1, T, c.heads*c.hd))
			r := &arch.Rotary{Dims: c.dims, InvFreq: arch.RopeInvFreq(c.dims, c.base), AttentionScaling: c.scaling}
			want := rope64(e.f64("x"), c.heads, c.hd, r, lens)
			e.ops.RoPE(e.w["x"], c.heads, c.hd, r, &arch.Batch{Lens: lens})
			compare(t, "rotated", e.read(e.w["x"], T, c.heads*c.hd), want, rel(want, 1e-6, 1e-6))
		})
	}
}

// attention64 is causal attention as arch.Attention describes it, in float64, per sequence of lens.
func attention64(q, k, v []float64, a *arch.Attention, lens []int) []float64 {
	H, KV, hd := a.Heads, a.KVHeads, a.HeadDim
	out := make([]float64, len(q))
	off := 0
	for _, T := range lens {
		for h := range H {
			g := h / (H / KV)
			for i := range T {
				var ks []int
				for j := 0; j <= i; j++ {
					if a.Window == 0 || i-a.Window < j {
						ks = append(ks, j)
					}
				}
				s := make([]float64, len(ks))
				mx := math.Inf(-1)
				for n, j := range ks {
					for e := range hd {
						s[n] += q[(off+i)*H*hd+h*hd+e] * k[(off+j)*KV*hd+g*hd+e]
					}
					s[n] *= float64(a.Scale)
					if c := float64(a.SoftCap); c > 0 {
						s[n] = c * math.Tanh(s[n]/c)
					}
					mx = max(mx, s[n])
				}
				var z float64
				for n := range s {
					s[n] = math.Exp(s[n] - mx)
					z += s[n]
				}
				for n, j := range ks {
					for e := range hd {
						out[(off+i)*H*hd+h*hd+e] += s[n] / z * v[(off+j)*KV*hd+g*hd+e]
					}
				}
			}
		}
		off += T
	}
	return out
}

func testAttention(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 7))
	for _, c := range []struct {
		name    string
		lens    []int
		H, KV   int
		hd      int
		softCap float32
		window  int
	}{
		{"one token", []int{1}, 2, 2, 8, 0, 0},
		{"MHA across chunks", []int{100, 7, 53}, 3, 3, 16, 0, 0},
		{"GQA 4:2", []int{61, 49}, 4, 2, 32, 0, 0},
		{"MQA 4:1 window", []int{130}, 4, 1, 16, 0, 20},
		{"soft-cap", []int{50, 70}, 2, 2, 64, 5, 0},
		{"soft-cap window GQA", []int{120, 9}, 6, 2, 24, 10, 33},
		{"window longer than the sequence", []int{40}, 2, 1, 8, 0, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			T := 0
			for _, n := range c.lens {
				T += n
			}
			e := open(t, o, random(rng, "q", 2, T, c.H*c.hd), random(rng, "k", 1, T, c.KV*c.hd), random(rng, "v", 1, T, c.KV*c.hd))
			a := &arch.Attention{Heads: c.H, KVHeads: c.KV, HeadDim: c.hd, Scale: float32(1 / math.Sqrt(float64(c.hd))),
				SoftCap: c.softCap, Window: c.window}
			want := attention64(e.f64("q"), e.f64("k"), e.f64("v"), a, c.lens)
			y := e.ops.Attention(e.w["q"], e.w["k"], e.w["v"], a, &arch.Batch{Lens: c.lens})
			scale := 0.0
			for _, w := range want {
				scale = max(scale, math.Abs(w))
			}
			compare(t, "out", e.read(y, T, c.H*c.hd), want, func(int) float64 { return 1e-5 * scale })
		})
	}
}

// act64 is the activation f in float64.
func act64(f arch.Activation, x float64) float64 {
	switch f {
	case arch.GELU:
		return 0.5 * x * math.Erfc(-x/math.Sqrt2)
	case arch.GELUTanh:
		u := math.Sqrt(2/math.Pi) * (x + 0.044715*x*x*x)
		return x / (1 + math.Exp(-2*u)) // ½x(1 + tanh u) without cancellation
	case arch.SiLU:
		return x / (1 + math.Exp(-x))
	}
	panic("unknown activation")
}

func testAct(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 8))
	for _, f := range []arch.Activation{arch.GELU, arch.GELUTanh, arch.SiLU} {
		t.Run(f.String(), func(t *testing.T) {
			x := random(rng, "x", 3, 40, 37)
			x.data[0], x.data[1], x.data[2], x.data[3] = 0, -12, 12, -5.5
			e := open(t, o, x)
			want := make([]float64, len(x.data))
			for i, v := range e.f64("x") {
				want[i] = act64(f, v)
			}
			e.ops.Act(e.w["x"], f)
			compare(t, f.String(), e.read(e.w["x"], 40, 37), want, rel(want, 2e-6, 1e-12))
		})
	}
}

func testGatedAct(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 9))
	for _, f := range []arch.Activation{arch.SiLU, arch.GELUTanh} {
		e := open(t, o, random(rng, "g", 2, 17, 30), random(rng, "u", 2, 17, 30))
		want := make([]float64, 17*30)
		u := e.f64("u")
		for i, v := range e.f64("g") {
			want[i] = act64(f, v) * u[i]
		}
		e.ops.GatedAct(e.w["g"], e.w["u"], f)
		compare(t, f.String(), e.read(e.w["g"], 17, 30), want, rel(want, 3e-6, 1e-12))
	}
}

func testAdd(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 10))
	e := open(t, o, random(rng, "a", 1, 11, 13), random(rng, "b", 1, 11, 13))
	a, b := e.f64("a"), e.f64("b")
	want := make([]float64, len(a))
	for i := range a {
		want[i] = float64(float32(a[i] + b[i]))
	}
	compare(t, "new", e.read(e.ops.Add(nil, e.w["a"], e.w["b"]), 11, 13), want, exact)
	if got := e.ops.Add(e.w["b"], e.w["a"], e.w["b"]); got != e.w["b"] {
		t.Error("Add(b, a, b) did not return b")
	}
	compare(t, "into b", e.read(e.w["b"], 11, 13), want, exact)
	for i := range want {
		want[i] = float64(float32(a[i] + want[i]))
	}
	e.ops.Add(e.w["a"], e.w["a"], e.w["b"])
	compare(t, "into a", e.read(e.w["a"], 11, 13), want, exact)
}

func testScaleSoftCap(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 11))
	e := open(t, o, random(rng, "x", 30, 9, 40))
	x := e.f64("x")
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = 50 * math.Tanh(float64(float32(v*0.5))/50)
	}
	e.ops.Scale(e.w["x"], 0.5)
	e.ops.SoftCap(e.w["x"], 50)
	compare(t, "50·tanh(x/2/50)", e.read(e.w["x"], 9, 40), want, rel(want, 1e-6, 1e-6))
}

func testSplit(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 12))
	const T = 5
	e := open(t, o, random(rng, "x", 1, T, 3*(4+2+2)))
	x := e.f64("x")
	// GPT-NeoX-like: 3 groups of q(4) | k(2) | v(2).
	parts := e.ops.Split(e.w["x"], 3, 4, 2, 2)
	for p, w := range []int{4, 2, 2} {
		off := []int{0, 4, 6}[p]
		var want []float64
		for t := range T {
			for g := range 3 {
				want = append(want, x[t*24+g*8+off:t*24+g*8+off+w]...)
			}
		}
		compare(t, fmt.Sprintf("part %d", p), e.read(parts[p], T, 3*w), want, exact)
	}
	// GPT-2-like: one group of three blocks.
	parts = e.ops.Split(e.w["x"], 1, 8, 8, 8)
	for p := range 3 {
		var want []float64
		for t := range T {
			want = append(want, x[t*24+p*8:t*24+p*8+8]...)
		}
		compare(t, fmt.Sprintf("block %d", p), e.read(parts[p], T, 8), want, exact)
	}
}

func testSlice(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 13))
	e := open(t, o, random(rng, "x", 1, 10, 6), random(rng, "w", 1, 6))
	s := e.ops.Slice(e.w["x"], 3, 7)
	compare(t, "rows 3..6", e.read(s, 4, 6), e.f64("x")[18:42], exact)
	// A slice feeds an op like any tensor.
	want := norm64(e.f64("x")[18:42], e.f64("w"), nil, 4, 6, 1e-5, true, false)
	compare(t, "RMSNorm of the slice", e.read(e.ops.RMSNorm(s, e.w["w"], 1e-5, false), 4, 6), want, rel(want, 2e-6, 2e-6))
}

func testRowNorms(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 14))
	e := open(t, o, random(rng, "x", 1e3, 33, 129))
	x := e.f64("x")
	got := make([]float64, 33)
	e.ops.RowNorms(e.w["x"], got)
	if err := e.ops.Sync(); err != nil {
		t.Fatal(err)
	}
	for r := range 33 {
		var s float64
		for _, v := range x[r*129 : (r+1)*129] {
			s += v * v
		}
		if w := math.Sqrt(s); math.Abs(got[r]-w) > 1e-12*w {
			t.Errorf("row %d: %.15g, want %.15g (float64 accumulation)", r, got[r], w)
		}
	}
}

func testNLL(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 15))
	const T, V = 7, 1000
	logits := random(rng, "l", 4, T, V)
	logits.data[5] = 1e4 // a dominant logit must not overflow
	e := open(t, o, logits)
	targets := []int32{5, 0, 999, 3, 3, 500, 17}
	got := make([]float64, T)
	e.ops.NLL(e.w["l"], targets, got)
	if err := e.ops.Sync(); err != nil {
		t.Fatal(err)
	}
	l := e.f64("l")
	for r := range T {
		row := l[r*V : (r+1)*V]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		var z float64
		for _, v := range row {
			z += math.Exp(v - mx)
		}
		if w := mx + math.Log(z) - row[targets[r]]; math.Abs(got[r]-w) > 1e-9*max(1, math.Abs(w)) {
			t.Errorf("row %d: %.12g, want %.12g", r, got[r], w)
		}
	}
}

func testMarkReset(t *testing.T, o Opener) {
	rng := rand.New(rand.NewPCG(1, 16))
	e := open(t, o, random(rng, "a", 1, 8, 8), random(rng, "b", 1, 8, 8))
	keep := e.ops.Add(nil, e.w["a"], e.w["b"])
	want := e.read(keep, 8, 8)
	for range 3 {
		m := e.ops.Mark()
		x := e.ops.Add(nil, e.w["a"], e.w["a"])
		e.ops.Add(x, x, e.w["b"])
		e.read(x, 8, 8)
		e.ops.Reset(m)
	}
	got := e.read(keep, 8, 8)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("a result made before the mark changed after Reset: [%d] %g, was %g", i, got[i], want[i])
		}
	}
}
