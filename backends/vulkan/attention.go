package vulkan

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/backends/arch"
)

// ropeKey identifies a rotary table: the rotated dims, the inverse frequencies' bits and the scaling's bits.
type ropeKey struct {
	dims    int
	invFreq string
	scaling uint32
}

// ropeTable holds cos and sin for positions 0..n−1, [n, dims/2] each, as float32 values of float64 cos and sin.
type ropeTable struct {
	n        int
	cos, sin *tensor
}

// rotaryTable returns the table of r covering positions 0..n−1, building a larger one when needed. As arch.Rotary
// says, the angle t·InvFreq[i] is a float32 product, its cos and sin are evaluated in float64, rounded to float32 and
// multiplied by AttentionScaling; the device only looks them up.
func (o *Ops) rotaryTable(r *arch.Rotary, n int) (*ropeTable, error) {
	half := r.Dims / 2
	inv := make([]byte, 4*half)
	for i, f := range r.InvFreq {
		binary.LittleEndian.PutUint32(inv[4*i:], math.Float32bits(f))
	}
	key := ropeKey{dims: r.Dims, invFreq: string(inv), scaling: math.Float32bits(r.AttentionScaling)}
	if t := o.ropes[key]; t != nil && t.n >= n {
		return t, nil
	}
	if old := o.ropes[key]; old != nil {
		o.freeOwned(old.cos)
		o.freeOwned(old.sin)
		delete(o.ropes, key)
	}
	n = (n + 255) &^ 255
	cosv, sinv := make([]float32, n*half), make([]float32, n*half)
	for t := 0; t < n; t++ {
		for i, f := range r.InvFreq {
			theta := float64(float32(t) * f)
			cosv[t*half+i] = float32(math.Cos(theta)) * r.AttentionScaling
			sinv[t*half+i] = float32(math.Sin(theta)) * r.AttentionScaling
		}
	}
	c, err := o.uploadF32(cosv, n, half)
	if err != nil {
		return nil, err
	}
	s, err := o.uploadF32(sinv, n, half)
	if err != nil {
		o.freeOwned(c)
		return nil, err
	}
	t := &ropeTable{n: n, cos: c, sin: s}
	o.ropes[key] = t
	return t, nil
}

// putFloat32s writes vals little-endian into dst.
func putFloat32s(dst []byte, vals []float32) {
	for i, v := range vals {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// RoPE rotates, in place, the first r.Dims dims of each head of every row of x at the rows' positions in batch.
func (o *Ops) RoPE(xa arch.Tensor, heads, headDim int, r *arch.Rotary, batch *arch.Batch) {
	x := dev(xa)
	if heads <= 0 || headDim <= 0 || heads*headDim != x.cols {
		panic(fmt.Sprintf("vulkan: RoPE of %d heads of %d dims on a %d×%d tensor", heads, headDim, x.rows, x.cols))
	}
	if r.Dims < 0 || r.Dims%2 != 0 || r.Dims > headDim || len(r.InvFreq) != r.Dims/2 {
		panic(fmt.Sprintf("vulkan: RoPE of %d dims with %d frequencies in heads of %d", r.Dims, len(r.InvFreq), headDim))
	}
	if batch.Tokens() != x.rows {
		panic(fmt.Sprintf("vulkan: RoPE over a batch of %d tokens on %d rows", batch.Tokens(), x.rows))
	}
	if r.Dims == 0 || !o.ok() {
		return
	}
	longest := 0
	for _, l := range batch.Lens {
		longest = max(longest, l)
	}
	tab, err := o.rotaryTable(r, longest)
	if err != nil {
		o.g.fail(fmt.Errorf("rotary table: %w", err))
		return
	}
	half := r.Dims / 2
	p := o.g.pipeline("rope", 3)
	s0 := 0
	for _, l := range batch.Lens {
		for _, sp := range spans(s0, s0+l, s0+l, view{x, 0}, view{tab.cos, -s0}, view{tab.sin, -s0}) {
			xb, xBase := o.window(x, sp[0], sp[1])
			cb, cBase := o.window(tab.cos, sp[0]-s0, sp[1]-s0)
			sb, sBase := o.window(tab.sin, sp[0]-s0, sp[1]-s0)
			rows := sp[1] - sp[0]
			push := []uint32{uint32(rows), uint32(heads), uint32(headDim), uint32(half), uint32(x.cols), xBase, cBase, sBase}
			o.g.dispatch(p, []binding{xb, cb, sb}, push, o.groups(rows*heads*half), 1, 1)
		}
		s0 += l
	}
}

// attentionBlock returns the block size B of the attention kernel for head dim hd: the largest of 16, 8 and 4 whose
// shared memory (B·hd queries, B·(hd+1) keys or values, B·B scores) and B·B invocations the device allows.
func (o *Ops) attentionBlock(hd int) (int, error) {
	for _, b := range []int{16, 8, 4} {
		shared := 4 * (b*hd + b*(hd+1) + b*b)
		if shared <= int(o.g.info.MaxSharedMemory) && b*b <= int(o.g.info.MaxWorkGroupInvocations) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("attention heads of %d dims need more shared memory than the device's %d bytes", hd, o.g.info.MaxSharedMemory)
}

// Attention returns causal softmax attention of q, k and v within each sequence of batch, computed by the fused
// kernel in attention.comp.
func (o *Ops) Attention(qa, ka, va arch.Tensor, a *arch.Attention, batch *arch.Batch) arch.Tensor {
	q, k, v := dev(qa), dev(ka), dev(va)
	H, KV, hd := a.Heads, a.KVHeads, a.HeadDim
	if H <= 0 || KV <= 0 || hd <= 0 || H%KV != 0 || q.cols != H*hd || k.cols != KV*hd || v.cols != KV*hd ||
		k.rows != q.rows || v.rows != q.rows || a.Window < 0 {
		panic(fmt.Sprintf("vulkan: Attention of %d heads (%d kv) of %d dims on q %d×%d, k %d×%d, v %d×%d (window %d)",
			H, KV, hd, q.rows, q.cols, k.rows, k.cols, v.rows, v.cols, a.Window))
	}
	if batch.Tokens() != q.rows {
		panic(fmt.Sprintf("vulkan: Attention over a batch of %d tokens on %d rows", batch.Tokens(), q.rows))
	}
	out := o.newTensor(q.rows, H*hd)
	if !o.ok() {
		return out
	}
	B, err := o.attentionBlock(hd)
	if err != nil {
		o.g.fail(err)
		return out
	}
	if H > int(o.g.info.MaxWorkGroupCount[1]) {
		o.g.fail(fmt.Errorf("attention with %d heads exceeds the device's %d workgroups", H, o.g.info.MaxWorkGroupCount[1]))
		return out
	}
	p := o.g.pipeline("attention", 4, uint32(B), uint32(hd), uint32((hd+B-1)/B), uint32(B*B))
	s0 := 0
	for _, l := range batch.Lens {
		if l == 0 {
			continue
		}
		ts := []*tensor{q, k, v, out}
		var binds []binding
		var bases []uint32
		for _, t := range ts {
			s := t.seg(s0)
			if s0+l > s.r1 {
				o.g.fail(fmt.Errorf("a sequence of %d tokens of %d values does not fit one storage binding (%s)", l, t.cols, formatBytes(o.maxSeg)))
				return out
			}
			b, base := o.window(t, s0, s0+l)
			binds, bases = append(binds, b), append(bases, base)
		}
		push := []uint32{uint32(l), bases[0], bases[1], bases[2], bases[3], uint32(q.cols), uint32(k.cols), uint32(v.cols),
			uint32(out.cols), uint32(H / KV), uint32(a.Window), math.Float32bits(a.Scale), math.Float32bits(a.SoftCap)}
		o.g.dispatch(p, binds, push, uint32((l+B-1)/B), uint32(H), 1)
		s0 += l
	}
	return out
}
