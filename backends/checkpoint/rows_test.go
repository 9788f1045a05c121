package checkpoint

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPartialReads checks Float32Into, RowsInto and Raw against Float32 on every parameter of every stored variant
// (safetensors and .bin; F32, F16 and BF16; strided .bin views), bit for bit.
func TestPartialReads(t *testing.T) {
	for _, v := range append([]string{"."}, binVariants...) {
		dir := filepath.Join("testdata", v)
		if v == "." { // the hand-built test model as F16 safetensors
			tensors := testModel(t, testConfigJSON)
			dir = writeDir(t, testConfigJSON, nil)
			if err := WriteSafetensors(filepath.Join(dir, SafetensorsFile), tensors, F16, nil); err != nil {
				t.Fatal(err)
			}
		}
		ck, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		strided := 0
		for _, name := range ck.Names() {
			want, err := ck.Float32(name)
			if err != nil {
				t.Fatal(err)
			}
			shape, _ := ck.Shape(name)

			got := make([]float32, len(want))
			if err := ck.Float32Into(got, name); err != nil {
				t.Fatal(err)
			}
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("%s %s: Float32Into differs at %d", v, name, i)
			}
			if err := ck.Float32Into(got[:len(got)-1], name); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s %s: Float32Into a short buffer: %v", v, name, err)
			}

			raw, err := ck.Raw(name)
			if err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(want))
			decode(dec, raw.Data, raw.DType)
			if i := sameBits(dec, want); i >= 0 || raw.DType != ck.mustDType(t, name) || len(raw.Shape) != len(shape) {
				t.Errorf("%s %s: Raw (%s %v) decodes differently at %d", v, name, raw.DType, raw.Shape, i)
			}
			if ck.tensors[name].strides != nil {
				strided++
			}

			if len(shape) != 2 {
				if err := ck.RowsInto(nil, name, nil); err == nil || !strings.Contains(err.Error(), "not a matrix") {
					t.Errorf("%s %s: RowsInto a vector: %v", v, name, err)
				}
				continue
			}
			n, cols := shape[0], shape[1]
			rows := []int32{int32(n - 1), 0, int32(n / 2), int32(n - 1)}
			out := make([]float32, len(rows)*cols)
			if err := ck.RowsInto(out, name, rows); err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if j := sameBits(out[i*cols:(i+1)*cols], want[int(r)*cols:(int(r)+1)*cols]); j >= 0 {
					t.Errorf("%s %s: row %d differs at %d", v, name, r, j)
				}
			}
			for _, bad := range []int32{-1, int32(n)} {
				if err := ck.RowsInto(out[:cols], name, []int32{bad}); err == nil || !strings.Contains(err.Error(), "outside") {
					t.Errorf("%s %s: row %d: %v", v, name, bad, err)
				}
			}
		}
		if v == "bin-views-bf16" && strided == 0 {
			t.Errorf("%s: no strided view was exercised", v)
		}
		ck.Close()
		if _, err := ck.Raw(ck.Dir); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Raw after Close: %v", err)
		}
	}
}

func (c *Checkpoint) mustDType(t *testing.T, name string) string {
	d, ok := c.DType(name)
	if !ok {
		t.Fatalf("no dtype for %s", name)
	}
	return d
}
