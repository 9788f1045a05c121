package vulkan

import (
	"fmt"
)

// tensor is a device tensor of rows × cols float32 values in row-major order. It is stored as one or more segments of
// whole rows, each inside one buffer and small enough for one storage-buffer binding (maxStorageBufferRange is 128
// MiB on some devices, so a vocabulary-sized matrix takes several). Most tensors have one segment.
type tensor struct {
	rows, cols int
	segs       []segment
	layout     layoutKind // how Linear reads it, when it is a weight
	owned      bool       // its buffers belong to it alone (Load, Embedding) and go back to the pool on Unload or Free
}

// layoutKind mirrors arch.Layout without importing it into the storage code.
type layoutKind int

const (
	layoutOutIn layoutKind = iota
	layoutInOut
)

// segment is rows [r0, r1) of a tensor, stored from byte off of buf.
type segment struct {
	r0, r1 int
	buf    *buffer
	off    uint64
}

func (t *tensor) Rows() int { return t.rows }
func (t *tensor) Cols() int { return t.cols }

// numel is rows·cols.
func (t *tensor) numel() int { return t.rows * t.cols }

// seg returns the segment holding row r.
func (t *tensor) seg(r int) *segment {
	for i := range t.segs {
		if r >= t.segs[i].r0 && r < t.segs[i].r1 {
			return &t.segs[i]
		}
	}
	panic(fmt.Sprintf("vulkan: row %d is outside the %d×%d tensor's segments", r, t.rows, t.cols))
}

// slice returns rows [r0, r1) of t as a tensor sharing t's storage.
func (t *tensor) slice(r0, r1 int) *tensor {
	s := &tensor{rows: r1 - r0, cols: t.cols, layout: t.layout}
	for _, g := range t.segs {
		a, b := max(g.r0, r0), min(g.r1, r1)
		if a >= b {
			continue
		}
		s.segs = append(s.segs, segment{r0: a - r0, r1: b - r0, buf: g.buf, off: g.off + uint64(a-g.r0)*uint64(t.cols)*4})
	}
	return s
}

// sameStorage reports whether a and b are the same rows of the same memory.
func sameStorage(a, b *tensor) bool {
	if a == b {
		return true
	}
	if a.rows != b.rows || a.cols != b.cols || len(a.segs) != len(b.segs) || len(a.segs) == 0 {
		return false
	}
	for i := range a.segs {
		if a.segs[i] != b.segs[i] {
			return false
		}
	}
	return true
}

// view is a tensor whose row r is row r + shift of its own rows, for walking several tensors at once.
type view struct {
	t     *tensor
	shift int
}

// spans splits rows [r0, r1) into pieces of at most limit rows in which every view's rows lie in one segment.
func spans(r0, r1, limit int, views ...view) [][2]int {
	var out [][2]int
	for r := r0; r < r1; {
		end := min(r1, r+limit)
		for _, v := range views {
			if v.t.rows == 0 {
				continue
			}
			s := v.t.seg(r + v.shift)
			end = min(end, s.r1-v.shift)
		}
		out = append(out, [2]int{r, end})
		r = end
	}
	return out
}

// window returns the binding that sees rows [r0, r1) of t, which lie in one segment, and the element offset of row
// r0 inside it. The binding's offset is rounded down to the device's alignment.
func (o *Ops) window(t *tensor, r0, r1 int) (binding, uint32) {
	s := t.seg(r0)
	if r1 > s.r1 || r1 < r0 {
		panic(fmt.Sprintf("vulkan: rows [%d, %d) cross a segment boundary at %d", r0, r1, s.r1))
	}
	start := s.off + uint64(r0-s.r0)*uint64(t.cols)*4
	aligned := start - start%o.align
	end := start + uint64(r1-r0)*uint64(t.cols)*4
	return binding{buf: s.buf, off: aligned, size: end - aligned}, uint32((start - aligned) / 4)
}

// arenaPos is a position in an arena: the block and the byte offset in it where the next allocation goes.
type arenaPos struct {
	blk int
	off uint64
}

// arena hands out device memory for op results from a list of large buffers, stack-wise: Mark saves the position,
// Reset returns to it, and the buffers are reused by what comes next. Buffers are only released by free. Each new
// buffer is as large as all before it together (at least minBlock, at most blockSize unless one request needs more),
// so the arena holds at most about twice the most it was asked for at once.
type arena struct {
	g         *gpu
	kind      memKind
	align     uint64
	minBlock  uint64
	blockSize uint64
	blocks    []*buffer
	pos       arenaPos
	marks     []arenaPos
}

// bytes is the memory the arena holds.
func (a *arena) bytes() uint64 {
	var n uint64
	for _, b := range a.blocks {
		n += b.size
	}
	return n
}

// alloc returns size bytes at an aligned offset of some block.
func (a *arena) alloc(size uint64) (*buffer, uint64, error) {
	size = (size + a.align - 1) / a.align * a.align
	if a.pos.blk < len(a.blocks) && a.blocks[a.pos.blk].size-a.pos.off >= size {
		b, off := a.blocks[a.pos.blk], a.pos.off
		a.pos.off += size
		return b, off, nil
	}
	next := a.pos.blk
	if next < len(a.blocks) {
		next++ // the current block is full
	}
	if next >= len(a.blocks) || a.blocks[next].size < size {
		b, err := a.g.alloc(max(min(max(a.bytes(), a.minBlock), a.blockSize), size), a.kind)
		if err != nil {
			return nil, 0, err
		}
		a.blocks = append(a.blocks, nil)
		copy(a.blocks[next+1:], a.blocks[next:])
		a.blocks[next] = b
	}
	a.pos = arenaPos{blk: next, off: size}
	return a.blocks[next], 0, nil
}

// mark saves the current position and returns its index.
func (a *arena) mark() int {
	a.marks = append(a.marks, a.pos)
	return len(a.marks) - 1
}

// reset returns to mark m, which stays valid for further resets.
func (a *arena) reset(m int) {
	if m < 0 || m >= len(a.marks) {
		panic(fmt.Sprintf("vulkan: Reset(%d) without that Mark", m))
	}
	a.pos = a.marks[m]
	a.marks = a.marks[:m+1]
}

// rewind returns to the start, dropping every mark.
func (a *arena) rewind() {
	a.pos = arenaPos{}
	a.marks = a.marks[:0]
}

// free releases every block.
func (a *arena) free() {
	for _, b := range a.blocks {
		a.g.free(b)
	}
	a.blocks = nil
	a.rewind()
}
