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

	"github.com/scalefit/scalefit/internal/quote"
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
// tensors it has asked for, not the file — rather than holding a whole shard as float32. The pickle itself is decoded
// by the allowlisting unpickler of binpickle.go, which builds plain values, never runs code named by the file, and
// refuses any pickle that is more than a state dict.

// maxPickleBytes bounds a zip checkpoint's data.pkl. Pythia-12B's is a few hundred kilobytes; anything near this is
// corruption.
const maxPickleBytes = 256 << 20

// maxTensorName bounds the length of a tensor name. Hugging Face names are under 100 bytes; a longer one is refused
// before it can reach an error message or a map.
const maxTensorName = 1 << 10

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

// torchStorages is the set of storages a checkpoint's pickle names, in the order it first names them. A legacy view
// is always named after its root, so that order resolves every view after the storage it views.
type torchStorages struct {
	byKey map[string]*torchStorage
	order []*torchStorage
}

// torchTensors parses the PyTorch checkpoint held in buf (the whole file) and returns its parameters, each viewing
// the bytes of buf. Buffers (IsBuffer) are skipped whatever they hold. Every parameter must be a dense F32, F16 or
// BF16 tensor lying inside its storage; strided views are kept as such and gathered by Float32. Errors are one line
// and name the tensor where there is one; the caller adds the file.
func torchTensors(buf []byte) (tensors map[string]*storedTensor, err error) {
	var root any
	switch {
	case bytes.HasPrefix(buf, []byte("PK\x03\x04")):
		root, err = readTorchZip(buf)
	case len(buf) > 0 && buf[0] == 0x80: // the pickle PROTO opcode
		root, err = readTorchLegacy(buf)
	case bytes.HasPrefix(buf, []byte("version https://git-lfs")):
		return nil, errors.New("a Git LFS pointer, not the weights: fetch them (git lfs pull, or huggingface-cli download)")
	default:
		return nil, errors.New("not a PyTorch checkpoint: neither a zip archive (torch.save's format since torch 1.6) nor a legacy torch.save pickle")
	}
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("tensor %s: the state dict holds %s, not a tensor", quote.String(e.name), describe(e.value))
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
func readTorchZip(buf []byte) (any, error) {
	zr, err := zip.NewReader(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		return nil, fmt.Errorf("not a readable zip archive (truncated or corrupt): %w", err)
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
				return nil, fmt.Errorf("zip archive holds two pickles, %s and %s", quote.String(pkl.Name), quote.String(f.Name))
			}
			pkl = f
		case "constants.pkl":
			return nil, fmt.Errorf("%s: a TorchScript archive, not a torch.save state dict", quote.String(f.Name))
		}
	}
	if pkl == nil {
		return nil, errors.New("zip archive has no <archive>/data.pkl record: not written by torch.save")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	if bo := records[prefix+"byteorder"]; bo != nil {
		b, err := readRecord(bo, 16)
		if err != nil {
			return nil, err
		}
		if s := strings.TrimSpace(string(b)); s != "little" {
			return nil, fmt.Errorf("%s: byte order %s is not supported (want little)", quote.String(bo.Name), quote.String(s))
		}
	}
	data, err := readRecord(pkl, maxPickleBytes)
	if err != nil {
		return nil, err
	}
	storages := &torchStorages{byKey: map[string]*torchStorage{}}
	root, _, err := unpickle(data, func(pid any) (any, error) { return storages.zipPersistentLoad(pid) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", quote.String(pkl.Name), err)
	}
	for _, s := range storages.order {
		s.locateZip(buf, records, prefix)
	}
	return root, nil
}

// readRecord reads a small zip record whole, refusing one of more than limit bytes. Reading it to the end checks its
// CRC-32.
func readRecord(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("record %s is %d bytes, more than the %d expected", quote.String(f.Name), f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", quote.String(f.Name), err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", quote.String(f.Name), err)
	}
	return b, nil
}

// zipPersistentLoad resolves a zip checkpoint's persistent id ('storage', <class>, key, location, numel).
func (ss *torchStorages) zipPersistentLoad(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return nil, fmt.Errorf("persistent id %s is not ('storage', class, key, location, numel)", describe(pid))
	}
	s, _, err := ss.ref(t[1], t[2], t[4])
	return s, err
}

// ref returns the storage named key, creating it on first sight, and reports whether it did.
func (ss *torchStorages) ref(class, key, numel any) (*torchStorage, bool, error) {
	k, ok := key.(string)
	if !ok {
		return nil, false, fmt.Errorf("storage key %s is not a string", describe(key))
	}
	if s, ok := ss.byKey[k]; ok {
		return s, false, nil
	}
	n, err := pyInt(numel)
	if err != nil || n < 0 || n > 1<<48 {
		return nil, false, fmt.Errorf("storage %s: element count %s is not a sane integer", quote.String(k), describe(numel))
	}
	typ, ok := class.(*torchStorageType)
	if !ok {
		return nil, false, fmt.Errorf("storage %s: type %s is not a storage class", quote.String(k), describe(class))
	}
	s := &torchStorage{key: k, typ: typ, numel: n}
	ss.byKey[k] = s
	ss.order = append(ss.order, s)
	return s, true, nil
}

// locateZip points s at its record's bytes inside buf.
func (s *torchStorage) locateZip(buf []byte, records map[string]*zip.File, prefix string) {
	name := prefix + "data/" + s.key
	f := records[name]
	if f == nil {
		s.err = fmt.Errorf("storage %s: zip record %s is missing", quote.String(s.key), quote.String(name))
		return
	}
	if f.Method != zip.Store {
		s.err = fmt.Errorf("storage %s: zip record %s is compressed (method %d), but torch.save stores records uncompressed", quote.String(s.key), quote.String(name), f.Method)
		return
	}
	need := uint64(s.numel) * uint64(s.typ.size) // numel ≤ 2^48, size ≤ 16: no overflow
	if f.UncompressedSize64 < need {
		s.err = fmt.Errorf("storage %s: zip record %s holds %d bytes, but %d %s elements need %d", quote.String(s.key), quote.String(name), f.UncompressedSize64, s.numel, s.typ.dtype, need)
		return
	}
	off, err := f.DataOffset()
	if err != nil {
		s.err = fmt.Errorf("storage %s: zip record %s: %w", quote.String(s.key), quote.String(name), err)
		return
	}
	if off < 0 || uint64(off) > uint64(len(buf)) || need > uint64(len(buf))-uint64(off) {
		s.err = fmt.Errorf("storage %s: zip record %s runs past the end of the file: the file is truncated", quote.String(s.key), quote.String(name))
		return
	}
	s.data = buf[off : uint64(off)+need : uint64(off)+need]
}

// readTorchLegacy reads the pickles of a legacy checkpoint and lays out the storages that follow them.
func readTorchLegacy(buf []byte) (any, error) {
	pos := 0
	next := func(persistentLoad func(any) (any, error)) (any, error) {
		v, n, err := unpickle(buf[pos:], persistentLoad)
		pos += n
		return v, err
	}
	magic, err := next(nil)
	if n, ok := magic.(*big.Int); err != nil || !ok || n.Text(16) != legacyMagic {
		return nil, errors.New("not a PyTorch checkpoint: a pickle without torch.save's magic number")
	}
	if v, err := next(nil); err != nil {
		return nil, fmt.Errorf("protocol-version pickle: %w", err)
	} else if v != int64(legacyProtocol) {
		return nil, fmt.Errorf("legacy torch.save protocol %s is not supported (want %d)", describe(v), legacyProtocol)
	}
	sysInfo, err := next(nil)
	if err != nil {
		return nil, fmt.Errorf("system-information pickle: %w", err)
	}
	if d, ok := sysInfo.(*pyDict); ok {
		if le, ok := d.get("little_endian"); ok && le != true {
			return nil, errors.New("written on a big-endian machine: not supported")
		}
	}
	storages := &torchStorages{byKey: map[string]*torchStorage{}}
	root, err := next(storages.legacyPersistentLoad)
	if err != nil {
		return nil, fmt.Errorf("state-dict pickle: %w", err)
	}
	keysObj, err := next(nil)
	if err != nil {
		return nil, fmt.Errorf("storage-key pickle: %w", err)
	}
	keys, ok := keysObj.(*pyList)
	if !ok {
		return nil, fmt.Errorf("storage-key pickle holds %s, not a list", describe(keysObj))
	}
	if err := storages.layOutLegacy(buf, pos, keys.items); err != nil {
		return nil, err
	}
	return root, nil
}

// legacyPersistentLoad resolves a legacy checkpoint's persistent id ('storage', <class>, root key, location, numel,
// view), where view is None or (view key, offset, numel). As in torch.load, a view key seen before names that
// storage again, whatever it is; a new one becomes a view of the root.
func (ss *torchStorages) legacyPersistentLoad(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if ok && len(t) >= 1 && t[0] == "module" {
		return nil, fmt.Errorf("the pickle holds the source of a pickled module: %s", errNotStateDict)
	}
	if !ok || len(t) != 6 || t[0] != "storage" {
		return nil, fmt.Errorf("persistent id %s is not ('storage', class, key, location, numel, view)", describe(pid))
	}
	root, _, err := ss.ref(t[1], t[2], t[4])
	if err != nil || t[5] == nil {
		return root, err
	}
	view, ok := t[5].(pyTuple)
	if !ok || len(view) != 3 {
		return nil, fmt.Errorf("storage %s: view %s is not (key, offset, numel)", quote.String(root.key), describe(t[5]))
	}
	s, created, err := ss.ref(t[1], view[0], view[2])
	if err != nil || !created {
		return s, err
	}
	off, err := pyInt(view[1])
	if err != nil || off < 0 || off > 1<<48 {
		return nil, fmt.Errorf("storage %s: view offset %s is not a sane integer", quote.String(s.key), describe(view[1]))
	}
	s.root, s.viewOffset = root, off
	return s, nil
}

// layOutLegacy locates the storages of a legacy checkpoint, which follow the pickles from byte pos in the order of
// keys, each as an 8-byte little-endian element count and the elements, and then resolves the views in the order the
// pickle named them, so that a view of a view finds its root already resolved. A file that ends inside its storages
// is refused, as torch.load refuses it, whether or not a parameter lies in what is missing.
func (ss *torchStorages) layOutLegacy(buf []byte, pos int, keys []any) error {
	for _, k := range keys {
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("storage key %s is not a string", describe(k))
		}
		s := ss.byKey[key]
		switch {
		case s == nil:
			return fmt.Errorf("storage %s is listed but no tensor uses it, so its size is unknown", quote.String(key))
		case s.root != nil:
			return fmt.Errorf("storage %s is a view of storage %s, but the file lists it among the storages it holds", quote.String(key), quote.String(s.root.key))
		}
		if len(buf)-pos < 8 {
			return fmt.Errorf("storage %s: the file ends before it (%d bytes): the file is truncated", quote.String(key), len(buf))
		}
		n := binary.LittleEndian.Uint64(buf[pos:])
		if n != uint64(s.numel) {
			return fmt.Errorf("storage %s: the file stores %d elements, but the pickle declares %d", quote.String(key), n, s.numel)
		}
		pos += 8
		size := s.numel * s.typ.size // numel ≤ 2^48, size ≤ 16: no overflow
		if size > len(buf)-pos {
			return fmt.Errorf("storage %s: %d bytes from offset %d run past the end of the file (%d bytes): the file is truncated", quote.String(key), size, pos, len(buf))
		}
		s.data = buf[pos : pos+size : pos+size]
		pos += size
	}
	for _, s := range ss.order {
		switch {
		case s.root != nil:
			s.resolveView()
		case s.data == nil:
			s.err = fmt.Errorf("storage %s is not in the file's list of storages", quote.String(s.key))
		}
	}
	return nil
}

// resolveView points a legacy storage view at its part of its root storage, which is resolved already.
func (s *torchStorage) resolveView() {
	r := s.root
	switch {
	case r.err != nil:
		s.err = r.err
	case s.typ != r.typ && s.typ.name != r.typ.name:
		s.err = fmt.Errorf("storage %s: a view of storage %s with another type", quote.String(s.key), quote.String(r.key))
	case s.viewOffset > r.numel || s.numel > r.numel-s.viewOffset || r.data == nil:
		s.err = fmt.Errorf("storage %s: view [%d, %d) lies outside storage %s of %d elements", quote.String(s.key), s.viewOffset, s.viewOffset+s.numel, quote.String(r.key), r.numel)
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
	case !isFloatParamDType(s.typ.dtype):
		return nil, fmt.Errorf("tensor %s: dtype %s (torch.%s) is not supported for a parameter (want F32, F16 or BF16)", quote.String(name), s.typ.dtype, s.typ.name)
	case s.err != nil:
		return nil, fmt.Errorf("tensor %s: %w", quote.String(name), s.err)
	case len(t.stride) != len(t.shape):
		return nil, fmt.Errorf("tensor %s: shape %v and stride %v differ in rank", quote.String(name), t.shape, t.stride)
	case t.offset < 0:
		return nil, fmt.Errorf("tensor %s: storage offset %d is negative", quote.String(name), t.offset)
	}
	numel, err := shapeNumel(t.shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", quote.String(name), err)
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
			return nil, fmt.Errorf("tensor %s: stride %v has a negative step", quote.String(name), t.stride)
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
		return nil, fmt.Errorf("tensor %s: shape %v with stride %v at offset %d reaches past storage %s of %d elements", quote.String(name), t.shape, t.stride, t.offset, quote.String(s.key), s.numel)
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

// stateDictEntries lists the entries of the pickled state dict, an OrderedDict or a dict with string keys of at most
// maxTensorName bytes. A key set twice keeps its last value, as in Python.
func stateDictEntries(root any) ([]stateDictEntry, error) {
	d, ok := root.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("the pickle holds %s, not a state dict (a dict of tensors)", describe(root))
	}
	out := make([]stateDictEntry, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %s is not a string", describe(k))
		}
		if len(name) > maxTensorName {
			return nil, fmt.Errorf("tensor name %s is longer than the %d bytes any checkpoint uses", quote.String(name), maxTensorName)
		}
		out[i] = stateDictEntry{name, d.vals[i]}
	}
	return out, nil
}

// pyInt converts a pickled integer.
func pyInt(v any) (int, error) {
	switch n := v.(type) {
	case int64:
		if int64(int(n)) == n {
			return int(n), nil
		}
	case bool:
		// Python bools are ints, but a tensor's sizes never are bools.
	}
	return 0, fmt.Errorf("%s is not an integer", describe(v))
}

// intTuple converts a pickled tuple of at most maxPickleRank integers: a tensor's size or stride.
func intTuple(v any) ([]int, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, fmt.Errorf("%s is not a tuple", describe(v))
	}
	if len(t) > maxPickleRank {
		return nil, fmt.Errorf("%d dimensions, more than torch's %d", len(t), maxPickleRank)
	}
	out := make([]int, len(t))
	for i := range out {
		n, err := pyInt(t[i])
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// describe names the Python type of a decoded pickle value for an error, quoting and capping what it cites.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return "the string " + quote.String(x)
	case []byte:
		return "the bytes " + quote.Bytes(x)
	case bool:
		return map[bool]string{true: "True", false: "False"}[x]
	case int64, float64:
		return fmt.Sprint(x)
	case *big.Int:
		if x.BitLen() > 64 {
			return fmt.Sprintf("an integer of %d bits", x.BitLen())
		}
		return x.String()
	case *torchStorage:
		return "a storage"
	case *torchTensor:
		return "a tensor"
	case pyTuple:
		return fmt.Sprintf("a tuple of %d", len(x))
	case *pyList:
		return fmt.Sprintf("a list of %d", len(x.items))
	case *pyDict:
		if x.ordered {
			return fmt.Sprintf("an OrderedDict of %d", len(x.keys))
		}
		return fmt.Sprintf("a dict of %d", len(x.keys))
	case pyGlobal:
		return x.String()
	case *torchStorageType:
		return "the class torch." + x.name
	}
	return fmt.Sprintf("a %T", v)
}
