package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	conv "github.com/scalefit/scalefit/backends/checkpoint/decode"
	"github.com/scalefit/scalefit/internal/parallel"
	"github.com/scalefit/scalefit/internal/quote"
)

// File names of the weights inside a Hugging Face model directory.
const (
	SafetensorsFile  = "model.safetensors"
	SafetensorsIndex = "model.safetensors.index.json"
)

// Checkpoint is an opened model directory: its config.json and its memory-mapped weight files, safetensors or
// PyTorch .bin (see bin.go). Its methods are safe for concurrent use. Close it to unmap the files.
type Checkpoint struct {
	Dir        string            // the model directory
	ConfigJSON []byte            // its config.json, verbatim
	Files      []string          // the weight files, as paths, in the order they were opened
	Index      string            // the index that lists the shards, as a path; "" for a single file
	Metadata   map[string]string // the safetensors files' __metadata__, merged (the first file wins on a clash); nil for .bin

	mu      sync.RWMutex
	closed  bool
	maps    [][]byte                 // one mapping per file
	handles []*os.File               // the open files, for ReadInto
	tensors map[string]*storedTensor // parameters; buffers are left out
}

// storedTensor locates a parameter inside a mapping.
type storedTensor struct {
	file    string // path, for errors
	data    []byte // the tensor's bytes inside its file's mapping, from its first element
	dtype   string
	shape   []int
	numel   int
	strides []int // element strides of a non-contiguous view (PyTorch .bin only); nil when row-major contiguous
	handle  *os.File
	mapping []byte // the whole file's mapping
	offset  int64  // of data in the file
}

// Open opens the Hugging Face model directory dir: it reads config.json (ReadConfig), then maps model.safetensors (or
// every shard listed by model.safetensors.index.json) read-only and parses and validates every header: dtypes,
// shapes, offsets inside the file and not overlapping, and every tensor the index places in a shard present there.
// Buffers (IsBuffer) are ignored whatever their dtype. Each error is one line naming the file and, where there is
// one, the tensor. Whether the tensors are those the config implies is checked by the caller, who knows the
// architecture (package measure).
//
// A directory without safetensors weights may hold PyTorch weights instead: pytorch_model.bin, or the shards listed
// by pytorch_model.bin.index.json, in torch.save's zip or legacy format. They are mapped, validated and read in the
// same way (see bin.go). Safetensors win when a directory has both, as in transformers.
//
// Open reads only the headers (for .bin, the pickle); tensor data is read, page by page, when Float32 converts it.
func Open(dir string) (*Checkpoint, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	files, err := weightFiles(dir)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Dir: dir, ConfigJSON: cfg, Index: files[0].index, tensors: make(map[string]*storedTensor)}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	for _, wf := range files {
		if err := c.mapFile(wf); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

// weightFile is one weight file to open and, for a shard, the parameters the index says it holds.
type weightFile struct {
	path  string
	names []string // nil for a single file
	index string   // the index that lists the shard; "" for a single file
	torch bool     // a PyTorch .bin file rather than safetensors
}

// weightFiles finds the weight files of dir in the order transformers prefers them: model.safetensors, the shards
// named by model.safetensors.index.json, pytorch_model.bin, the shards named by pytorch_model.bin.index.json.
func weightFiles(dir string) ([]weightFile, error) {
	for _, f := range []struct {
		single, index string
		torch         bool
	}{{SafetensorsFile, SafetensorsIndex, false}, {PyTorchFile, PyTorchIndex, true}} {
		files, err := findWeightFiles(dir, f.single, f.index, f.torch)
		if err != nil || files != nil {
			return files, err
		}
	}
	return nil, fmt.Errorf("checkpoint: %s: no %s, %s, %s or %s", dir, SafetensorsFile, SafetensorsIndex, PyTorchFile, PyTorchIndex)
}

// findWeightFiles returns dir/single if it exists, otherwise the shards named by dir/index, or nil if neither exists.
func findWeightFiles(dir, single, indexName string, torch bool) ([]weightFile, error) {
	path := filepath.Join(dir, single)
	if _, err := os.Stat(path); err == nil {
		return []weightFile{{path: path, torch: torch}}, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	index := filepath.Join(dir, indexName)
	data, err := os.ReadFile(index)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read %s: %w", index, err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: malformed JSON: %w", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("checkpoint: %s: weight_map is missing or empty", index)
	}
	byShard := make(map[string][]string)
	for name, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || shard == "." || shard == ".." || strings.ContainsAny(shard, `/\`) {
			return nil, fmt.Errorf("checkpoint: %s: tensor %s: shard name %s is not a plain file name", index, quote.String(name), quote.String(shard))
		}
		if IsBuffer(name) {
			byShard[shard] = byShard[shard] // the shard must still exist, but the buffer is not looked for
			continue
		}
		byShard[shard] = append(byShard[shard], name)
	}
	shards := make([]string, 0, len(byShard))
	for s := range byShard {
		shards = append(shards, s)
	}
	sort.Strings(shards)
	out := make([]weightFile, 0, len(shards))
	for _, s := range shards {
		p := filepath.Join(dir, s)
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("checkpoint: %s: shard %s named in the index is missing", index, s)
			}
			return nil, fmt.Errorf("checkpoint: %s: %w", p, err)
		}
		names := byShard[s]
		sort.Strings(names)
		out = append(out, weightFile{path: p, names: names, index: index, torch: torch})
	}
	return out, nil
}

// mapFile maps one weight file, validates its header (for .bin, its pickle) and records its parameters. wf.names, for
// a shard, are the parameters the index places in it; each must be there.
func (c *Checkpoint) mapFile(wf weightFile) error {
	path := wf.path
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	c.handles = append(c.handles, f) // kept open for ReadInto; Close closes it
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("checkpoint: %s: not a regular file", path)
	}
	buf, err := mapFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	c.maps = append(c.maps, buf)
	c.Files = append(c.Files, path)

	var tensors map[string]*storedTensor
	if wf.torch {
		tensors, err = torchTensors(buf)
	} else {
		tensors, err = c.safetensorsTensors(buf)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	for _, name := range wf.names {
		if _, ok := tensors[name]; !ok {
			return fmt.Errorf("checkpoint: %s: tensor %s, which the index places in this shard, is not in it", path, quote.String(name))
		}
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	for name, t := range tensors {
		if prev, dup := c.tensors[name]; dup {
			return fmt.Errorf("checkpoint: %s: tensor %s is also in %s", path, quote.String(name), prev.file)
		}
		t.file, t.handle, t.mapping = path, f, buf
		t.offset = int64(uintptr(unsafe.Pointer(unsafe.SliceData(t.data))) - base)
		c.tensors[name] = t
	}
	return nil
}

// safetensorsTensors parses and validates the header of the safetensors file held in buf, merges its metadata into
// c.Metadata and returns its parameters.
func (c *Checkpoint) safetensorsTensors(buf []byte) (map[string]*storedTensor, error) {
	h, err := parseHeader(buf)
	if err != nil {
		return nil, err
	}
	for k, v := range h.metadata {
		if c.Metadata == nil {
			c.Metadata = make(map[string]string)
		}
		if _, dup := c.Metadata[k]; !dup {
			c.Metadata[k] = v
		}
	}
	tensors := make(map[string]*storedTensor, len(h.tensors))
	for name, t := range h.tensors {
		begin, end := h.dataStart+t.begin, h.dataStart+t.end
		tensors[name] = &storedTensor{data: buf[begin:end:end], dtype: t.dtype, shape: t.shape, numel: t.numel}
	}
	return tensors, nil
}

// lookup finds a parameter.
func (c *Checkpoint) lookup(name string) (*storedTensor, bool) {
	t, ok := c.tensors[name]
	return t, ok
}

// File returns the path of the weight file that holds the parameter name, and whether there is one.
func (c *Checkpoint) File(name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.lookup(name)
	if !ok {
		return "", false
	}
	return t.file, true
}

// Float32 converts the parameter name to float32 into a new slice, in row-major order; see Float32Into.
func (c *Checkpoint) Float32(name string) ([]float32, error) {
	c.mu.RLock()
	t, err := c.get(name)
	c.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := make([]float32, t.numel)
	return out, c.Float32Into(out, name)
}

// Float32Into converts the parameter name to float32 into dst, in row-major order; dst must hold exactly as many
// values as the tensor, so that a backend reuses one layer's buffers for the next. F32 is copied, F16 converted
// exactly (subnormals, infinities and NaNs included) and BF16 widened by a 16-bit shift. A non-contiguous view from
// a .bin file is gathered element by element. Pages of the mapping that the tensor wholly occupies are released
// afterwards, so the process's memory tracks the tensors it holds as float32.
func (c *Checkpoint) Float32Into(dst []float32, name string) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.get(name)
	if err != nil {
		return err
	}
	if len(dst) != t.numel {
		return fmt.Errorf("checkpoint: %s: tensor %q has %d values, not the %d asked for", t.file, name, t.numel, len(dst))
	}
	if t.strides != nil {
		decodeStrided(dst, t.data, t.dtype, t.shape, t.strides)
	} else {
		decode(dst, t.data, t.dtype)
	}
	release(t.data)
	return nil
}

// RowsInto converts rows rows of the 2-D parameter name ([n, cols]) to float32 into dst, one after the other:
// dst[i·cols : (i+1)·cols] = name[rows[i]]. It reads only those rows, with pread as ReadInto does, on every core,
// so that an embedding lookup reads a few megabytes of a matrix of gigabytes. dst must hold len(rows)·cols values,
// and every row must be in [0, n).
func (c *Checkpoint) RowsInto(dst []float32, name string, rows []int32) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.get(name)
	if err != nil {
		return err
	}
	if len(t.shape) != 2 {
		return fmt.Errorf("checkpoint: %s: tensor %q has shape %v, not a matrix whose rows can be read", t.file, name, t.shape)
	}
	n, cols := t.shape[0], t.shape[1]
	if len(dst) != len(rows)*cols {
		return fmt.Errorf("checkpoint: %s: tensor %q: %d rows of %d values do not fill %d", t.file, name, len(rows), cols, len(dst))
	}
	size := dtypeSizes[t.dtype]
	for _, r := range rows {
		if r < 0 || int(r) >= n {
			return fmt.Errorf("checkpoint: %s: tensor %q: row %d is outside [0, %d)", t.file, name, r, n)
		}
	}
	if t.strides != nil {
		for i, r := range rows {
			decodeStrided(dst[i*cols:(i+1)*cols], t.data[int(r)*t.strides[0]*size:], t.dtype, t.shape[1:], t.strides[1:])
		}
		return nil
	}
	const rowsPerTask = 16
	return parallel.For((len(rows)+rowsPerTask-1)/rowsPerTask, func() func(k int) error {
		buf := make([]byte, cols*size)
		return func(k int) error {
			for i := k * rowsPerTask; i < min((k+1)*rowsPerTask, len(rows)); i++ {
				if _, err := t.handle.ReadAt(buf, t.offset+int64(rows[i])*int64(cols*size)); err != nil {
					return fmt.Errorf("checkpoint: %s: tensor %q: row %d: %w", t.file, name, rows[i], err)
				}
				conv.Into(dst[i*cols:(i+1)*cols], buf, t.dtype)
			}
			return nil
		}
	})
}

// RawTensor is a parameter as stored: its dtype (F32, F16 or BF16), shape, and little-endian row-major bytes.
type RawTensor struct {
	DType string
	Shape []int
	Data  []byte
}

// Raw returns the parameter name as stored, for a backend that converts on its own device (one that uploads F16 and
// BF16 as they are). Data views the read-only file mapping and is valid until Close; it must not be written. A
// non-contiguous view from a .bin file is gathered into a new slice, still in the stored dtype.
func (c *Checkpoint) Raw(name string) (RawTensor, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.get(name)
	if err != nil {
		return RawTensor{}, err
	}
	size := dtypeSizes[t.dtype]
	r := RawTensor{DType: t.dtype, Shape: slices.Clone(t.shape)}
	if t.strides != nil {
		r.Data = gatherStrided(make([]byte, 0, t.numel*size), t.data, size, t.shape, t.strides)
	} else {
		r.Data = t.data[:t.numel*size]
	}
	return r, nil
}

// Prefetch asks the operating system to read the stored bytes of the parameters names from the files into its page
// cache, in the background, so that a later ReadInto (or Float32Into, RowsInto, Raw) does not wait on the disk. It
// returns once the reads are queued. Unknown names are skipped.
func (c *Checkpoint) Prefetch(names ...string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, name := range names {
		if t, err := c.get(name); err == nil && t.strides == nil {
			willNeed(t.mapping, int(t.offset), t.numel*dtypeSizes[t.dtype])
		}
	}
}

// ReadInto reads the parameter name as stored (its dtype, shape and little-endian row-major bytes, as Raw) into
// dst, which must hold at least its size in bytes, and returns it with Data = dst[:size]. It reads the file with
// pread rather than through the mapping, in chunks on every core: the kernel copies from its page cache through its
// own large pages, where touching a fresh 4 KiB page of a mapping costs microseconds on some virtual machines. A
// backend reuses dst from layer to layer, so that memory holds one layer as stored. A non-contiguous view from a
// .bin file is gathered from the mapping.
func (c *Checkpoint) ReadInto(dst []byte, name string) (RawTensor, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.get(name)
	if err != nil {
		return RawTensor{}, err
	}
	size := dtypeSizes[t.dtype]
	n := t.numel * size
	if len(dst) < n {
		return RawTensor{}, fmt.Errorf("checkpoint: %s: tensor %q has %d bytes, more than the %d given", t.file, name, n, len(dst))
	}
	r := RawTensor{DType: t.dtype, Shape: slices.Clone(t.shape), Data: dst[:n]}
	if t.strides != nil {
		gatherStrided(dst[:0], t.data, size, t.shape, t.strides)
		return r, nil
	}
	return r, parallel.For((n+readChunk-1)/readChunk, func() func(i int) error {
		return func(i int) error {
			lo, hi := i*readChunk, min((i+1)*readChunk, n)
			if _, err := t.handle.ReadAt(r.Data[lo:hi], t.offset+int64(lo)); err != nil {
				return fmt.Errorf("checkpoint: %s: tensor %q: %w", t.file, name, err)
			}
			return nil
		}
	})
}

// readChunk is how many bytes one goroutine of ReadInto reads at a time.
const readChunk = 4 << 20

// gatherStrided appends to dst the elements of a strided view, each size bytes, in row-major order: element
// (i_0, …, i_{n−1}) comes from element Σ i_k·strides[k] of src.
func gatherStrided(dst, src []byte, size int, shape, strides []int) []byte {
	if len(shape) == 0 {
		return append(dst, src[:size]...)
	}
	for i := range shape[0] {
		dst = gatherStrided(dst, src[i*strides[0]*size:], size, shape[1:], strides[1:])
	}
	return dst
}

// get finds the parameter name for a reader holding c.mu, or says why it cannot.
func (c *Checkpoint) get(name string) (*storedTensor, error) {
	if c.closed {
		return nil, fmt.Errorf("checkpoint: %s: tensor %q: checkpoint is closed", c.Dir, name)
	}
	t, ok := c.lookup(name)
	if !ok {
		return nil, fmt.Errorf("checkpoint: %s: no tensor %q", c.Dir, name)
	}
	return t, nil
}

// decode converts little-endian src of the given dtype into dst, which has one element per value, with package
// decode's vectorised conversion. A tensor of more than decodeChunk values is converted in chunks on every core.
func decode(dst []float32, src []byte, dtype string) {
	size := dtypeSizes[dtype]
	if !isFloatParamDType(dtype) {
		panic("checkpoint: decode: unvalidated dtype " + dtype) // parseHeader admits only F32, F16 and BF16
	}
	_ = parallel.For((len(dst)+decodeChunk-1)/decodeChunk, func() func(c int) error {
		return func(c int) error {
			lo, hi := c*decodeChunk, min((c+1)*decodeChunk, len(dst))
			conv.Into(dst[lo:hi], src[lo*size:hi*size], dtype)
			return nil
		}
	})
}

// decodeChunk is the number of values one goroutine of decode converts at a time: 1 MiB of float32.
const decodeChunk = 256 << 10

// Shape returns the shape of the parameter name and whether it exists. The slice is a copy.
func (c *Checkpoint) Shape(name string) ([]int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.lookup(name)
	if !ok {
		return nil, false
	}
	return slices.Clone(t.shape), true
}

// DType returns the stored dtype (F32, F16 or BF16) of the parameter name and whether it exists.
func (c *Checkpoint) DType(name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.lookup(name)
	if !ok {
		return "", false
	}
	return t.dtype, true
}

// Names returns the stored parameter tensors, sorted; buffers are left out.
func (c *Checkpoint) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	names := make([]string, 0, len(c.tensors))
	for n := range c.tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Close unmaps the files. After Close, Float32 returns an error. Closing twice is harmless.
func (c *Checkpoint) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for i, m := range c.maps {
		if err := unmapFile(m); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: unmap %s: %w", c.Files[i], err))
		}
	}
	for _, f := range c.handles {
		f.Close() // read-only: nothing to lose
	}
	c.maps, c.handles = nil, nil
	c.tensors = nil
	return errors.Join(errs...)
}
