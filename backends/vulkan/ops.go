package vulkan

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// Source is where Load, Prefetch and Embedding read weights: an opened checkpoint. Raw returns a tensor as stored.
type Source interface {
	Raw(name string) (checkpoint.RawTensor, error)
}

// Ops is the op set of package arch on one Vulkan device. Every op records dispatches into the command buffer of the
// current submission; Sync submits it, waits, and fills the host slices that RowNorms and NLL were given. Nothing else
// comes back to the host. Weights go up as stored (F32, F16 or BF16) through host-visible staging memory and are
// converted to float32 on the device; Prefetch fills the staging memory of the next layer on another goroutine while
// the device computes. Op results live in an arena of device memory that Mark and Reset rewind.
//
// Ops is not safe for concurrent use. Close releases the device.
type Ops struct {
	g     *gpu
	src   Source
	sg    bool   // use the subgroup variants of the reduction kernels
	f64   bool   // compute RowNorms and NLL in float64 on the device (shaderFloat64)
	align uint64 // alignment of binding offsets and of arena allocations

	maxSeg  uint64 // bytes of one tensor segment: fits one binding and one allocation
	maxRows int    // rows one dispatch of a row kernel may cover

	act  arena // op results
	down arena // host-visible memory the device writes results into; rewound at Sync
	up   arena // host-visible memory for small uploads (NLL targets); rewound at Sync

	reads []pendingRead

	pool     map[uint64][]*buffer // device buffers of unloaded weights, by size, for the next layer's
	staging  []*buffer            // upload buffers free for the next Load
	prefetch *stageJob            // the staging of a Prefetch not yet loaded
	ropes    map[ropeKey]*ropeTable
}

var _ arch.Ops = (*Ops)(nil)

// pendingRead is a host result of the submission being recorded: what the device writes into data, which Sync turns
// into dst as kind says.
type pendingRead struct {
	kind    readKind
	data    []byte
	dst     []float64
	vocab   int     // readLogits: values per row
	targets []int32 // readLogits: the targets
}

// readKind says what a pendingRead's data holds.
type readKind int

const (
	readSquares64 readKind = iota // per row, Σx² as a float64: dst = √
	readSquaresDF                 // per row, Σx² as float32 hi and lo: dst = √(hi + lo)
	readNLL64                     // per row, float64 m, z and x_t: dst = m + log z − x_t
	readLogits                    // the float32 logits: dst = −log softmax(x)[t], all in float64 on the host
)

// finish fills r.dst from r.data.
func (r *pendingRead) finish() {
	f64 := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(r.data[8*i:])) }
	f32 := func(i int) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(r.data[4*i:]))) }
	for i := range r.dst {
		switch r.kind {
		case readSquares64:
			r.dst[i] = math.Sqrt(f64(i))
		case readSquaresDF:
			r.dst[i] = math.Sqrt(f32(2*i) + f32(2*i+1))
		case readNLL64:
			r.dst[i] = f64(3*i) + math.Log(f64(3*i+1)) - f64(3*i+2)
		case readLogits:
			row := make([]float64, r.vocab)
			m := math.Inf(-1)
			for j := range row {
				row[j] = f32(i*r.vocab + j)
				m = max(m, row[j])
			}
			var z float64
			for _, v := range row {
				z += math.Exp(v - m)
			}
			r.dst[i] = m + math.Log(z) - row[r.targets[i]]
		}
	}
}

// NewOps opens Vulkan device index (as listed by Probe) and returns its op set, reading weights from src.
func NewOps(index int, src Source) (*Ops, error) {
	g, err := openGPU(index)
	if err != nil {
		return nil, err
	}
	return newOps(g, src), nil
}

func newOps(g *gpu, src Source) *Ops {
	align := max(g.info.MinStorageBufferAlign, 256)
	maxSeg := min(g.info.MaxStorageBufferRange, g.info.MaxMemoryAllocationSize, g.info.MaxBufferSize, 1<<30)
	maxSeg = (maxSeg - align) / align * align
	o := &Ops{
		g: g, src: src, sg: g.info.SubgroupArithmetic && !noSubgroups, f64: g.info.Float64 && !noFloat64,
		align: align, maxSeg: maxSeg,
		maxRows: int(min(g.info.MaxWorkGroupCount[0], 1<<20)),
		pool:    map[uint64][]*buffer{}, ropes: map[ropeKey]*ropeTable{},
	}
	o.act = arena{g: g, kind: memDevice, align: align, minBlock: min(maxSeg, 16<<20), blockSize: min(maxSeg, 256<<20)}
	o.down = arena{g: g, kind: memDownload, align: align, minBlock: 1 << 20, blockSize: 64 << 20}
	o.up = arena{g: g, kind: memUpload, align: align, minBlock: 1 << 20, blockSize: 64 << 20}
	return o
}

// gemmTile, when 64 or 128, makes every GEMM use tiles of that size, for tests and benchmarks; 0 lets Linear choose.
var gemmTile = 0

// noSubgroups and noFloat64, set by tests, make the backend use the shared-memory reductions even where subgroups
// work, and its paths for devices without float64 even where shaders have it.
var noSubgroups, noFloat64 = false, false

// where names the device in errors, e.g. "device 0 (NVIDIA H100 80GB HBM3)".
func (o *Ops) where() string { return fmt.Sprintf("device %d (%s)", o.g.info.Index, o.g.info.Name) }

// Device describes the device the op set runs on.
func (o *Ops) Device() DeviceInfo { return o.g.info }

// Close waits for the device and releases everything.
func (o *Ops) Close() error {
	if o.g == nil {
		return nil
	}
	if o.prefetch != nil {
		o.prefetch.wait()
		o.prefetch.release(o)
		o.prefetch = nil
	}
	o.g.lib.DeviceWaitIdle(o.g.dev)
	o.g.recording = false
	for _, f := range o.g.retired {
		f()
	}
	o.g.retired = nil
	o.act.free()
	o.down.free()
	o.up.free()
	for _, t := range o.ropes {
		o.freeOwned(t.cos)
		o.freeOwned(t.sin)
	}
	o.drainPool()
	for _, b := range o.staging {
		o.g.release(b)
	}
	o.staging = nil
	o.g.recycle()
	o.g = nil
	return nil
}

// kernel returns the pipeline of a reduction kernel in the variant the device runs best.
func (o *Ops) kernel(name string, bindings int, spec ...uint32) *pipeline {
	if o.sg {
		name += "_sg"
	}
	return o.g.pipeline(name, bindings, spec...)
}

// newTensor allocates a rows × cols op result in the arena, in segments that fit one binding each.
func (o *Ops) newTensor(rows, cols int) *tensor {
	t := &tensor{rows: rows, cols: cols}
	if o.g.err != nil || rows == 0 || cols == 0 {
		return t
	}
	rowBytes := uint64(cols) * 4
	if rowBytes > o.maxSeg {
		o.g.fail(fmt.Errorf("a row of %d values exceeds one storage binding (%s)", cols, formatBytes(o.maxSeg)))
		return t
	}
	per := int(o.maxSeg / rowBytes)
	for r := 0; r < rows; r += per {
		n := min(per, rows-r)
		buf, off, err := o.act.alloc(uint64(n) * rowBytes)
		if err != nil {
			o.g.fail(fmt.Errorf("activations: %w", err))
			return t
		}
		t.segs = append(t.segs, segment{r0: r, r1: r + n, buf: buf, off: off})
	}
	return t
}

// dev converts an arch.Tensor made by these Ops back to its device tensor.
func dev(t arch.Tensor) *tensor {
	d, ok := t.(*tensor)
	if !ok {
		panic(fmt.Sprintf("vulkan: a %T is not a tensor of this backend", t))
	}
	return d
}

// ok reports whether recording may go on.
func (o *Ops) ok() bool { return o.g.err == nil }

// groups returns the number of workgroups of 256 invocations for a grid-stride loop over n values.
func (o *Ops) groups(n int) uint32 {
	return uint32(max(1, min((n+255)/256, int(o.g.info.MaxWorkGroupCount[0]), 1<<16)))
}

// Linear returns y = x·Wᵀ + b (OutIn) or x·W + b (InOut).
func (o *Ops) Linear(xa, wa, ba arch.Tensor) arch.Tensor {
	x, w := dev(xa), dev(wa)
	M, K := x.rows, x.cols
	N := w.rows
	if w.layout == layoutInOut {
		N = w.cols
		if w.rows != K {
			panic(fmt.Sprintf("vulkan: Linear: x is %d×%d but the InOut weight is %d×%d", x.rows, x.cols, w.rows, w.cols))
		}
	} else if w.cols != K {
		panic(fmt.Sprintf("vulkan: Linear: x is %d×%d but the OutIn weight is %d×%d", x.rows, x.cols, w.rows, w.cols))
	}
	var b *tensor
	if ba != nil {
		b = dev(ba)
		if b.numel() != N || len(b.segs) > 1 {
			panic(fmt.Sprintf("vulkan: Linear: bias of %d values for %d outputs", b.numel(), N))
		}
	}
	y := o.newTensor(M, N)
	if !o.ok() || M == 0 || N == 0 {
		return y
	}
	transB := uint32(1)
	if w.layout == layoutInOut {
		transB = 0
	}
	limit := int(min(o.g.info.MaxWorkGroupCount[1], 1<<16)) * 64
	for _, sp := range spans(0, M, limit, view{x, 0}, view{y, 0}) {
		xb, xBase := o.window(x, sp[0], sp[1])
		yb, yBase := o.window(y, sp[0], sp[1])
		m := uint32(sp[1] - sp[0])
		for wi, ws := range w.segs {
			wb, wBase := o.window(w, ws.r0, ws.r1)
			bb, bBase, flags := wb, uint32(0), uint32(0)
			var n, k, xo, yo, ldw uint32
			if transB == 1 { // weight rows are output columns [r0, r1)
				n, k, xo, yo, ldw = uint32(ws.r1-ws.r0), uint32(K), 0, uint32(ws.r0), uint32(K)
				if b != nil {
					bb, bBase = o.window(b, 0, 1)
					bBase += uint32(ws.r0)
					flags |= 1
				}
			} else { // weight rows are input columns [r0, r1): accumulate
				n, k, xo, yo, ldw = uint32(N), uint32(ws.r1-ws.r0), uint32(ws.r0), 0, uint32(N)
				if wi == 0 && b != nil {
					bb, bBase = o.window(b, 0, 1)
					flags |= 1
				}
				if wi > 0 {
					flags |= 2
				}
			}
			// vec4 loads need every contiguous run and offset they read to be whole vec4s.
			vec4 := uint32(0)
			if (xBase+xo)%4 == 0 && uint32(K)%4 == 0 && k%4 == 0 && wBase%4 == 0 && ldw%4 == 0 {
				vec4 = 1
			}
			// 128×128 tiles where the product has enough of them to fill the device, 64×64 otherwise.
			r := uint32(1)
			if gemmTile == 128 || (gemmTile == 0 && m >= 512 && n >= 512) {
				r = 2
			}
			push := []uint32{m, n, k, xBase + xo, wBase, bBase, yBase + yo, uint32(K), ldw, uint32(N), flags}
			t := 64 * r
			o.g.dispatch(o.g.pipeline("gemm", 4, transB, vec4, r), []binding{xb, wb, bb, yb}, push, (n+t-1)/t, (m+t-1)/t, 1)
		}
	}
	return y
}

// norm runs the norm kernel in mode (0 LayerNorm, 1 RMSNorm, 2 RMSNorm with unit offset).
func (o *Ops) norm(x, w, b *tensor, eps float32, mode uint32) *tensor {
	d := x.cols
	if w.numel() != d || (b != nil && b.numel() != d) {
		panic(fmt.Sprintf("vulkan: norm over %d features given a weight of %d", d, w.numel()))
	}
	y := o.newTensor(x.rows, d)
	if !o.ok() {
		return y
	}
	p := o.kernel("norm", 4)
	wb, wBase := o.window(w, 0, w.rows)
	bb, bBase, hasBias := wb, wBase, uint32(0)
	if b != nil {
		bb, bBase = o.window(b, 0, b.rows)
		hasBias = 1
	}
	for _, sp := range spans(0, x.rows, o.maxRows, view{x, 0}, view{y, 0}) {
		xb, xBase := o.window(x, sp[0], sp[1])
		yb, yBase := o.window(y, sp[0], sp[1])
		push := []uint32{uint32(d), xBase, wBase, bBase, yBase, mode, hasBias, math.Float32bits(eps)}
		o.g.dispatch(p, []binding{xb, wb, bb, yb}, push, uint32(sp[1]-sp[0]), 1, 1)
	}
	return y
}

// LayerNorm returns (x − mean)/√(var + eps)·w + b per row.
func (o *Ops) LayerNorm(x, w, b arch.Tensor, eps float32) arch.Tensor {
	var bt *tensor
	if b != nil {
		bt = dev(b)
	}
	return o.norm(dev(x), dev(w), bt, eps, 0)
}

// RMSNorm returns x/√(mean(x²) + eps)·w, or ·(1 + w) with unitOffset.
func (o *Ops) RMSNorm(x, w arch.Tensor, eps float32, unitOffset bool) arch.Tensor {
	mode := uint32(1)
	if unitOffset {
		mode = 2
	}
	return o.norm(dev(x), dev(w), nil, eps, mode)
}

// eltwise runs op of the eltwise kernel in place over io, with b as the second operand (or io again).
func (o *Ops) eltwise(io, b *tensor, op uint32, s float32) {
	if b == nil {
		b = io
	}
	if b.rows != io.rows || b.cols != io.cols {
		panic(fmt.Sprintf("vulkan: elementwise op on %d×%d and %d×%d", io.rows, io.cols, b.rows, b.cols))
	}
	if !o.ok() {
		return
	}
	p := o.g.pipeline("eltwise", 2)
	for _, sp := range spans(0, io.rows, io.rows+1, view{io, 0}, view{b, 0}) {
		ib, iBase := o.window(io, sp[0], sp[1])
		bb, bBase := o.window(b, sp[0], sp[1])
		n := (sp[1] - sp[0]) * io.cols
		o.g.dispatch(p, []binding{ib, bb}, []uint32{uint32(n), iBase, bBase, op, math.Float32bits(s)}, o.groups(n), 1, 1)
	}
}

// activationOp is the eltwise op of f, plus 3 for its gated form.
func activationOp(f arch.Activation) uint32 {
	switch f {
	case arch.GELU:
		return 3
	case arch.GELUTanh:
		return 4
	case arch.SiLU:
		return 5
	}
	panic(fmt.Sprintf("vulkan: unknown activation %d", f))
}

// Act applies f to x in place.
func (o *Ops) Act(x arch.Tensor, f arch.Activation) { o.eltwise(dev(x), nil, activationOp(f), 0) }

// GatedAct sets gate to f(gate)·up in place.
func (o *Ops) GatedAct(gate, up arch.Tensor, f arch.Activation) {
	o.eltwise(dev(gate), dev(up), activationOp(f)+3, 0)
}

// Scale multiplies x by s in place.
func (o *Ops) Scale(x arch.Tensor, s float32) { o.eltwise(dev(x), nil, 1, s) }

// SoftCap sets x to c·tanh(x/c) in place.
func (o *Ops) SoftCap(x arch.Tensor, c float32) { o.eltwise(dev(x), nil, 2, c) }

// Add returns a + b, into dst when it is given.
func (o *Ops) Add(dsta, aa, ba arch.Tensor) arch.Tensor {
	a, b := dev(aa), dev(ba)
	if a.rows != b.rows || a.cols != b.cols {
		panic(fmt.Sprintf("vulkan: Add of %d×%d and %d×%d", a.rows, a.cols, b.rows, b.cols))
	}
	var dst *tensor
	if dsta != nil {
		dst = dev(dsta)
		if dst.rows != a.rows || dst.cols != a.cols {
			panic(fmt.Sprintf("vulkan: Add into %d×%d of %d×%d", dst.rows, dst.cols, a.rows, a.cols))
		}
		switch {
		case sameStorage(dst, a):
			o.eltwise(a, b, 0, 0)
			return dst
		case sameStorage(dst, b):
			o.eltwise(b, a, 0, 0) // addition of two floats commutes exactly
			return dst
		}
	} else {
		dst = o.newTensor(a.rows, a.cols)
	}
	if !o.ok() {
		return dst
	}
	p := o.g.pipeline("add", 3)
	for _, sp := range spans(0, a.rows, a.rows+1, view{a, 0}, view{b, 0}, view{dst, 0}) {
		ab, aBase := o.window(a, sp[0], sp[1])
		bb, bBase := o.window(b, sp[0], sp[1])
		db, dBase := o.window(dst, sp[0], sp[1])
		n := (sp[1] - sp[0]) * a.cols
		o.g.dispatch(p, []binding{ab, bb, db}, []uint32{uint32(n), aBase, bBase, dBase}, o.groups(n), 1, 1)
	}
	return dst
}

// Split returns the parts of each row: groups repeats of widths[0], widths[1], … columns.
func (o *Ops) Split(xa arch.Tensor, groups int, widths ...int) []arch.Tensor {
	x := dev(xa)
	stride := 0
	for _, w := range widths {
		if w <= 0 {
			panic(fmt.Sprintf("vulkan: Split width %d", w))
		}
		stride += w
	}
	if groups <= 0 || groups*stride != x.cols {
		panic(fmt.Sprintf("vulkan: Split of %d columns into %d groups of %v", x.cols, groups, widths))
	}
	out := make([]arch.Tensor, len(widths))
	off := 0
	for i, w := range widths {
		t := o.newTensor(x.rows, groups*w)
		out[i] = t
		if o.ok() {
			o.gather(x, t, groups, w, stride, off)
		}
		off += w
	}
	return out
}

// gather runs the gather kernel from x into out.
func (o *Ops) gather(x, out *tensor, groups, w, stride, off int) {
	p := o.g.pipeline("gather", 2)
	for _, sp := range spans(0, x.rows, x.rows+1, view{x, 0}, view{out, 0}) {
		xb, xBase := o.window(x, sp[0], sp[1])
		ob, oBase := o.window(out, sp[0], sp[1])
		n := (sp[1] - sp[0]) * groups * w
		push := []uint32{uint32(sp[1] - sp[0]), uint32(groups), uint32(w), uint32(stride), uint32(off), xBase, oBase}
		o.g.dispatch(p, []binding{xb, ob}, push, o.groups(n), 1, 1)
	}
}

// Slice returns rows [r0, r1) of x, sharing its memory.
func (o *Ops) Slice(xa arch.Tensor, r0, r1 int) arch.Tensor {
	x := dev(xa)
	if r0 < 0 || r1 < r0 || r1 > x.rows {
		panic(fmt.Sprintf("vulkan: Slice [%d, %d) of %d rows", r0, r1, x.rows))
	}
	return x.slice(r0, r1)
}

// RowNorms sets dst[t] to the L2 norm of row t of x once Sync returns, accumulated in float64 on devices with
// shaderFloat64 and in double-float arithmetic on the others (rownorm.comp).
func (o *Ops) RowNorms(xa arch.Tensor, dst []float64) {
	x := dev(xa)
	if len(dst) != x.rows {
		panic(fmt.Sprintf("vulkan: RowNorms of %d rows into %d values", x.rows, len(dst)))
	}
	if !o.ok() || x.rows == 0 {
		return
	}
	out, data := o.hostResult(2 * x.rows)
	if out.buf == nil {
		return
	}
	name, kind := "rownorm", readSquaresDF
	if o.f64 {
		name, kind = "rownorm_f64", readSquares64
	}
	p := o.g.pipeline(name, 2)
	for _, sp := range spans(0, x.rows, o.maxRows, view{x, 0}) {
		xb, xBase := o.window(x, sp[0], sp[1])
		push := []uint32{uint32(x.cols), xBase, uint32(sp[0])}
		o.g.dispatch(p, []binding{xb, out}, push, uint32(sp[1]-sp[0]), 1, 1)
	}
	o.reads = append(o.reads, pendingRead{kind: kind, data: data, dst: dst})
}

// hostResult allocates n float32 values of host-visible memory that the device writes and Sync reads.
func (o *Ops) hostResult(n int) (binding, []byte) {
	size := uint64(n) * 4
	buf, off, err := o.down.alloc(size)
	if err != nil {
		o.g.fail(fmt.Errorf("host-visible results: %w", err))
		return binding{}, nil
	}
	return binding{buf: buf, off: off, size: size}, buf.host[off : off+size]
}

// NLL sets dst[t] to −log softmax(logits[t])[targets[t]] once Sync returns, with the log-softmax in float64: on the
// device where shaders have float64 (nll.comp), otherwise on the host from the logits, which then come back.
func (o *Ops) NLL(la arch.Tensor, targets []int32, dst []float64) {
	x := dev(la)
	if len(targets) != x.rows || len(dst) != x.rows {
		panic(fmt.Sprintf("vulkan: NLL of %d rows with %d targets into %d values", x.rows, len(targets), len(dst)))
	}
	for i, t := range targets {
		if t < 0 || int(t) >= x.cols {
			panic(fmt.Sprintf("vulkan: NLL target %d of row %d is outside [0, %d)", t, i, x.cols))
		}
	}
	if !o.ok() || x.rows == 0 {
		return
	}
	if !o.f64 {
		out, data := o.hostResult(x.numel())
		if out.buf == nil {
			return
		}
		host := &tensor{rows: x.rows, cols: x.cols, segs: []segment{{r0: 0, r1: x.rows, buf: out.buf, off: out.off}}}
		if uint64(x.numel())*4 > o.maxSeg {
			o.g.fail(fmt.Errorf("NLL on the host: %d logits do not fit one storage binding", x.numel()))
			return
		}
		o.gather(x, host, 1, x.cols, x.cols, 0)
		o.reads = append(o.reads, pendingRead{kind: readLogits, data: data, dst: dst, vocab: x.cols, targets: slices.Clone(targets)})
		return
	}
	out, data := o.hostResult(6 * x.rows)
	if out.buf == nil {
		return
	}
	size := uint64(len(targets)) * 4
	tbuf, toff, err := o.up.alloc(size)
	if err != nil {
		o.g.fail(fmt.Errorf("NLL targets: %w", err))
		return
	}
	for i, t := range targets {
		binary.LittleEndian.PutUint32(tbuf.host[toff+uint64(4*i):], uint32(t))
	}
	tb := binding{buf: tbuf, off: toff, size: size}
	p := o.kernel("nll", 3)
	for _, sp := range spans(0, x.rows, o.maxRows, view{x, 0}) {
		xb, xBase := o.window(x, sp[0], sp[1])
		push := []uint32{uint32(x.cols), xBase, uint32(sp[0]), uint32(sp[0])}
		o.g.dispatch(p, []binding{xb, tb, out}, push, uint32(sp[1]-sp[0]), 1, 1)
	}
	o.reads = append(o.reads, pendingRead{kind: readNLL64, data: data, dst: dst})
}

// Sync submits what was recorded, waits for it, and fills the RowNorms and NLL results.
func (o *Ops) Sync() error {
	err := o.g.submit()
	if err == nil {
		for i := range o.reads {
			o.reads[i].finish()
		}
	}
	o.reads = o.reads[:0]
	if !o.g.recording {
		o.down.rewind()
		o.up.rewind()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.where(), err)
	}
	return nil
}

// Mark returns a point in the lifetime of op results.
func (o *Ops) Mark() int { return o.act.mark() }

// Reset frees every op result made after mark.
func (o *Ops) Reset(mark int) { o.act.reset(mark) }

// Read copies t to the host: it records a gather of t into host-visible memory, syncs, and returns the values. It is
// the read-back hook of the op-set tests (opstest.Reader); a run never calls it, since only norms and losses come
// back.
func (o *Ops) Read(ta arch.Tensor) ([]float32, error) {
	x := dev(ta)
	out := make([]float32, x.numel())
	if x.numel() == 0 || !o.ok() {
		return out, o.Sync()
	}
	per, err := o.rowsPerSegment(x.cols)
	if err != nil {
		return nil, err
	}
	type part struct {
		r0   int
		data []byte
	}
	var parts []part
	for r := 0; r < x.rows; r += per {
		r1 := min(x.rows, r+per)
		hb, data := o.hostResult((r1 - r) * x.cols)
		if hb.buf == nil {
			break // the failure is recorded; Sync reports it
		}
		host := &tensor{rows: r1 - r, cols: x.cols, segs: []segment{{r0: 0, r1: r1 - r, buf: hb.buf, off: hb.off}}}
		o.gather(x.slice(r, r1), host, 1, x.cols, x.cols, 0)
		parts = append(parts, part{r, data})
	}
	if err := o.Sync(); err != nil {
		return nil, err
	}
	// Sync rewound the host arena, but nothing was allocated since, so the bytes are still there.
	for _, p := range parts {
		for i := 0; i < len(p.data)/4; i++ {
			out[p.r0*x.cols+i] = math.Float32frombits(binary.LittleEndian.Uint32(p.data[4*i:]))
		}
	}
	return out, nil
}
