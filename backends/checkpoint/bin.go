package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// File names of PyTorch weights inside a Hugging Face model directory. Open reads them when the directory has no
// safetensors weights; Pythia's training-checkpoint revisions (step0 … step143000) hold only these.
const (
	PyTorchFile  = "pytorch_model.bin"
	PyTorchIndex = "pytorch_model.bin.index.json"
)

// A PyTorch .bin file is what torch.save writes for a state dict: a pickle of an (ordered) dict from tensor names to
// tensors, each tensor a strided view (storage offset, size, stride) into a storage, a flat typed buffer that several
// tensors may share. The storages' bytes are stored raw and little-endian in one of two layouts:
//
//   - the zip format (torch ≥ 1.6, the default): a zip archive holding <archive>/data.pkl, the pickle, and one
//     record <archive>/data/<key> per storage. torch writes every record uncompressed ("stored").
//   - the legacy format (_use_new_zipfile_serialization=False): five pickles back to back (a magic number, the
//     protocol version 1001, system information, the state dict, the list of storage keys), then, for each key in
//     that order, an 8-byte little-endian element count followed by the storage's bytes.
//
// Either way the storages lie uncompressed inside the file, so a .bin file is memory-mapped and decoded in place
// exactly like a safetensors file: Open reads only the pickle (and the zip directory), and Float32 converts one
// tensor's bytes from the mapping. Memory therefore behaves as for safetensors — the process holds the float32
// tensors it has asked for, not the file — rather than holding a whole shard as float32, as a full unpickle with
// gopickle's pytorch.Load would. The pickle itself is decoded with gopickle's unpickler, which builds plain values
// and never runs code named by the file; the torch classes it names are interpreted here.

// maxPickleBytes bounds a zip checkpoint's data.pkl. Pythia-12B's is a few hundred kilobytes; anything near this is
// corruption.
const maxPickleBytes = 256 << 20

// legacyMagic is the magic number, in hex, that opens a legacy torch.save file; legacyProtocol follows it.
const (
	legacyMagic    = "1950a86a20f9469cfc6c"
	legacyProtocol = 1001
)

// torchStorageType is a torch.<Name> storage class as the pickle names it: the element type of a storage. dtype is
// the safetensors spelling, or "" for a class whose layout is unknown here.
type torchStorageType struct {
	name  string
	dtype string
	size  int // bytes per element; 0 when unknown
}

// torchStorageTypes maps the storage classes torch.save names to their element types.
var torchStorageTypes = map[string]torchStorageType{
	"DoubleStorage":        {"DoubleStorage", "F64", 8},
	"FloatStorage":         {"FloatStorage", F32, 4},
	"HalfStorage":          {"HalfStorage", F16, 2},
	"BFloat16Storage":      {"BFloat16Storage", BF16, 2},
	"LongStorage":          {"LongStorage", "I64", 8},
	"IntStorage":           {"IntStorage", "I32", 4},
	"ShortStorage":         {"ShortStorage", "I16", 2},
	"CharStorage":          {"CharStorage", "I8", 1},
	"ByteStorage":          {"ByteStorage", "U8", 1},
	"BoolStorage":          {"BoolStorage", "BOOL", 1},
	"ComplexFloatStorage":  {"ComplexFloatStorage", "C64", 8},
	"ComplexDoubleStorage": {"ComplexDoubleStorage", "C128", 16},
	"QInt8Storage":         {"QInt8Storage", "QI8", 1},
	"QUInt8Storage":        {"QUInt8Storage", "QU8", 1},
	"QInt32Storage":        {"QInt32Storage", "QI32", 4},
}

// torchStorage is one storage of a checkpoint, shared by every tensor that views it. Its bytes are located after the
// pickle has been read; err says why they could not be, and is reported only if a parameter uses the storage.
type torchStorage struct {
	key   string
	typ   *torchStorageType
	numel int    // elements, as the pickle declares
	data  []byte // numel·typ.size bytes inside the file's mapping, once located
	err   error

	// A legacy storage view: numel elements from element viewOffset of root.
	root       *torchStorage
	viewOffset int
}

// torchTensor is a tensor as the pickle rebuilds it: a strided view into a storage.
type torchTensor struct {
	storage *torchStorage
	offset  int // in elements
	shape   []int
	stride  []int // in elements
}

// torchTensors parses the PyTorch checkpoint held in buf (the whole file) and returns its parameters, each viewing
// the bytes of buf. Buffers (IsBuffer) are skipped whatever they hold. Every parameter must be a dense F32, F16 or
// BF16 tensor lying inside its storage; strided views are kept as such and gathered by Float32. Errors are one line
// and name the tensor where there is one; the caller adds the file.
func torchTensors(buf []byte) (tensors map[string]*storedTensor, err error) {
	var root any
	var storages map[string]*torchStorage
	switch {
	case bytes.HasPrefix(buf, []byte("PK\x03\x04")):
		root, storages, err = readTorchZip(buf)
	case len(buf) > 0 && buf[0] == 0x80: // the pickle PROTO opcode
		root, storages, err = readTorchLegacy(buf)
	case bytes.HasPrefix(buf, []byte("version https://git-lfs")):
		return nil, errors.New("a Git LFS pointer, not the weights: fetch them (git lfs pull, or huggingface-cli download)")
	default:
		return nil, errors.New("not a PyTorch checkpoint: neither a zip archive (torch.save's format since torch 1.6) nor a legacy torch.save pickle")
	}
	if err != nil {
		return nil, err
	}
	for _, s := range storages {
		if s.root != nil {
			s.resolveView()
		}
	}
	entries, err := stateDictEntries(root)
	if err != nil {
		return nil, err
	}
	tensors = make(map[string]*storedTensor, len(entries))
	for _, e := range entries {
		if IsBuffer(e.name) {
			continue
		}
		t, ok := e.value.(*torchTensor)
		if !ok {
			return nil, fmt.Errorf("tensor %q: the state dict holds %s, not a tensor", e.name, describe(e.value))
		}
		st, err := t.stored(e.name)
		if err != nil {
			return nil, err
		}
		tensors[e.name] = st
	}
	return tensors, nil
}

// readTorchZip reads the pickle of a zip-format checkpoint and locates each storage's record.
func readTorchZip(buf []byte) (any, map[string]*torchStorage, error) {
	zr, err := zip.NewReader(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable zip archive (truncated or corrupt): %w", err)
	}
	records := make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	for _, f := range zr.File {
		records[f.Name] = f
		dir, base, ok := strings.Cut(f.Name, "/")
		if !ok || dir == "" || strings.Contains(base, "/") {
			continue
		}
		switch base {
		case "data.pkl":
			if pkl != nil {
				return nil, nil, fmt.Errorf("zip archive holds two pickles, %s and %s", pkl.Name, f.Name)
			}
			pkl = f
		case "constants.pkl":
			return nil, nil, fmt.Errorf("%s: a TorchScript archive, not a torch.save state dict", f.Name)
		}
	}
	if pkl == nil {
		return nil, nil, errors.New("zip archive has no <archive>/data.pkl record: not written by torch.save")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	if bo := records[prefix+"byteorder"]; bo != nil {
		b, err := readRecord(bo, 16)
		if err != nil {
			return nil, nil, err
		}
		if s := strings.TrimSpace(string(b)); s != "little" {
			return nil, nil, fmt.Errorf("%s: byte order %q is not supported (want little)", bo.Name, s)
		}
	}
	data, err := readRecord(pkl, maxPickleBytes)
	if err != nil {
		return nil, nil, err
	}
	storages := make(map[string]*torchStorage)
	root, _, err := unpickle(data, func(pid any) (any, error) { return zipPersistentLoad(pid, storages) })
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	for _, s := range storages {
		s.locateZip(buf, records, prefix)
	}
	return root, storages, nil
}

// readRecord reads a small zip record whole, refusing one of more than limit bytes. Reading it to the end checks its
// CRC-32.
func readRecord(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("record %s is %d bytes, more than the %d expected", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", f.Name, err)
	}
	return b, nil
}

// zipPersistentLoad resolves a zip checkpoint's persistent id ('storage', <class>, key, location, numel).
func zipPersistentLoad(pid any, storages map[string]*torchStorage) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() < 5 || t.Get(0) != "storage" {
		return nil, fmt.Errorf("persistent id %s is not ('storage', class, key, location, numel)", describe(pid))
	}
	return storageRef(storages, t.Get(1), t.Get(2), t.Get(4))
}

// storageRef returns the storage named key, creating it on first sight.
func storageRef(storages map[string]*torchStorage, class, key, numel any) (*torchStorage, error) {
	k, ok := key.(string)
	if !ok {
		return nil, fmt.Errorf("storage key %s is not a string", describe(key))
	}
	if s, ok := storages[k]; ok {
		return s, nil
	}
	n, err := pyInt(numel)
	if err != nil || n < 0 || n > 1<<48 {
		return nil, fmt.Errorf("storage %s: element count %s is not a sane integer", k, describe(numel))
	}
	s := &torchStorage{key: k, numel: n}
	switch c := class.(type) {
	case *torchStorageType:
		s.typ = c
	case *pyClass:
		s.typ = &torchStorageType{name: c.module + "." + c.name}
	default:
		return nil, fmt.Errorf("storage %s: type %s is not a storage class", k, describe(class))
	}
	storages[k] = s
	return s, nil
}

// locateZip points s at its record's bytes inside buf.
func (s *torchStorage) locateZip(buf []byte, records map[string]*zip.File, prefix string) {
	if s.typ.size == 0 {
		s.err = fmt.Errorf("storage %s: type %s is not supported", s.key, s.typ.name)
		return
	}
	name := prefix + "data/" + s.key
	f := records[name]
	if f == nil {
		s.err = fmt.Errorf("storage %s: zip record %s is missing", s.key, name)
		return
	}
	if f.Method != zip.Store {
		s.err = fmt.Errorf("storage %s: zip record %s is compressed (method %d), but torch.save stores records uncompressed", s.key, name, f.Method)
		return
	}
	need := uint64(s.numel) * uint64(s.typ.size) // numel ≤ 2^48, size ≤ 16: no overflow
	if f.UncompressedSize64 < need {
		s.err = fmt.Errorf("storage %s: zip record %s holds %d bytes, but %d %s elements need %d", s.key, name, f.UncompressedSize64, s.numel, s.typ.dtype, need)
		return
	}
	off, err := f.DataOffset()
	if err != nil {
		s.err = fmt.Errorf("storage %s: zip record %s: %w", s.key, name, err)
		return
	}
	if off < 0 || uint64(off) > uint64(len(buf)) || need > uint64(len(buf))-uint64(off) {
		s.err = fmt.Errorf("storage %s: zip record %s runs past the end of the file: the file is truncated", s.key, name)
		return
	}
	s.data = buf[off : uint64(off)+need : uint64(off)+need]
}

// readTorchLegacy reads the pickles of a legacy checkpoint and lays out the storages that follow them.
func readTorchLegacy(buf []byte) (any, map[string]*torchStorage, error) {
	pos := 0
	next := func(persistentLoad func(any) (any, error)) (any, error) {
		v, n, err := unpickle(buf[pos:], persistentLoad)
		pos += n
		return v, err
	}
	magic, err := next(nil)
	if n, ok := magic.(*big.Int); err != nil || !ok || n.Text(16) != legacyMagic {
		return nil, nil, errors.New("not a PyTorch checkpoint: a pickle without torch.save's magic number")
	}
	if v, err := next(nil); err != nil {
		return nil, nil, fmt.Errorf("protocol-version pickle: %w", err)
	} else if v != legacyProtocol {
		return nil, nil, fmt.Errorf("legacy torch.save protocol %s is not supported (want %d)", describe(v), legacyProtocol)
	}
	sysInfo, err := next(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("system-information pickle: %w", err)
	}
	if d, ok := sysInfo.(*types.Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le != true {
			return nil, nil, errors.New("written on a big-endian machine: not supported")
		}
	}
	storages := make(map[string]*torchStorage)
	root, err := next(func(pid any) (any, error) { return legacyPersistentLoad(pid, storages) })
	if err != nil {
		return nil, nil, fmt.Errorf("state-dict pickle: %w", err)
	}
	keysObj, err := next(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("storage-key pickle: %w", err)
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, nil, fmt.Errorf("storage-key pickle holds %s, not a list", describe(keysObj))
	}
	if err := layOutLegacy(buf, pos, *keys, storages); err != nil {
		return nil, nil, err
	}
	return root, storages, nil
}

// legacyPersistentLoad resolves a legacy checkpoint's persistent id ('storage', <class>, root key, location, numel,
// view) where view is None or (view key, offset, numel), or ('module', …) for a pickled module's source.
func legacyPersistentLoad(pid any, storages map[string]*torchStorage) (any, error) {
	t, ok := pid.(*types.Tuple)
	if ok && t.Len() >= 1 && t.Get(0) == "module" {
		return &pyObject{class: &pyClass{module: "torch", name: "module"}}, nil
	}
	if !ok || t.Len() < 6 || t.Get(0) != "storage" {
		return nil, fmt.Errorf("persistent id %s is not ('storage', class, key, location, numel, view)", describe(pid))
	}
	root, err := storageRef(storages, t.Get(1), t.Get(2), t.Get(4))
	if err != nil || t.Get(5) == nil {
		return root, err
	}
	view, ok := t.Get(5).(*types.Tuple)
	if !ok || view.Len() != 3 {
		return nil, fmt.Errorf("storage %s: view %s is not (key, offset, numel)", root.key, describe(t.Get(5)))
	}
	s, err := storageRef(storages, t.Get(1), view.Get(0), view.Get(2))
	if err != nil {
		return nil, err
	}
	if s.root == nil && s != root {
		off, err := pyInt(view.Get(1))
		if err != nil || off < 0 {
			return nil, fmt.Errorf("storage %s: view offset %s is not a non-negative integer", s.key, describe(view.Get(1)))
		}
		s.root, s.viewOffset = root, off
	}
	return s, nil
}

// layOutLegacy locates the storages of a legacy checkpoint, which follow the pickles from byte pos in the order of
// keys, each as an 8-byte little-endian element count and the elements. A storage that runs past the end of the
// file, and every one after it, is marked truncated.
func layOutLegacy(buf []byte, pos int, keys []any, storages map[string]*torchStorage) error {
	var truncated error
	for _, k := range keys {
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("storage key %s is not a string", describe(k))
		}
		s := storages[key]
		if s == nil {
			return fmt.Errorf("storage %s is listed but no tensor uses it, so its size is unknown", key)
		}
		if truncated != nil {
			s.err = truncated
			continue
		}
		if s.typ.size == 0 {
			return fmt.Errorf("storage %s: type %s is not supported, so the storages after it cannot be found", key, s.typ.name)
		}
		if len(buf)-pos < 8 {
			truncated = fmt.Errorf("storage %s: the file ends before it: the file is truncated", key)
			s.err = truncated
			continue
		}
		n := binary.LittleEndian.Uint64(buf[pos:])
		if n > 1<<48 {
			return fmt.Errorf("storage %s: element count %d is absurd", key, n)
		}
		if n != uint64(s.numel) {
			return fmt.Errorf("storage %s: the file stores %d elements, but the pickle declares %d", key, n, s.numel)
		}
		pos += 8
		size := int(n) * s.typ.size
		if size > len(buf)-pos {
			truncated = fmt.Errorf("storage %s: %d bytes from offset %d run past the end of the file (%d bytes): the file is truncated", key, size, pos, len(buf))
			s.err = truncated
			continue
		}
		s.data = buf[pos : pos+size : pos+size]
		pos += size
	}
	for _, s := range storages {
		if s.root == nil && s.data == nil && s.err == nil {
			s.err = fmt.Errorf("storage %s is not in the file's list of storages", s.key)
		}
	}
	return nil
}

// resolveView points a legacy storage view at its part of the root storage.
func (s *torchStorage) resolveView() {
	r := s.root
	switch {
	case r.err != nil:
		s.err = r.err
	case r.typ.size == 0 || s.typ.name != r.typ.name:
		s.err = fmt.Errorf("storage %s: a view of storage %s with another type", s.key, r.key)
	case s.viewOffset > r.numel || s.numel > r.numel-s.viewOffset:
		s.err = fmt.Errorf("storage %s: view [%d, %d) lies outside storage %s of %d elements", s.key, s.viewOffset, s.viewOffset+s.numel, r.key, r.numel)
	default:
		es := r.typ.size
		s.data = r.data[s.viewOffset*es : (s.viewOffset+s.numel)*es]
	}
}

// stored checks that the tensor is a float parameter lying inside its storage and returns it as a storedTensor
// whose data begins at its first element. A tensor that is not row-major contiguous keeps its strides.
func (t *torchTensor) stored(name string) (*storedTensor, error) {
	s := t.storage
	switch {
	case s.typ.dtype == "":
		return nil, fmt.Errorf("tensor %q: storage type %s is not supported", name, s.typ.name)
	case !isFloatParamDType(s.typ.dtype):
		return nil, fmt.Errorf("tensor %q: dtype %s (torch.%s) is not supported for a parameter (want F32, F16 or BF16)", name, s.typ.dtype, s.typ.name)
	case s.err != nil:
		return nil, fmt.Errorf("tensor %q: %w", name, s.err)
	case len(t.stride) != len(t.shape):
		return nil, fmt.Errorf("tensor %q: shape %v and stride %v differ in rank", name, t.shape, t.stride)
	case t.offset < 0:
		return nil, fmt.Errorf("tensor %q: storage offset %d is negative", name, t.offset)
	}
	numel, err := shapeNumel(t.shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	st := &storedTensor{dtype: s.typ.dtype, shape: t.shape, numel: int(numel), data: []byte{}}
	if numel == 0 {
		return st, nil
	}
	// last is the storage index of the tensor's last element: offset + Σ (shape_i − 1)·stride_i.
	last := t.offset
	contiguous, want := true, 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		d, str := t.shape[i], t.stride[i]
		if str < 0 {
			return nil, fmt.Errorf("tensor %q: stride %v has a negative step", name, t.stride)
		}
		if d > 1 {
			if str != 0 && d-1 > (s.numel-last)/str {
				last = s.numel // out of range; reported below
			} else {
				last += (d - 1) * str
			}
			contiguous = contiguous && str == want
		}
		want *= d
	}
	if last >= s.numel {
		return nil, fmt.Errorf("tensor %q: shape %v with stride %v at offset %d reaches past storage %s of %d elements", name, t.shape, t.stride, t.offset, s.key, s.numel)
	}
	es := s.typ.size
	if contiguous {
		st.data = s.data[t.offset*es : (t.offset+int(numel))*es]
	} else {
		st.data = s.data[t.offset*es : (last+1)*es]
		st.strides = t.stride
	}
	return st, nil
}

// decodeStrided converts a strided tensor to float32 in row-major order: element (i_0, …, i_{n−1}) is read from
// element Σ i_k·strides[k] of src, which begins at the tensor's first element.
func decodeStrided(dst []float32, src []byte, dtype string, shape, strides []int) {
	size := dtypeSizes[dtype]
	idx := make([]int, len(shape))
	off := 0
	for i := range dst {
		decode(dst[i:i+1], src[off*size:], dtype)
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k]++
			off += strides[k]
			if idx[k] < shape[k] {
				break
			}
			off -= strides[k] * shape[k]
			idx[k] = 0
		}
	}
}

// stateDictEntry is one name → value pair of a state dict.
type stateDictEntry struct {
	name  string
	value any
}

// stateDictEntries lists the entries of the pickled state dict, an OrderedDict or a dict with string keys. A key
// set twice keeps its last value, as in Python.
func stateDictEntries(root any) ([]stateDictEntry, error) {
	var out []stateDictEntry
	seen := make(map[string]int)
	add := func(k, v any) error {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("state dict key %s is not a string", describe(k))
		}
		if i, dup := seen[name]; dup {
			out[i].value = v
			return nil
		}
		seen[name] = len(out)
		out = append(out, stateDictEntry{name, v})
		return nil
	}
	switch d := root.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			entry := e.Value.(*types.OrderedDictEntry)
			if err := add(entry.Key, entry.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, entry := range *d {
			if err := add(entry.Key, entry.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("the pickle holds %s, not a state dict (a dict of tensors)", describe(root))
	}
	return out, nil
}

// unpickle decodes the pickle at the start of b, with the torch classes interpreted, and returns it and its length
// in bytes; persistentLoad resolves persistent ids (nil: none allowed). pickleLen vets the opcodes first, since
// gopickle allocates whatever length an opcode declares; a panic in gopickle on malformed input becomes an error.
func unpickle(b []byte, persistentLoad func(any) (any, error)) (v any, n int, err error) {
	n, err = pickleLen(b)
	if err != nil {
		return nil, 0, err
	}
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("malformed pickle: %v", p)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(b[:n]))
	u.FindClass = findTorchClass
	u.PersistentLoad = persistentLoad
	v, err = u.Load()
	if err != nil {
		return nil, 0, fmt.Errorf("malformed pickle: %w", err)
	}
	return v, n, nil
}

// findTorchClass resolves the globals a torch.save pickle names: the tensor rebuild functions and the storage
// classes. Any other global becomes an inert placeholder, so that odd values elsewhere in a file do no harm unless a
// parameter is one of them.
func findTorchClass(module, name string) (any, error) {
	if module == "torch._utils" {
		switch name {
		case "_rebuild_tensor", "_rebuild_tensor_v2":
			return rebuildTensor{}, nil
		case "_rebuild_parameter", "_rebuild_parameter_with_state":
			return rebuildParameter{}, nil
		}
	}
	if module == "torch" && strings.HasSuffix(name, "Storage") {
		if t, ok := torchStorageTypes[name]; ok {
			return &t, nil
		}
	}
	return &pyClass{module: module, name: name}, nil
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]) and its predecessor _rebuild_tensor(storage, storage_offset, size, stride).
type rebuildTensor struct{}

func (rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor: %d arguments, want at least 4", len(args))
	}
	s, ok := args[0].(*torchStorage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor: %s is not a storage", describe(args[0]))
	}
	off, err := pyInt(args[1])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: storage offset: %w", err)
	}
	shape, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: size: %w", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: stride: %w", err)
	}
	return &torchTensor{storage: s, offset: off, shape: shape, stride: stride}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data, requires_grad, backward_hooks[, state]): a parameter
// is its tensor.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("_rebuild_parameter: no arguments")
	}
	return args[0], nil
}

// pyClass is any other Python global; calling it gives an inert pyObject.
type pyClass struct{ module, name string }

func (c *pyClass) Call(args ...any) (any, error)  { return &pyObject{class: c}, nil }
func (c *pyClass) PyNew(args ...any) (any, error) { return &pyObject{class: c}, nil }

// pyObject is an instance of a pyClass. It accepts any state.
type pyObject struct{ class *pyClass }

func (o *pyObject) PySetState(any) error { return nil }

// pyInt converts a pickled integer.
func pyInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case bool:
		// Python bools are ints, but a tensor's sizes never are bools.
	case *big.Int:
		if n.IsInt64() && int64(int(n.Int64())) == n.Int64() {
			return int(n.Int64()), nil
		}
	}
	return 0, fmt.Errorf("%s is not an integer", describe(v))
}

// intTuple converts a pickled tuple of integers.
func intTuple(v any) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("%s is not a tuple", describe(v))
	}
	out := make([]int, t.Len())
	for i := range out {
		n, err := pyInt(t.Get(i))
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// describe names the Python type of a decoded pickle value, for errors.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return fmt.Sprintf("the string %q", x)
	case int, *big.Int, bool, float64:
		return fmt.Sprintf("%v", x)
	case *torchStorage:
		return "a storage"
	case *torchTensor:
		return "a tensor"
	case *types.Tuple:
		return fmt.Sprintf("a tuple of %d", x.Len())
	case *types.List:
		return fmt.Sprintf("a list of %d", x.Len())
	case *types.Dict, *types.OrderedDict:
		return "a dict"
	case *pyClass:
		return fmt.Sprintf("the class %s.%s", x.module, x.name)
	case *pyObject:
		return fmt.Sprintf("a %s.%s object", x.class.module, x.class.name)
	case *torchStorageType:
		return "the class torch." + x.name
	}
	return fmt.Sprintf("a %T", v)
}
