package vulkan

import (
	"errors"
	"fmt"
	"slices"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// maxStagingBuffers is how many free staging buffers Ops keeps for reuse: the one being filled by a prefetch and the
// one the device is converting from, plus slack.
const maxStagingBuffers = 4

// dtypeCode is the convert kernel's code for a stored dtype.
func dtypeCode(dtype string) (uint32, int, error) {
	switch dtype {
	case checkpoint.F32:
		return 0, 4, nil
	case checkpoint.F16:
		return 1, 2, nil
	case checkpoint.BF16:
		return 2, 2, nil
	}
	return 0, 0, fmt.Errorf("dtype %s is not F32, F16 or BF16", dtype)
}

// matrixDims returns the rows and columns of a stored vector ([n] is one row) or matrix.
func matrixDims(shape []int) (int, int, error) {
	switch len(shape) {
	case 1:
		return 1, shape[0], nil
	case 2:
		return shape[0], shape[1], nil
	}
	return 0, 0, fmt.Errorf("shape %v is neither a vector nor a matrix", shape)
}

// piece is rows [r0, r1) of tensor spec of a staging job: their stored bytes src, and where they sit in staging memory.
type piece struct {
	spec   int
	r0, r1 int
	src    []byte
	dtype  uint32
	buf    *buffer
	off    uint64
}

// stageJob is the upload of a list of weights as stored: staging memory, the pieces to copy into it, and, for a
// prefetch, the goroutine copying them.
type stageJob struct {
	specs  []arch.WeightSpec
	dims   [][2]int
	pieces []piece
	bufs   []*buffer
	err    error
	done   chan struct{} // closed when the copy has finished; nil until one was started
}

// wait waits for the job's copy, if one runs.
func (j *stageJob) wait() {
	if j.done != nil {
		<-j.done
	}
}

// fill copies every piece into staging memory.
func (j *stageJob) fill() {
	for _, p := range j.pieces {
		copy(p.buf.host[p.off:], p.src)
	}
}

// release hands the job's staging buffers back once the device has read them.
func (j *stageJob) release(o *Ops) {
	o.retireStaging(j.bufs)
	j.bufs = nil
}

// rowsPerSegment returns how many rows of cols float32 values one segment holds.
func (o *Ops) rowsPerSegment(cols int) (int, error) {
	rowBytes := uint64(cols) * 4
	if cols <= 0 || rowBytes > o.maxSeg {
		return 0, fmt.Errorf("a row of %d values does not fit one storage binding (%s)", cols, formatBytes(o.maxSeg))
	}
	return int(o.maxSeg / rowBytes), nil
}

// stage reads where specs are stored, checks them against their specs, and places their pieces in staging memory.
// It does not copy.
func (o *Ops) stage(specs []arch.WeightSpec) *stageJob {
	j := &stageJob{specs: specs, dims: make([][2]int, len(specs))}
	keys := map[string]bool{}
	var sizes []uint64
	for i, s := range specs {
		if keys[s.Key] {
			j.err = fmt.Errorf("weight key %q is listed twice", s.Key)
			return j
		}
		keys[s.Key] = true
		raw, err := o.src.Raw(s.Name)
		if err != nil {
			j.err = err
			return j
		}
		if !slices.Equal(raw.Shape, s.Shape) {
			j.err = fmt.Errorf("tensor %q has shape %v, but the architecture expects %v", s.Name, raw.Shape, s.Shape)
			return j
		}
		code, size, err := dtypeCode(raw.DType)
		if err != nil {
			j.err = fmt.Errorf("tensor %q: %w", s.Name, err)
			return j
		}
		rows, cols, err := matrixDims(raw.Shape)
		if err == nil && len(raw.Data) != rows*cols*size {
			err = fmt.Errorf("%d bytes for shape %v of %s", len(raw.Data), raw.Shape, raw.DType)
		}
		per := 0
		if err == nil {
			per, err = o.rowsPerSegment(cols)
		}
		if err != nil {
			j.err = fmt.Errorf("tensor %q: %w", s.Name, err)
			return j
		}
		j.dims[i] = [2]int{rows, cols}
		for r := 0; r < rows; r += per {
			r1 := min(rows, r+per)
			j.pieces = append(j.pieces, piece{spec: i, r0: r, r1: r1, src: raw.Data[r*cols*size : r1*cols*size], dtype: code})
			sizes = append(sizes, uint64(len(j.pieces[len(j.pieces)-1].src)))
		}
	}
	places, bufs, err := o.placeStaging(sizes)
	j.bufs = bufs
	if err != nil {
		j.err = err
		return j
	}
	for i := range j.pieces {
		j.pieces[i].buf, j.pieces[i].off = places[i].buf, places[i].off
	}
	return j
}

// place is where one piece sits in staging memory.
type place struct {
	buf *buffer
	off uint64
}

// placeStaging packs pieces of the given sizes into staging buffers, reusing free ones, at aligned offsets.
func (o *Ops) placeStaging(sizes []uint64) ([]place, []*buffer, error) {
	var total uint64
	for _, s := range sizes {
		total += (s + o.align - 1) / o.align * o.align
	}
	limit := min(o.g.info.MaxMemoryAllocationSize, o.g.info.MaxBufferSize, 1<<30)
	places := make([]place, len(sizes))
	var bufs []*buffer
	var cur *buffer
	var off uint64
	for i, s := range sizes {
		s = (s + o.align - 1) / o.align * o.align
		if cur == nil || cur.size-off < s {
			want := max(min(total, limit), s)
			b, err := o.getStaging(want)
			if err != nil {
				o.retireStaging(bufs)
				return nil, nil, fmt.Errorf("staging memory: %w", err)
			}
			bufs = append(bufs, b)
			cur, off = b, 0
		}
		places[i] = place{cur, off}
		off += s
		total -= s
	}
	return places, bufs, nil
}

// getStaging returns a free staging buffer of at least size bytes, or a new one.
func (o *Ops) getStaging(size uint64) (*buffer, error) {
	for i, b := range o.staging {
		if b.size >= size {
			o.staging = slices.Delete(o.staging, i, i+1)
			return b, nil
		}
	}
	if len(o.staging) > 0 { // free ones too small: let them go rather than hold both
		o.g.release(o.staging[0])
		o.staging = o.staging[1:]
	}
	return o.g.alloc(size, memUpload)
}

// retireStaging returns staging buffers to the free list once the device has read them.
func (o *Ops) retireStaging(bufs []*buffer) {
	if len(bufs) == 0 {
		return
	}
	back := func() {
		for _, b := range bufs {
			if len(o.staging) < maxStagingBuffers {
				o.staging = append(o.staging, b)
			} else {
				o.g.release(b)
			}
		}
	}
	if o.g.recording {
		o.g.retired = append(o.g.retired, back)
	} else {
		back()
	}
}

// ownedBuffer returns a device buffer of size bytes for a weight: a pooled one of that size or a new one. When the
// device is full it drops the pool and tries again.
func (o *Ops) ownedBuffer(size uint64) (*buffer, error) {
	size = (size + 15) &^ 15
	if l := o.pool[size]; len(l) > 0 {
		b := l[len(l)-1]
		o.pool[size] = l[:len(l)-1]
		return b, nil
	}
	b, err := o.g.alloc(size, memDevice)
	if errors.Is(err, errOutOfMemory) && len(o.pool) > 0 {
		o.drainPool()
		b, err = o.g.alloc(size, memDevice)
	}
	return b, err
}

// drainPool releases every pooled buffer.
func (o *Ops) drainPool() {
	for _, l := range o.pool {
		for _, b := range l {
			o.g.release(b)
		}
	}
	clear(o.pool)
}

// newOwned allocates a rows × cols tensor in buffers of its own.
func (o *Ops) newOwned(rows, cols int) (*tensor, error) {
	t := &tensor{rows: rows, cols: cols, owned: true}
	if rows == 0 || cols == 0 {
		return t, nil
	}
	per, err := o.rowsPerSegment(cols)
	if err != nil {
		return nil, err
	}
	for r := 0; r < rows; r += per {
		n := min(per, rows-r)
		b, err := o.ownedBuffer(uint64(n) * uint64(cols) * 4)
		if err != nil {
			o.freeOwned(t)
			return nil, err
		}
		t.segs = append(t.segs, segment{r0: r, r1: r + n, buf: b})
	}
	return t, nil
}

// freeOwned returns the buffers of an owned tensor to the pool once the device is done with them.
func (o *Ops) freeOwned(t *tensor) {
	if t == nil || !t.owned {
		return
	}
	bufs := make([]*buffer, 0, len(t.segs))
	for _, s := range t.segs {
		bufs = append(bufs, s.buf)
	}
	t.segs, t.owned = nil, false
	back := func() {
		for _, b := range bufs {
			o.pool[b.size] = append(o.pool[b.size], b)
		}
	}
	if o.g.recording {
		o.g.retired = append(o.g.retired, back)
	} else {
		back()
	}
}

// convert records the conversion of a staged piece into rows [r0, r1) of t.
func (o *Ops) convert(t *tensor, p piece) {
	rows := p.r1 - p.r0
	n := rows * t.cols
	sb := binding{buf: p.buf, off: p.off, size: (uint64(len(p.src)) + 3) &^ 3}
	for _, sp := range spans(p.r0, p.r1, rows, view{t, 0}) {
		db, dBase := o.window(t, sp[0], sp[1])
		// The piece lies in one segment of t by construction, so this loop runs once.
		o.g.dispatch(o.g.pipeline("convert", 2), []binding{sb, db}, []uint32{uint32(n), 0, dBase, p.dtype}, o.groups(n), 1, 1)
	}
}

// sameSpecs reports whether a and b name the same tensors in the same order.
func sameSpecs(a, b []arch.WeightSpec) bool {
	return slices.EqualFunc(a, b, func(x, y arch.WeightSpec) bool {
		return x.Name == y.Name && x.Key == y.Key && x.Layout == y.Layout && slices.Equal(x.Shape, y.Shape)
	})
}

// Prefetch starts copying the stored bytes of specs into staging memory on another goroutine, so that the Load that
// follows only records their conversion. Errors wait for that Load.
func (o *Ops) Prefetch(specs []arch.WeightSpec) {
	if o.prefetch != nil {
		if sameSpecs(o.prefetch.specs, specs) {
			return
		}
		o.prefetch.wait()
		o.prefetch.release(o)
		o.prefetch = nil
	}
	if !o.ok() {
		return
	}
	j := o.stage(specs)
	o.prefetch = j
	if j.err != nil {
		return
	}
	j.done = make(chan struct{})
	go func() {
		defer close(j.done)
		j.fill()
	}()
}

// Load uploads specs as stored and converts them to float32 on the device. Its error says which tensor failed and,
// when the device is too small, how much memory one layer needs against what the device has.
func (o *Ops) Load(specs []arch.WeightSpec) (arch.Weights, error) {
	if err := o.g.err; err != nil {
		return nil, fmt.Errorf("%s: %w", o.where(), err)
	}
	j := o.prefetch
	o.prefetch = nil
	if j != nil && !sameSpecs(j.specs, specs) {
		j.wait()
		j.release(o)
		j = nil
	}
	if j == nil {
		j = o.stage(specs)
		if j.err == nil {
			j.fill()
		}
	} else {
		j.wait()
	}
	defer j.release(o)
	if j.err != nil {
		return nil, j.err
	}
	var need uint64
	for _, d := range j.dims {
		need += uint64(d[0]) * uint64(d[1]) * 4
	}
	if o.g.heapBytes > 0 && need > o.g.heapBytes {
		return nil, fmt.Errorf("%s: these weights need %s of device memory as float32, but the device has %s: "+
			"even one layer does not fit", o.where(), formatBytes(need), formatBytes(o.g.heapBytes))
	}
	w := make(arch.Weights, len(specs))
	ts := make([]*tensor, len(specs))
	for i, s := range specs {
		t, err := o.newOwned(j.dims[i][0], j.dims[i][1])
		if err != nil {
			for _, t := range ts[:i] {
				o.freeOwned(t)
			}
			return nil, fmt.Errorf("%s: loading weights of %s as float32, at %q: %w", o.where(), formatBytes(need), s.Name, err)
		}
		if s.Layout == arch.InOut {
			t.layout = layoutInOut
		}
		ts[i] = t
		w[s.Key] = t
	}
	for _, p := range j.pieces {
		o.convert(ts[p.spec], p)
	}
	return w, nil
}

// Unload releases weights returned by Load; their memory serves the next layer's.
func (o *Ops) Unload(w arch.Weights) {
	for _, t := range w {
		o.freeOwned(dev(t))
	}
}

// Embedding returns rows ids of the stored [vocab, d] matrix name, reading only those rows.
func (o *Ops) Embedding(name string, ids []int32) (arch.Tensor, error) {
	if err := o.g.err; err != nil {
		return nil, fmt.Errorf("%s: %w", o.where(), err)
	}
	raw, err := o.src.Raw(name)
	if err != nil {
		return nil, fmt.Errorf("embedding: %w", err)
	}
	code, size, err := dtypeCode(raw.DType)
	if err != nil {
		return nil, fmt.Errorf("embedding %q: %w", name, err)
	}
	if len(raw.Shape) != 2 || len(raw.Data) != raw.Shape[0]*raw.Shape[1]*size {
		return nil, fmt.Errorf("embedding %q: shape %v is not a [vocab, d] matrix", name, raw.Shape)
	}
	vocab, d := raw.Shape[0], raw.Shape[1]
	for i, id := range ids {
		if id < 0 || int(id) >= vocab {
			return nil, fmt.Errorf("embedding %q: token id %d at %d is outside [0, %d)", name, id, i, vocab)
		}
	}
	t, err := o.newOwned(len(ids), d)
	if err != nil {
		return nil, fmt.Errorf("embedding %q of %d tokens: %w", name, len(ids), err)
	}
	rowBytes := d * size
	var pieces []piece
	var sizes []uint64
	for _, s := range t.segs {
		pieces = append(pieces, piece{r0: s.r0, r1: s.r1, dtype: code, src: make([]byte, 0)})
		sizes = append(sizes, uint64((s.r1-s.r0)*rowBytes))
	}
	places, bufs, err := o.placeStaging(sizes)
	if err != nil {
		o.freeOwned(t)
		return nil, fmt.Errorf("embedding %q: %w", name, err)
	}
	for i := range pieces {
		p := &pieces[i]
		p.buf, p.off = places[i].buf, places[i].off
		dst := p.buf.host[p.off : p.off+sizes[i]]
		for r := p.r0; r < p.r1; r++ {
			id := int(ids[r])
			copy(dst[(r-p.r0)*rowBytes:], raw.Data[id*rowBytes:(id+1)*rowBytes])
		}
		p.src = dst
		o.convert(t, *p)
	}
	o.retireStaging(bufs)
	return t, nil
}

// Free releases a tensor returned by Embedding.
func (o *Ops) Free(t arch.Tensor) { o.freeOwned(dev(t)) }

// upload places float32 values in a new owned tensor of rows × cols, through staging memory.
func (o *Ops) uploadF32(vals []float32, rows, cols int) (*tensor, error) {
	t, err := o.newOwned(rows, cols)
	if err != nil {
		return nil, err
	}
	var sizes []uint64
	for _, s := range t.segs {
		sizes = append(sizes, uint64((s.r1-s.r0)*cols*4))
	}
	places, bufs, err := o.placeStaging(sizes)
	if err != nil {
		o.freeOwned(t)
		return nil, err
	}
	for i, s := range t.segs {
		dst := places[i].buf.host[places[i].off : places[i].off+sizes[i]]
		putFloat32s(dst, vals[s.r0*cols:s.r1*cols])
		o.convert(t, piece{r0: s.r0, r1: s.r1, src: dst, buf: places[i].buf, off: places[i].off})
	}
	o.retireStaging(bufs)
	return t, nil
}
