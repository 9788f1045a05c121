package cpu

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/checkpoint/decode"
	"github.com/scalefit/scalefit/backends/cpu/kernels"
)

// tensor is the CPU backend's arch.Tensor: a row-major float32 matrix in host memory, or a weight matrix still in the
// checkpoint's file mapping as stored (F32, F16 or BF16), which Linear converts as it packs it.
type tensor struct {
	rows, cols int
	data       []float32       // rows·cols values; nil for a stored weight until an op other than Linear reads it
	stored     *kernels.Matrix // a weight matrix as stored, or nil
	bytes      []float32       // the pooled buffer that holds a stored weight's bytes
	layout     arch.Layout     // how Linear reads a weight matrix
	owned      bool            // data came from the ops' pool and goes back to it; false for a Slice view
}

func (t *tensor) Rows() int { return t.rows }
func (t *tensor) Cols() int { return t.cols }

// ops implements arch.Ops on the CPU kernels (package kernels), over one opened checkpoint. Every op runs when it is
// called, on up to threads goroutines, so Sync only reports. Buffers are recycled: tensors freed by Reset, Unload
// and Free go to a pool by length, from which the next op of the same size takes its output, so a run allocates
// its scratch space once and then reuses it layer after layer.
//
// Weight matrices are not converted when they are loaded: Load reads their stored bytes (F32, F16 or BF16) into
// pooled buffers, and Linear converts them (exactly, eight values at a time) as it packs them for the GEMM, on every
// core. Memory holds one layer as stored, half a float32 layer for a 16-bit checkpoint, and the conversion costs one
// pass over the stored bytes per batch, inside the GEMM's packing. Prefetch asks the operating system to read the
// next layer from the files while the current one computes, so that Load copies from the page cache.
//
// An ops is used by one goroutine at a time.
type ops struct {
	ck      *checkpoint.Checkpoint
	threads int

	prefetch chan struct{} // closed when the running Prefetch is done; nil when none ran

	pool    map[int][][]float32 // free buffers by length
	stored  map[int][][]float32 // free buffers for stored weights, by length in bytes (float32 backing, aligned)
	results []*tensor           // op results in the order they were made, for Mark and Reset
	gemm    kernels.GemmWorkspace
	attn    kernels.AttnWorkspace
	ropes   map[string]*kernels.Rope // rotary tables by inverse frequencies and scaling
}

var _ arch.Ops = (*ops)(nil)

// newOps returns the CPU ops over ck on up to threads goroutines (at least 1).
func newOps(ck *checkpoint.Checkpoint, threads int) *ops {
	return &ops{ck: ck, threads: max(1, threads), pool: map[int][][]float32{}, stored: map[int][][]float32{},
		ropes: map[string]*kernels.Rope{}}
}

// Close waits for a running Prefetch and drops the pool and the workspaces; the checkpoint belongs to the caller.
func (o *ops) Close() error {
	o.waitPrefetch()
	o.pool, o.stored, o.results, o.gemm, o.attn, o.ropes = nil, nil, nil, kernels.GemmWorkspace{}, kernels.AttnWorkspace{}, nil
	return nil
}

// buffer returns a buffer of n values from the pool, or a new one. Its contents are undefined.
func (o *ops) buffer(n int) []float32 {
	if free := o.pool[n]; len(free) > 0 {
		b := free[len(free)-1]
		o.pool[n] = free[:len(free)-1]
		return b
	}
	return kernels.Alloc(n)
}

// recycle returns an owned tensor's buffer to the pool.
func (o *ops) recycle(t *tensor) {
	if t != nil && t.owned {
		o.pool[len(t.data)] = append(o.pool[len(t.data)], t.data)
		t.data, t.owned = nil, false
	}
}

// result returns a new rows × cols op result, recorded for Reset.
func (o *ops) result(rows, cols int) *tensor {
	t := &tensor{rows: rows, cols: cols, data: o.buffer(rows * cols), owned: true}
	o.results = append(o.results, t)
	return t
}

// cpu returns t as the backend's tensor with its float32 values; anything else is a bug in an architecture. A stored
// weight that an op other than Linear reads (a test, or a family that uses a weight matrix as an activation) is
// converted once, into memory of its own.
func cpu(t arch.Tensor) *tensor {
	c := cpuTensor(t)
	if c.data == nil && c.stored != nil {
		c.data = make([]float32, c.rows*c.cols)
		for r := range c.rows {
			c.stored.RowInto(c.data[r*c.cols:(r+1)*c.cols], r, 0)
		}
	}
	return c
}

// cpuTensor returns t as the backend's tensor, as it is.
func cpuTensor(t arch.Tensor) *tensor {
	c, ok := t.(*tensor)
	if !ok || c == nil {
		panic(fmt.Sprintf("cpu: not a tensor of the cpu backend: %T", t))
	}
	return c
}

// data returns t's values, or nil for a nil (absent) tensor such as a missing bias.
func data(t arch.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return cpu(t).data
}

// Load checks each spec's stored shape, then keeps a weight matrix as stored (see ops) and converts a vector to
// float32 into a pooled buffer.
func (o *ops) Load(specs []arch.WeightSpec) (arch.Weights, error) {
	o.waitPrefetch() // at most one layer read ahead, and never behind the layer being loaded
	w := make(arch.Weights, len(specs))
	fail := func(err error) (arch.Weights, error) {
		o.Unload(w)
		return nil, err
	}
	for _, s := range specs {
		shape, ok := o.ck.Shape(s.Name)
		if !ok {
			return fail(fmt.Errorf("no tensor %q", s.Name))
		}
		if !slices.Equal(shape, s.Shape) {
			return fail(fmt.Errorf("tensor %q has shape %v, want %v", s.Name, shape, s.Shape))
		}
		t := &tensor{rows: 1, layout: s.Layout}
		switch len(shape) {
		case 1:
			t.cols = shape[0]
		case 2:
			t.rows, t.cols = shape[0], shape[1]
		default:
			return fail(fmt.Errorf("tensor %q has shape %v: neither a vector nor a matrix", s.Name, shape))
		}
		w[s.Key] = t
		if len(shape) == 2 {
			if err := o.loadStored(t, s.Name); err != nil {
				return fail(err)
			}
			continue
		}
		t.data, t.owned = o.buffer(t.rows*t.cols), true
		if err := o.ck.Float32Into(t.data, s.Name); err != nil {
			return fail(err)
		}
	}
	return w, nil
}

// loadStored reads the weight matrix name as stored into a pooled buffer and makes it t's (see ops).
func (o *ops) loadStored(t *tensor, name string) error {
	dtype, _ := o.ck.DType(name)
	n := t.rows * t.cols * decode.Size(dtype)
	buf := o.stored[n]
	if len(buf) > 0 {
		t.bytes, o.stored[n] = buf[len(buf)-1], buf[:len(buf)-1]
	} else {
		t.bytes = kernels.Alloc((n + 3) / 4)
	}
	raw, err := o.ck.ReadInto(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.bytes))), n), name)
	if err != nil {
		o.stored[n] = append(o.stored[n], t.bytes)
		t.bytes = nil
		return err
	}
	t.stored = &kernels.Matrix{Rows: t.rows, Cols: t.cols, Raw: raw.Data, DType: raw.DType}
	if raw.DType == decode.F32 && nativeLittleEndian {
		t.stored.F32 = t.bytes[:t.rows*t.cols] // the bytes are the values: Linear packs them without converting
	}
	return nil
}

// nativeLittleEndian reports whether float32 values are stored in memory as the little-endian bytes of a checkpoint.
var nativeLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// Prefetch asks the operating system, from a goroutine of its own, to read the stored bytes of specs into its page
// cache (Checkpoint.Prefetch), so that the next Load copies them without waiting on the disk. The next Load waits
// for the request to be queued, so that at most one layer is read ahead.
func (o *ops) Prefetch(specs []arch.WeightSpec) {
	o.waitPrefetch()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	done := make(chan struct{})
	o.prefetch = done
	go func() {
		defer close(done)
		o.ck.Prefetch(names...)
	}()
}

// waitPrefetch waits for a running Prefetch.
func (o *ops) waitPrefetch() {
	if o.prefetch != nil {
		<-o.prefetch
		o.prefetch = nil
	}
}

// Unload returns the weights' buffers to the pools, for the next layer's Load.
func (o *ops) Unload(w arch.Weights) {
	for _, t := range w {
		c := cpuTensor(t)
		if c.bytes != nil {
			n := len(c.stored.Raw)
			o.stored[n] = append(o.stored[n], c.bytes)
			c.bytes, c.stored, c.data = nil, nil, nil
			continue
		}
		o.recycle(c)
	}
}

// Embedding decodes only the rows ids of the matrix name.
func (o *ops) Embedding(name string, ids []int32) (arch.Tensor, error) {
	shape, ok := o.ck.Shape(name)
	if !ok || len(shape) != 2 {
		return nil, fmt.Errorf("tensor %q is not a matrix (shape %v)", name, shape)
	}
	t := &tensor{rows: len(ids), cols: shape[1], data: o.buffer(len(ids) * shape[1]), owned: true}
	if err := o.ck.RowsInto(t.data, name, ids); err != nil {
		o.recycle(t)
		return nil, err
	}
	return t, nil
}

// Free returns an Embedding result's buffer to the pool.
func (o *ops) Free(t arch.Tensor) { o.recycle(cpu(t)) }

// Linear runs kernels.Linear: x·Wᵀ + b for an OutIn weight [out, in], x·W + b for an InOut one [in, out], W as stored
// or as float32.
func (o *ops) Linear(x, w, b arch.Tensor) arch.Tensor {
	xt, wt := cpu(x), cpuTensor(w)
	dIn, dOut := wt.cols, wt.rows
	if wt.layout == arch.InOut {
		dIn, dOut = wt.rows, wt.cols
	}
	if xt.cols != dIn || (b != nil && (b.Rows() != 1 || b.Cols() != dOut)) {
		panic(fmt.Sprintf("cpu: Linear: x %d×%d, W %d×%d (layout %d), bias %v", xt.rows, xt.cols, wt.rows, wt.cols, wt.layout, b))
	}
	m := wt.stored
	if m == nil {
		m = kernels.F32Matrix(wt.data, wt.rows, wt.cols)
	}
	y := o.result(xt.rows, dOut)
	kernels.Linear(y.data, xt.data, m, data(b), xt.rows, wt.layout == arch.InOut, o.threads, &o.gemm)
	return y
}

// checkVector panics unless v is a 1 × n vector.
func checkVector(op string, v arch.Tensor, n int) {
	if v != nil && (v.Rows() != 1 || v.Cols() != n) {
		panic(fmt.Sprintf("cpu: %s: a %d×%d parameter for rows of %d", op, v.Rows(), v.Cols(), n))
	}
}

// LayerNorm runs kernels.LayerNorm.
func (o *ops) LayerNorm(x, w, b arch.Tensor, eps float32) arch.Tensor {
	xt := cpu(x)
	checkVector("LayerNorm", w, xt.cols)
	checkVector("LayerNorm", b, xt.cols)
	y := o.result(xt.rows, xt.cols)
	kernels.LayerNorm(y.data, xt.data, data(w), data(b), xt.rows, xt.cols, float64(eps), o.threads)
	return y
}

// RMSNorm runs kernels.RMSNorm.
func (o *ops) RMSNorm(x, w arch.Tensor, eps float32, unitOffset bool) arch.Tensor {
	xt := cpu(x)
	checkVector("RMSNorm", w, xt.cols)
	y := o.result(xt.rows, xt.cols)
	kernels.RMSNorm(y.data, xt.data, data(w), xt.rows, xt.cols, float64(eps), unitOffset, o.threads)
	return y
}

// rope returns the rotary tables of r, covering positions 0..T−1. Tables are kept by the contents of r, so a family
// may build its Rotary once or per call.
func (o *ops) rope(r *arch.Rotary, T int) *kernels.Rope {
	key := string(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(r.InvFreq))), 4*len(r.InvFreq))) +
		fmt.Sprint(math.Float32bits(r.AttentionScaling))
	p, ok := o.ropes[key]
	if !ok {
		p = kernels.NewRope(r.InvFreq, r.AttentionScaling)
		o.ropes[key] = p
	}
	p.Grow(T)
	return p
}

// ropeRows is how many rows one RoPE task rotates, and splitRows how many one Split task copies.
const (
	ropeRows  = 64
	splitRows = 32
)

// RoPE rotates the first r.Dims dims of every head of every row of x, in place, at the row's position in its
// sequence.
func (o *ops) RoPE(x arch.Tensor, heads, headDim int, r *arch.Rotary, batch *arch.Batch) {
	xt := cpu(x)
	if xt.cols != heads*headDim || r.Dims > headDim || r.Dims != 2*len(r.InvFreq) || xt.rows != batch.Tokens() {
		panic(fmt.Sprintf("cpu: RoPE: %d×%d for %d heads of %d, %d rotary dims (%d frequencies), %d tokens",
			xt.rows, xt.cols, heads, headDim, r.Dims, len(r.InvFreq), batch.Tokens()))
	}
	pos := positions(batch)
	p := o.rope(r, slices.Max(append(batch.Lens, 0)))
	kernels.ParallelFor(ceilDiv(xt.rows, ropeRows), o.threads, func(task, _ int) {
		for t := task * ropeRows; t < min((task+1)*ropeRows, xt.rows); t++ {
			row := xt.data[t*xt.cols : (t+1)*xt.cols]
			for h := range heads {
				p.Apply(row[h*headDim:(h+1)*headDim], pos[t])
			}
		}
	})
}

// positions returns each row's position in its sequence.
func positions(b *arch.Batch) []int {
	pos := make([]int, 0, b.Tokens())
	for _, n := range b.Lens {
		for t := range n {
			pos = append(pos, t)
		}
	}
	return pos
}

// Attention runs kernels.Attention on each sequence of batch in turn.
func (o *ops) Attention(q, k, v arch.Tensor, a *arch.Attention, batch *arch.Batch) arch.Tensor {
	qt, kt, vt := cpu(q), cpu(k), cpu(v)
	T := batch.Tokens()
	if a.KVHeads <= 0 || a.Heads%a.KVHeads != 0 || qt.cols != a.Heads*a.HeadDim || kt.cols != a.KVHeads*a.HeadDim ||
		vt.cols != kt.cols || qt.rows != T || kt.rows != T || vt.rows != T {
		panic(fmt.Sprintf("cpu: Attention: q %d×%d, k %d×%d, v %d×%d for %+v over %d tokens",
			qt.rows, qt.cols, kt.rows, kt.cols, vt.rows, vt.cols, *a, T))
	}
	out := o.result(T, qt.cols)
	p := kernels.AttnParams{Heads: a.Heads, KVHeads: a.KVHeads, HeadDim: a.HeadDim, Scale: a.Scale, SoftCap: a.SoftCap,
		Window: a.Window}
	off := 0
	for _, n := range batch.Lens {
		kernels.Attention(out.data[off*qt.cols:(off+n)*qt.cols], qt.data[off*qt.cols:], kt.data[off*kt.cols:],
			vt.data[off*kt.cols:], n, &p, o.threads, &o.attn)
		off += n
	}
	return out
}

// act applies f to x in place.
func (o *ops) act(x []float32, f arch.Activation) {
	switch f {
	case arch.GELU:
		kernels.GELUErf(x, o.threads)
	case arch.GELUTanh:
		kernels.GELUTanh(x, o.threads)
	case arch.SiLU:
		kernels.SiLU(x, o.threads)
	default:
		panic(fmt.Sprintf("cpu: unknown activation %v", f))
	}
}

// Act applies f to x in place.
func (o *ops) Act(x arch.Tensor, f arch.Activation) { o.act(cpu(x).data, f) }

// GatedAct sets gate to f(gate) ⊙ up.
func (o *ops) GatedAct(gate, up arch.Tensor, f arch.Activation) {
	g, u := cpu(gate), cpu(up)
	sameShape("GatedAct", g, u)
	o.act(g.data, f)
	kernels.Mul(g.data, u.data, o.threads)
}

func sameShape(op string, a, b *tensor) {
	if a.rows != b.rows || a.cols != b.cols {
		panic(fmt.Sprintf("cpu: %s: %d×%d and %d×%d", op, a.rows, a.cols, b.rows, b.cols))
	}
}

// Add returns a + b, into dst when it is given.
func (o *ops) Add(dst, a, b arch.Tensor) arch.Tensor {
	at, bt := cpu(a), cpu(b)
	sameShape("Add", at, bt)
	var d *tensor
	if dst == nil {
		d = o.result(at.rows, at.cols)
	} else {
		d = cpu(dst)
		sameShape("Add", d, at)
	}
	kernels.Add(d.data, at.data, bt.data, o.threads)
	return d
}

// Scale multiplies x by s in place.
func (o *ops) Scale(x arch.Tensor, s float32) { kernels.Scale(cpu(x).data, s, o.threads) }

// SoftCap sets x to c·tanh(x/c) in place, the tanh in float64 rounded to float32.
func (o *ops) SoftCap(x arch.Tensor, c float32) {
	kernels.Map(cpu(x).data, o.threads, func(v float32) float32 { return c * float32(math.Tanh(float64(v/c))) })
}

// Split copies each part of every row's groups into its own tensor.
func (o *ops) Split(x arch.Tensor, groups int, widths ...int) []arch.Tensor {
	xt := cpu(x)
	group := 0
	for _, w := range widths {
		group += w
	}
	if groups <= 0 || group*groups != xt.cols {
		panic(fmt.Sprintf("cpu: Split: %d columns are not %d groups of %v", xt.cols, groups, widths))
	}
	outs := make([]arch.Tensor, len(widths))
	parts := make([]*tensor, len(widths))
	for i, w := range widths {
		parts[i] = o.result(xt.rows, groups*w)
		outs[i] = parts[i]
	}
	kernels.ParallelFor(ceilDiv(xt.rows, splitRows), o.threads, func(task, _ int) {
		for t := task * splitRows; t < min((task+1)*splitRows, xt.rows); t++ {
			src := xt.data[t*xt.cols : (t+1)*xt.cols]
			for g := range groups {
				for i, w := range widths {
					copy(parts[i].data[t*groups*w+g*w:t*groups*w+(g+1)*w], src[:w])
					src = src[w:]
				}
			}
		}
	})
	return outs
}

// Slice returns a view of rows [r0, r1) of x.
func (o *ops) Slice(x arch.Tensor, r0, r1 int) arch.Tensor {
	xt := cpu(x)
	if r0 < 0 || r1 < r0 || r1 > xt.rows {
		panic(fmt.Sprintf("cpu: Slice [%d, %d) of %d rows", r0, r1, xt.rows))
	}
	return &tensor{rows: r1 - r0, cols: xt.cols, data: xt.data[r0*xt.cols : r1*xt.cols], layout: xt.layout}
}

// RowNorms runs kernels.RowNorms.
func (o *ops) RowNorms(x arch.Tensor, dst []float64) {
	xt := cpu(x)
	kernels.RowNorms(dst[:xt.rows], xt.data, xt.rows, xt.cols, o.threads)
}

// NLL runs kernels.NLL on every row, rows in parallel.
func (o *ops) NLL(logits arch.Tensor, targets []int32, dst []float64) {
	lt := cpu(logits)
	if len(targets) != lt.rows || len(dst) < lt.rows {
		panic(fmt.Sprintf("cpu: NLL: %d rows, %d targets, %d results", lt.rows, len(targets), len(dst)))
	}
	for _, id := range targets {
		if id < 0 || int(id) >= lt.cols {
			panic(fmt.Sprintf("cpu: NLL: target %d outside [0, %d)", id, lt.cols))
		}
	}
	kernels.ParallelFor(lt.rows, o.threads, func(t, _ int) {
		dst[t] = kernels.NLL(lt.data[t*lt.cols:(t+1)*lt.cols], int(targets[t]))
	})
}

// Sync has nothing to wait for: every op ran when it was called.
func (o *ops) Sync() error { return nil }

// Mark returns the number of op results made so far.
func (o *ops) Mark() int { return len(o.results) }

// Reset returns the buffers of the op results made after mark to the pool.
func (o *ops) Reset(mark int) {
	for _, t := range o.results[mark:] {
		o.recycle(t)
	}
	clear(o.results[mark:])
	o.results = o.results[:mark]
}

// Read returns a copy of t's values, for tests (opstest.Reader).
func (o *ops) Read(t arch.Tensor) ([]float32, error) {
	return append([]float32(nil), cpu(t).data...), nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
