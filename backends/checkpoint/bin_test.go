package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// binVariants are the model directories written by testdata/gen_bin.py.
var binVariants = []string{"bin-zip-f16", "bin-legacy-f32", "bin-sharded-f16", "bin-views-bf16"}

// binExpected is testdata/bin-expected.json: per variant, the stored dtype and each parameter's shape and values as
// torch reads them back (t.float()), hex of little-endian float32.
type binExpected map[string]struct {
	DType   string `json:"dtype"`
	Tensors map[string]struct {
		Shape []int  `json:"shape"`
		F32   string `json:"f32"`
	} `json:"tensors"`
}

func readBinExpected(t *testing.T) binExpected {
	t.Helper()
	b, err := os.ReadFile("testdata/bin-expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e binExpected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// hexFloat32 decodes hex of little-endian float32 bytes.
func hexFloat32(t *testing.T, s string) []float32 {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("bad hex: %v", err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return out
}

// sameBits reports the first index where a and b differ bit for bit, or -1.
func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestBinGolden opens every .bin variant (zip and legacy format, fp16, fp32 and bf16, sharded, views, shared
// storages, buffers present) and compares every parameter bit for bit with the values torch read back.
func TestBinGolden(t *testing.T) {
	exp := readBinExpected(t)
	if len(exp) != len(binVariants) {
		t.Fatalf("%d variants in bin-expected.json, want %d", len(exp), len(binVariants))
	}
	for _, v := range binVariants {
		t.Run(v, func(t *testing.T) {
			e := exp[v]
			ck, err := Open(filepath.Join("testdata", v))
			if err != nil {
				t.Fatal(err)
			}
			defer ck.Close()
			wantFiles := 1
			if strings.Contains(v, "sharded") {
				wantFiles = 2
			}
			if len(ck.Files) != wantFiles || ck.Metadata != nil {
				t.Errorf("Files %v, Metadata %v; want %d files, no metadata", ck.Files, ck.Metadata, wantFiles)
			}
			var want []string
			for name := range e.Tensors {
				want = append(want, name)
			}
			sort.Strings(want)
			if got := ck.Names(); !slices.Equal(got, want) {
				t.Fatalf("Names() = %v, want %v", got, want)
			}
			if len(want) != len(ExpectedShapes(ck.ConfigJSON)) {
				t.Errorf("%d parameters, config implies %d", len(want), len(ExpectedShapes(ck.ConfigJSON)))
			}
			for _, name := range want {
				et := e.Tensors[name]
				got, err := ck.Float32(name)
				if err != nil {
					t.Fatal(err)
				}
				if i := sameBits(got, hexFloat32(t, et.F32)); i >= 0 {
					t.Errorf("%s: value %d differs from torch's", name, i)
				}
				if s, ok := ck.Shape(name); !ok || !slices.Equal(s, et.Shape) {
					t.Errorf("Shape(%s) = %v, want %v", name, s, et.Shape)
				}
				if d, ok := ck.DType(name); !ok || d != e.DType {
					t.Errorf("DType(%s) = %s, want %s", name, d, e.DType)
				}
			}
			for _, buf := range []string{"gpt_neox.layers.0.attention.bias", "gpt_neox.layers.1.attention.masked_bias", "gpt_neox.layers.0.attention.rotary_emb.inv_freq"} {
				if _, err := ck.Float32(buf); err == nil {
					t.Errorf("Float32(%s): a buffer, but no error", buf)
				}
			}
			if err := ck.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := ck.Float32(EmbedIn); err == nil || !strings.Contains(err.Error(), "closed") {
				t.Errorf("Float32 after Close: %v", err)
			}
		})
	}
}

// TestBinMatchesSafetensors re-saves each .bin model with WriteSafetensors, in the dtype it was stored in (which is
// lossless), and checks that both open to identical tensors.
func TestBinMatchesSafetensors(t *testing.T) {
	exp := readBinExpected(t)
	for _, v := range binVariants {
		src := filepath.Join("testdata", v)
		bin, err := Open(src)
		if err != nil {
			t.Fatal(err)
		}
		var tensors []NamedTensor
		for _, s := range ParamSpecs(bin.ConfigJSON) {
			data, err := bin.Float32(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			tensors = append(tensors, NamedTensor{Name: s.Name, Shape: s.Shape, Data: data})
		}
		dir := writeDir(t, string(bin.ConfigJSON), nil)
		if err := WriteSafetensors(filepath.Join(dir, SafetensorsFile), tensors, exp[v].DType, nil); err != nil {
			t.Fatal(err)
		}
		st, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(bin.Names(), st.Names()) {
			t.Errorf("%s: names differ: %v vs %v", v, bin.Names(), st.Names())
		}
		for _, name := range st.Names() {
			a, _ := bin.Float32(name)
			b, err := st.Float32(name)
			if err != nil {
				t.Fatal(err)
			}
			if i := sameBits(a, b); i >= 0 {
				t.Errorf("%s %s: value %d: .bin %g, safetensors %g", v, name, i, a[min(i, len(a)-1)], b[min(i, len(b)-1)])
			}
			sa, _ := bin.Shape(name)
			sb, _ := st.Shape(name)
			da, _ := bin.DType(name)
			db, _ := st.DType(name)
			if !slices.Equal(sa, sb) || da != db {
				t.Errorf("%s %s: .bin %v %s, safetensors %v %s", v, name, sa, da, sb, db)
			}
		}
		bin.Close()
		st.Close()
	}
}

// copyModel copies a testdata model directory into a temporary one, applying edit (name -> contents; nil contents
// removes the file) on the way.
func copyModel(t *testing.T, variant string, edit map[string][]byte) string {
	t.Helper()
	src := filepath.Join("testdata", variant)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	for name, b := range edit {
		if b == nil {
			delete(files, name)
		} else {
			files[name] = b
		}
	}
	return writeDir(t, "", files)
}

func readTestdata(t *testing.T, variant, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", variant, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// configWith returns the bin test models' config.json with one key's value replaced.
func configWith(t *testing.T, key string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestdata(t, "bin-zip-f16", ConfigFile), &m); err != nil {
		t.Fatal(err)
	}
	m[key] = value
	b, _ := json.Marshal(m)
	return b
}

// rezip rewrites a zip archive record by record: drop names records to leave out, deflate names records to
// compress.
func rezip(t *testing.T, data []byte, drop, deflate string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		if f.Name == drop {
			found = true
			continue
		}
		method := zip.Store
		if f.Name == deflate {
			method, found = zip.Deflate, true
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("rezip: no record %s%s", drop, deflate)
	}
	return out.Bytes()
}

// TestBinOpen covers what Open accepts beside the committed variants: safetensors winning over .bin, a zip rewritten
// by another tool, and buffers whose storage is broken.
func TestBinOpen(t *testing.T) {
	zipF16 := readTestdata(t, "bin-zip-f16", PyTorchFile)

	// With both formats present, the safetensors are read and the .bin is not even parsed.
	bin, err := Open("testdata/bin-zip-f16")
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	var tensors []NamedTensor
	for _, s := range ParamSpecs(bin.ConfigJSON) {
		data, _ := bin.Float32(s.Name)
		tensors = append(tensors, NamedTensor{Name: s.Name, Shape: s.Shape, Data: data})
	}
	both := copyModel(t, "bin-zip-f16", map[string][]byte{PyTorchFile: []byte("not a checkpoint")})
	if err := WriteSafetensors(filepath.Join(both, SafetensorsFile), tensors, F32, nil); err != nil {
		t.Fatal(err)
	}
	ck, err := Open(both)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := ck.DType(EmbedIn); len(ck.Files) != 1 || filepath.Base(ck.Files[0]) != SafetensorsFile || d != F32 {
		t.Errorf("both formats: opened %v (%s), want %s", ck.Files, d, SafetensorsFile)
	}
	ck.Close()

	// A zip rewritten by Go's archive/zip (another layout of local headers) reads the same, and a buffer's missing
	// storage record does not matter.
	rewritten := copyModel(t, "bin-zip-f16", map[string][]byte{PyTorchFile: rezip(t, zipF16, "pytorch_model/data/5", "")})
	ck, err = Open(rewritten)
	if err != nil {
		t.Fatalf("rewritten zip, buffer record removed: %v", err)
	}
	for _, name := range ck.Names() {
		a, _ := bin.Float32(name)
		b, err := ck.Float32(name)
		if err != nil || sameBits(a, b) >= 0 {
			t.Errorf("rewritten zip: %s differs (%v)", name, err)
		}
	}
	ck.Close()
}

// TestBinErrors checks that Open refuses broken .bin checkpoints with one line naming the file and, where there is
// one, the tensor.
func TestBinErrors(t *testing.T) {
	zipF16 := readTestdata(t, "bin-zip-f16", PyTorchFile)
	legacy := readTestdata(t, "bin-legacy-f32", PyTorchFile)
	index := readTestdata(t, "bin-sharded-f16", PyTorchIndex)
	shard1 := "pytorch_model-00001-of-00002.bin"
	var idx map[string]any
	if err := json.Unmarshal(index, &idx); err != nil {
		t.Fatal(err)
	}
	idx["weight_map"].(map[string]any)[EmbedOut] = shard1
	misplaced, _ := json.Marshal(idx)

	const post0 = "gpt_neox.layers.0.post_attention_layernorm.weight" // storage 3 of bin-zip-f16
	tests := []struct {
		name    string
		variant string
		edit    map[string][]byte
		file    string // the file the error must name
		want    []string
	}{
		{"truncated zip", "bin-zip-f16", map[string][]byte{PyTorchFile: zipF16[:len(zipF16)/2]}, PyTorchFile,
			[]string{"not a readable zip archive (truncated or corrupt)"}},
		{"zip missing its last bytes", "bin-zip-f16", map[string][]byte{PyTorchFile: zipF16[:len(zipF16)-3]}, PyTorchFile,
			[]string{"truncated or corrupt"}},
		{"truncated legacy file", "bin-legacy-f32", map[string][]byte{PyTorchFile: legacy[:len(legacy)-700]}, PyTorchFile,
			[]string{`storage "`, "run past the end of the file", "the file is truncated"}},
		{"legacy file cut in its pickle", "bin-legacy-f32", map[string][]byte{PyTorchFile: legacy[:1500]}, PyTorchFile,
			[]string{"state-dict pickle", "ends early"}},
		{"not a checkpoint", "bin-zip-f16", map[string][]byte{PyTorchFile: []byte("<html>rate limited</html>")}, PyTorchFile,
			[]string{"not a PyTorch checkpoint"}},
		{"Git LFS pointer", "bin-sharded-f16", map[string][]byte{shard1: []byte("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n")}, shard1,
			[]string{"a Git LFS pointer, not the weights"}},
		{"storage record missing", "bin-zip-f16", map[string][]byte{PyTorchFile: rezip(t, zipF16, "pytorch_model/data/3", "")}, PyTorchFile,
			[]string{`tensor "` + post0 + `"`, `zip record "pytorch_model/data/3" is missing`}},
		{"storage record compressed", "bin-zip-f16", map[string][]byte{PyTorchFile: rezip(t, zipF16, "", "pytorch_model/data/3")}, PyTorchFile,
			[]string{`tensor "` + post0 + `"`, "compressed"}},
		{"no data.pkl", "bin-zip-f16", map[string][]byte{PyTorchFile: rezip(t, zipF16, "pytorch_model/data.pkl", "")}, PyTorchFile,
			[]string{"no <archive>/data.pkl"}},
		{"sharded: tensor misplaced by the index", "bin-sharded-f16", map[string][]byte{PyTorchIndex: misplaced}, shard1,
			[]string{`tensor "embed_out.weight", which the index places in this shard, is not in it`}},
		{"sharded: shard missing", "bin-sharded-f16", map[string][]byte{shard1: nil}, PyTorchIndex,
			[]string{shard1, "missing"}},
	}
	for _, tt := range tests {
		dir := copyModel(t, tt.variant, tt.edit)
		ck, err := Open(dir)
		if err == nil {
			ck.Close()
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		for _, w := range append([]string{filepath.Join(dir, tt.file)}, tt.want...) {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error spans lines: %q", tt.name, msg)
		}
	}
}

// TestBinTruncatedAnywhere cuts each format at many lengths: the reader must return an error or tensors that lie
// inside what is left, and never panic.
func TestBinTruncatedAnywhere(t *testing.T) {
	for _, v := range []string{"bin-zip-f16", "bin-legacy-f32"} {
		buf := readTestdata(t, v, PyTorchFile)
		step := 3
		if testing.Short() {
			step = 37
		}
		for n := 0; n < len(buf); n += step {
			cut := slices.Clone(buf[:n]) // a copy, so that a tensor pointing past the cut would panic below
			tensors, err := torchTensors(cut)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("%s cut at %d: error spans lines: %q", v, n, err)
				}
				continue
			}
			for _, st := range tensors {
				out := make([]float32, st.numel)
				if st.strides != nil {
					decodeStrided(out, st.data, st.dtype, st.shape, st.strides)
				} else {
					decode(out, st.data, st.dtype)
				}
			}
		}
	}
}

// FuzzTorchTensors feeds corrupted .bin files to the reader, which must not panic, and whose tensors must decode.
func FuzzTorchTensors(f *testing.F) {
	for _, v := range binVariants {
		ents, _ := os.ReadDir(filepath.Join("testdata", v))
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".bin") {
				b, err := os.ReadFile(filepath.Join("testdata", v, e.Name()))
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, buf []byte) {
		tensors, err := torchTensors(buf)
		if err != nil {
			return
		}
		for _, st := range tensors {
			if st.numel > 1<<20 {
				continue // a broadcast view may legitimately be far larger than the file
			}
			out := make([]float32, st.numel)
			if st.strides != nil {
				decodeStrided(out, st.data, st.dtype, st.shape, st.strides)
			} else {
				decode(out, st.data, st.dtype)
			}
		}
	})
}

// TestDecodeStrided gathers a transposed and a stepped view by hand.
func TestDecodeStrided(t *testing.T) {
	// Storage 0..11 as F32; the tensor is the [3, 2] view with strides (1, 3): the transpose of a row-major [2, 3].
	src := make([]byte, 0, 48)
	for i := range 12 {
		src = append(src, byte(math.Float32bits(float32(i))), byte(math.Float32bits(float32(i))>>8), byte(math.Float32bits(float32(i))>>16), byte(math.Float32bits(float32(i))>>24))
	}
	tests := []struct {
		shape, strides []int
		from           int
		want           []float32
	}{
		{[]int{3, 2}, []int{1, 3}, 0, []float32{0, 3, 1, 4, 2, 5}},
		{[]int{2, 3}, []int{6, 2}, 1, []float32{1, 3, 5, 7, 9, 11}},
		{[]int{2, 2}, []int{0, 1}, 4, []float32{4, 5, 4, 5}}, // a broadcast (expanded) row
		{[]int{}, []int{}, 7, []float32{7}},                  // a scalar
	}
	for _, tt := range tests {
		got := make([]float32, len(tt.want))
		decodeStrided(got, src[4*tt.from:], F32, tt.shape, tt.strides)
		if !slices.Equal(got, tt.want) {
			t.Errorf("shape %v strides %v from %d: %v, want %v", tt.shape, tt.strides, tt.from, got, tt.want)
		}
	}
}
