package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// NamedTensor is a float32 tensor to write: Data holds prod(Shape) values in row-major order.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// TensorSpec names a tensor and its shape, without data: what a streamed file's header is computed from.
type TensorSpec struct {
	Name  string
	Shape []int
}

// WriteSafetensors writes tensors to a safetensors file at path, in the given order, stored as dtype (F32, F16 or
// BF16, or any spelling ParseDType accepts; F16 and BF16 round to nearest even). metadata, if not empty, becomes the
// header's __metadata__ (transformers wants {"format": "pt"}). The header is padded with spaces to a multiple of 8
// bytes. The write is atomic: a temporary file in the same directory is renamed over path once it is complete.
func WriteSafetensors(path string, tensors []NamedTensor, dtype string, metadata map[string]string) error {
	specs := make([]TensorSpec, len(tensors))
	for i, t := range tensors {
		specs[i] = TensorSpec{Name: t.Name, Shape: t.Shape}
	}
	w, err := CreateSafetensors(path, specs, dtype, metadata)
	if err != nil {
		return err
	}
	for i, t := range tensors {
		if n := w.numels[i]; uint64(len(t.Data)) != n {
			w.Abort()
			return fmt.Errorf("write %s: tensor %q: %d values for shape %v, want %d", path, t.Name, len(t.Data), t.Shape, n)
		}
		if err := w.Write(t.Data); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// StreamWriter writes a safetensors file whose tensors are known by shape in advance and whose data arrives in
// pieces, so that a file far larger than memory can be written: the header is computed from the specs when the
// writer is created, then Write appends values to the data buffer, tensor after tensor in spec order, in chunks of
// any size. Close checks that every value arrived and renames the temporary file into place.
type StreamWriter struct {
	path    string
	tmp     *os.File
	bw      *bufio.Writer
	dtype   string
	numels  []uint64
	total   uint64 // values expected
	written uint64 // values written
	scratch []byte
	done    bool
}

// CreateSafetensors starts a streamed safetensors file at path holding specs, in order, as dtype. See
// WriteSafetensors for dtype and metadata.
func CreateSafetensors(path string, specs []TensorSpec, dtype string, metadata map[string]string) (*StreamWriter, error) {
	dt, err := ParseDType(dtype)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	hdr, numels, err := encodeHeader(specs, dt, metadata)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	w := &StreamWriter{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 1<<20), dtype: dt, numels: numels}
	for _, n := range numels {
		w.total += n
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	w.bw.Write(n[:])
	if _, err := w.bw.Write(hdr); err != nil {
		w.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return w, nil
}

// Write appends values to the data buffer, converted to the file's dtype.
func (w *StreamWriter) Write(values []float32) error {
	if w.done {
		return fmt.Errorf("write %s: writer is closed", w.path)
	}
	if uint64(len(values)) > w.total-w.written {
		return fmt.Errorf("write %s: %d values beyond the %d the header declares", w.path, w.written+uint64(len(values))-w.total, w.total)
	}
	const chunk = 1 << 16
	for len(values) > 0 {
		v := values[:min(chunk, len(values))]
		values = values[len(v):]
		b := w.scratch[:0]
		switch w.dtype {
		case F32:
			for _, x := range v {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
		case F16:
			for _, x := range v {
				b = binary.LittleEndian.AppendUint16(b, Float32ToF16(x))
			}
		case BF16:
			for _, x := range v {
				b = binary.LittleEndian.AppendUint16(b, Float32ToBF16(x))
			}
		}
		w.scratch = b
		if _, err := w.bw.Write(b); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		w.written += uint64(len(v))
	}
	return nil
}

// Close checks that all the declared data was written, syncs the temporary file and renames it to the path.
func (w *StreamWriter) Close() error {
	if w.done {
		return fmt.Errorf("write %s: writer is closed", w.path)
	}
	if w.written != w.total {
		w.Abort()
		return fmt.Errorf("write %s: %d of %d values written", w.path, w.written, w.total)
	}
	w.done = true
	return commitTemp(w.tmp, w.path, w.bw.Flush())
}

// Abort discards the temporary file. It is safe to call after Close, where it does nothing.
func (w *StreamWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// encodeHeader lays specs out back to back in the data buffer and returns the JSON header, padded with spaces to a
// multiple of 8 bytes, and each tensor's element count.
func encodeHeader(specs []TensorSpec, dtype string, metadata map[string]string) ([]byte, []uint64, error) {
	size := uint64(dtypeSizes[dtype])
	var buf bytes.Buffer
	buf.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // keys sorted
		if err != nil {
			return nil, nil, err
		}
		buf.WriteString(`"` + MetadataKey + `":`)
		buf.Write(m)
	}
	seen := make(map[string]bool, len(specs))
	numels := make([]uint64, len(specs))
	var offset uint64
	for i, s := range specs {
		if s.Name == "" || s.Name == MetadataKey {
			return nil, nil, fmt.Errorf("tensor %d: invalid name %q", i, s.Name)
		}
		if seen[s.Name] {
			return nil, nil, fmt.Errorf("tensor %q: named twice", s.Name)
		}
		seen[s.Name] = true
		n, err := shapeNumel(s.Shape)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", s.Name, err)
		}
		numels[i] = n
		name, _ := json.Marshal(s.Name)
		shape := s.Shape
		if shape == nil {
			shape = []int{} // a scalar: "shape": []
		}
		sh, _ := json.Marshal(shape)
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, dtype, sh, offset, offset+n*size)
		offset += n * size
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	if buf.Len() > MaxHeaderBytes {
		return nil, nil, errors.New("header exceeds the 100 MB limit")
	}
	return buf.Bytes(), numels, nil
}

// WriteSharded writes tensors as a sharded checkpoint in dir, the way transformers does: consecutive tensors are
// packed into shards of at most maxShardBytes of data each (a tensor larger than that gets a shard of its own),
// named model-00001-of-0000n.safetensors …, with {"format": "pt"} metadata, and model.safetensors.index.json maps
// every tensor to its shard and records the total data size. Every file is written atomically.
func WriteSharded(dir string, tensors []NamedTensor, dtype string, maxShardBytes int64) error {
	dt, err := ParseDType(dtype)
	if err != nil {
		return fmt.Errorf("write sharded %s: %w", dir, err)
	}
	if maxShardBytes <= 0 {
		return fmt.Errorf("write sharded %s: maxShardBytes %d is not positive", dir, maxShardBytes)
	}
	size := int64(dtypeSizes[dt])
	var shards [][]NamedTensor
	var cur int64
	var total int64
	for _, t := range tensors {
		b := int64(len(t.Data)) * size
		total += b
		if len(shards) == 0 || (cur+b > maxShardBytes && cur > 0) {
			shards = append(shards, nil)
			cur = 0
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], t)
		cur += b
	}
	weightMap := make(map[string]string, len(tensors))
	for i, group := range shards {
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		if err := WriteSafetensors(filepath.Join(dir, name), group, dt, map[string]string{"format": "pt"}); err != nil {
			return err
		}
		for _, t := range group {
			weightMap[t.Name] = name
		}
	}
	index := struct {
		Metadata  map[string]int64  `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}{map[string]int64{"total_size": total}, weightMap}
	data, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return fmt.Errorf("write sharded %s: %w", dir, err)
	}
	return WriteFileAtomic(filepath.Join(dir, SafetensorsIndex), append(data, '\n'))
}

// WriteFileAtomic writes data to a temporary file next to path and renames it into place.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	return commitTemp(tmp, path, err)
}

// commitTemp finishes tmp, a temporary file written next to path whose writing ended with err: unless err is set, it
// makes tmp readable by all, syncs and closes it and renames it over path. On any failure tmp is closed and removed,
// path is untouched, and the error names path.
func commitTemp(tmp *os.File, path string, err error) error {
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
