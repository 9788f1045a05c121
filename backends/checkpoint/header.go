package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"sort"

	"github.com/scalefit/scalefit/internal/quote"
)

// MaxHeaderBytes bounds the JSON header of a safetensors file. A header longer than this is taken as corruption. (The
// reference implementation uses the same 100 MB limit.)
const MaxHeaderBytes = 100 << 20

// MetadataKey is the header key that holds a safetensors file's free-form string metadata.
const MetadataKey = "__metadata__"

// tensorEntry is one tensor of a safetensors header. begin and end are byte offsets relative to the start of the data
// buffer, which follows the header.
type tensorEntry struct {
	name       string
	dtype      string
	shape      []int
	numel      int
	begin, end uint64
}

// header is a parsed and validated safetensors header.
type header struct {
	dataStart uint64                  // 8 + N: offset of the data buffer in the file
	tensors   map[string]*tensorEntry // parameters only; buffers are left out
	metadata  map[string]string
}

// rawEntry is a tensor's header entry as written.
type rawEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// parseHeader parses and validates the safetensors file held in buf (the whole file). The layout is an 8-byte
// little-endian unsigned header length N, N bytes of JSON mapping each tensor name to {"dtype", "shape",
// "data_offsets": [begin, end)} (plus an optional "__metadata__" of strings), then the data buffer, to which the
// offsets are relative.
//
// Buffers (IsBuffer) are skipped without any check, whatever their dtype. Every other tensor must have dtype F32, F16
// or BF16, a non-negative shape whose element count times the element size equals end − begin, and lie inside the
// data buffer without overlapping another tensor. Errors are one line and name the tensor; the caller adds the file.
func parseHeader(buf []byte) (*header, error) {
	if len(buf) < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf[:8])
	if n > MaxHeaderBytes {
		return nil, fmt.Errorf("header length %d is absurd (limit %d bytes): not a safetensors file, or corrupt", n, MaxHeaderBytes)
	}
	if n > uint64(len(buf)-8) {
		return nil, fmt.Errorf("header length %d runs past the end of the file (%d bytes): truncated or not a safetensors file", n, len(buf))
	}
	js := buf[8 : 8+n]
	if t := bytes.TrimLeft(js, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("malformed JSON header: it is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, fmt.Errorf("malformed JSON header: %w", err)
	}
	h := &header{dataStart: 8 + n, tensors: make(map[string]*tensorEntry, len(raw))}
	dataLen := uint64(len(buf)) - h.dataStart

	for name, msg := range raw {
		if name == MetadataKey {
			if err := json.Unmarshal(msg, &h.metadata); err != nil {
				return nil, fmt.Errorf("malformed %s (want an object of strings): %w", MetadataKey, err)
			}
			continue
		}
		if IsBuffer(name) {
			continue
		}
		t, err := parseEntry(name, msg)
		if err != nil {
			return nil, err
		}
		h.tensors[name] = t
	}

	// Check the layout in the order of the data, so that a truncated file names the tensor it cuts.
	order := make([]*tensorEntry, 0, len(h.tensors))
	for _, t := range h.tensors {
		order = append(order, t)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].begin != order[j].begin {
			return order[i].begin < order[j].begin
		}
		return order[i].name < order[j].name
	})
	for _, t := range order {
		if t.end > dataLen {
			if t.begin < dataLen {
				return nil, fmt.Errorf("tensor %s: data_offsets [%d, %d) run past the end of the data buffer (%d bytes): the file is truncated", quote.String(t.name), t.begin, t.end, dataLen)
			}
			return nil, fmt.Errorf("tensor %s: data_offsets [%d, %d) are out of range: the data buffer holds %d bytes", quote.String(t.name), t.begin, t.end, dataLen)
		}
	}
	var prev *tensorEntry
	for _, t := range order {
		if t.begin == t.end {
			continue // an empty tensor occupies no bytes
		}
		if prev != nil && t.begin < prev.end {
			return nil, fmt.Errorf("tensors %s [%d, %d) and %s [%d, %d) overlap in the data buffer", quote.String(prev.name), prev.begin, prev.end, quote.String(t.name), t.begin, t.end)
		}
		prev = t
	}
	return h, nil
}

// shapeNumel returns the number of elements of a tensor of the given shape. It refuses a negative dimension and a
// count above 2⁴⁸, far beyond any real tensor, so that byte sizes computed from the count cannot overflow.
func shapeNumel(shape []int) (uint64, error) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension", shape)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > 1<<48 {
			return 0, fmt.Errorf("shape %v is absurdly large", shape)
		}
		n = lo
	}
	return n, nil
}

// maxRank bounds the dimensions of a tensor, as torch does (64), so that no shape can flood an error message.
const maxRank = 64

// parseEntry decodes and checks one parameter's header entry.
func parseEntry(name string, msg json.RawMessage) (*tensorEntry, error) {
	var e rawEntry
	if err := json.Unmarshal(msg, &e); err != nil {
		return nil, fmt.Errorf("tensor %s: malformed header entry: %w", quote.String(name), err)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("tensor %s: data_offsets has %d values, want [begin, end]", quote.String(name), len(e.DataOffsets))
	}
	size, known := dtypeSizes[e.DType]
	switch {
	case e.DType == "":
		return nil, fmt.Errorf("tensor %s: dtype is missing", quote.String(name))
	case !known:
		return nil, fmt.Errorf("tensor %s: unknown dtype %s", quote.String(name), quote.String(e.DType))
	case !isFloatParamDType(e.DType):
		return nil, fmt.Errorf("tensor %s: dtype %s is not supported for a parameter (want F32, F16 or BF16)", quote.String(name), e.DType)
	}
	if len(e.Shape) > maxRank {
		return nil, fmt.Errorf("tensor %s: shape of %d dimensions, more than %d", quote.String(name), len(e.Shape), maxRank)
	}
	t := &tensorEntry{name: name, dtype: e.DType, shape: make([]int, len(e.Shape)), begin: e.DataOffsets[0], end: e.DataOffsets[1]}
	for i, d := range e.Shape {
		t.shape[i] = int(d)
	}
	numel, err := shapeNumel(t.shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", quote.String(name), err)
	}
	t.numel = int(numel)
	if t.end < t.begin {
		return nil, fmt.Errorf("tensor %s: data_offsets [%d, %d) end before they begin", quote.String(name), t.begin, t.end)
	}
	if want := numel * uint64(size); t.end-t.begin != want {
		return nil, fmt.Errorf("tensor %s: data_offsets [%d, %d) hold %d bytes, but shape %v of %s needs %d", quote.String(name), t.begin, t.end, t.end-t.begin, t.shape, t.dtype, want)
	}
	return t, nil
}
