package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriterHeader checks the bytes of a small file against a hand-computed layout.
func TestWriterHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	err := WriteSafetensors(path, []NamedTensor{
		{Name: "b", Shape: []int{2}, Data: []float32{1, -2}},
		{Name: "a", Shape: []int{1, 3}, Data: []float32{65504, 1e-8, 0.5}},
	}, "F16", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(b)
	js := string(b[8 : 8+n])
	want := `{"__metadata__":{"k":"v"},"b":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"a":{"dtype":"F16","shape":[1,3],"data_offsets":[4,10]}}`
	if strings.TrimRight(js, " ") != want || n%8 != 0 || (8+n)%8 != 0 {
		t.Errorf("header %q (%d bytes), want %q padded to a multiple of 8", js, n, want)
	}
	var check map[string]any
	if err := json.Unmarshal([]byte(js), &check); err != nil {
		t.Errorf("header is not valid JSON: %v", err)
	}
	data := b[8+n:]
	wantData := []uint16{0x3c00, 0xc000, 0x7bff, 0x0000, 0x3800} // 1e-8 is below half the smallest subnormal
	if len(data) != 2*len(wantData) {
		t.Fatalf("%d data bytes, want %d", len(data), 2*len(wantData))
	}
	for i, w := range wantData {
		if got := binary.LittleEndian.Uint16(data[2*i:]); got != w {
			t.Errorf("value %d: %#04x, want %#04x", i, got, w)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	for _, tt := range []struct {
		tensors []NamedTensor
		dtype   string
		want    string
	}{
		{[]NamedTensor{{Name: "a", Shape: []int{3}, Data: []float32{1, 2}}}, F32, `tensor "a": 2 values for shape [3], want 3`},
		{[]NamedTensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}}, F32, `"a": named twice`},
		{[]NamedTensor{{Name: "", Shape: []int{1}, Data: []float32{1}}}, F32, "invalid name"},
		{[]NamedTensor{{Name: "a", Shape: []int{-1}}}, F32, "negative dimension"},
		{[]NamedTensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}}, "F64", `dtype "F64"`},
	} {
		err := WriteSafetensors(path, tt.tensors, tt.dtype, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("WriteSafetensors: %v, want %q", err, tt.want)
		}
	}

	w, err := CreateSafetensors(path, []TensorSpec{{"a", []int{2, 2}}}, F32, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(make([]float32, 5)); err == nil || !strings.Contains(err.Error(), "beyond") {
		t.Errorf("overlong Write: %v", err)
	}
	if err := w.Write(make([]float32, 3)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "3 of 4 values") {
		t.Errorf("short Close: %v", err)
	}
	if err := WriteSharded(dir, nil, F32, 0); err == nil {
		t.Error("WriteSharded with maxShardBytes 0: no error")
	}
	// Nothing may be left behind: no temporary files, and no x.safetensors from the failed writes.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %d files, e.g. %s", len(entries), entries[0].Name())
	}
}
