package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testConfigJSON is a one-layer GPT-NeoX small enough to build by hand: d=8, one head, ff=16, V=10.
const testConfigJSON = `{"model_type":"gpt_neox","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":1,"intermediate_size":16,"vocab_size":10}`

// testModel returns the parameters of the test model, in state-dict order, with distinct values that exercise
// rounding (they are not all representable in F16 or BF16).
func testModel(t *testing.T, configJSON string) []NamedTensor {
	t.Helper()
	var out []NamedTensor
	k := 0
	for _, s := range ParamSpecs([]byte(configJSON)) {
		n := 1
		for _, d := range s.Shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			k++
			data[i] = float32(math.Sin(float64(k))*math.Pow(10, float64(k%9-4))) + float32(k)*1e-3
		}
		out = append(out, NamedTensor{Name: s.Name, Shape: s.Shape, Data: data})
	}
	return out
}

// writeDir makes a model directory holding configJSON and the files given (name -> contents).
func writeDir(t *testing.T, configJSON string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	if configJSON != "" {
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(configJSON), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// roundTrip is what storing x as dtype and reading it back must give.
func roundTrip(x float32, dtype string) float32 {
	switch dtype {
	case F16:
		return F16ToFloat32(Float32ToF16(x))
	case BF16:
		return BF16ToFloat32(Float32ToBF16(x))
	}
	return x
}

func checkTensors(t *testing.T, ck *Checkpoint, tensors []NamedTensor, dtype string) {
	t.Helper()
	for _, nt := range tensors {
		got, err := ck.Float32(nt.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(nt.Data) {
			t.Fatalf("%s: %d values, want %d", nt.Name, len(got), len(nt.Data))
		}
		for i, x := range nt.Data {
			if want := roundTrip(x, dtype); math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("%s %s[%d] = %g, want %g", dtype, nt.Name, i, got[i], want)
			}
		}
		if s, ok := ck.Shape(nt.Name); !ok || !slices.Equal(s, nt.Shape) {
			t.Errorf("Shape(%s) = %v, %v; want %v", nt.Name, s, ok, nt.Shape)
		}
		if d, ok := ck.DType(nt.Name); !ok || d != dtype {
			t.Errorf("DType(%s) = %v, want %v", nt.Name, d, dtype)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := testModel(t, testConfigJSON)
	for _, dtype := range []string{F32, F16, BF16} {
		dir := writeDir(t, testConfigJSON, nil)
		if err := WriteSafetensors(filepath.Join(dir, SafetensorsFile), tensors, dtype, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, SafetensorsFile))
		if n := binary.LittleEndian.Uint64(b); n%8 != 0 || b[8+n-1] != ' ' && b[8+n-1] != '}' {
			t.Errorf("%s: header length %d not padded to 8", dtype, n)
		}
		ck, err := Open(dir)
		if err != nil {
			t.Fatalf("%s: %v", dtype, err)
		}
		if len(ck.Names()) != len(tensors) || ck.Metadata["format"] != "pt" || string(ck.ConfigJSON) != testConfigJSON {
			t.Errorf("%s: %d names, metadata %v", dtype, len(ck.Names()), ck.Metadata)
		}
		checkTensors(t, ck, tensors, dtype)
		if _, err := ck.Float32("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("Float32(nope): %v", err)
		}
		if err := ck.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := ck.Float32(EmbedIn); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("after Close: %v", err)
		}
		if err := ck.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

// TestGoldenFile reads a file written by testdata/gen_golden.py (laid out as the reference implementation does)
// and compares every decoded value bit for bit with torch's conversion.
func TestGoldenFile(t *testing.T) {
	g := readGolden(t)
	buf, err := os.ReadFile("testdata/golden.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseHeader(buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.metadata["format"] != "pt" || h.metadata["source"] != "gen_golden.py" {
		t.Errorf("metadata %v", h.metadata)
	}
	if len(h.tensors) != 3 {
		t.Errorf("%d tensors, want 3 (the BOOL buffer skipped)", len(h.tensors))
	}
	for name, want := range g.Decoded {
		e, ok := h.tensors[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		if !slices.Equal(e.shape, g.Shape) {
			t.Errorf("%s shape %v, want %v", name, e.shape, g.Shape)
		}
		got := make([]float32, e.numel)
		decode(got, buf[h.dataStart+e.begin:h.dataStart+e.end], e.dtype)
		for i := range want {
			if math.Float32bits(got[i]) != want[i] {
				t.Errorf("%s[%d] = %#08x, torch %#08x", name, i, math.Float32bits(got[i]), want[i])
			}
		}
	}
}

func TestSharded(t *testing.T) {
	tensors := testModel(t, testConfigJSON)
	dir := writeDir(t, testConfigJSON, nil)
	if err := WriteSharded(dir, tensors, "bf16", 600); err != nil {
		t.Fatal(err)
	}
	ck, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if len(ck.Files) < 3 {
		t.Errorf("%d shards, want several", len(ck.Files))
	}
	for i, f := range ck.Files {
		if want := filepath.Join(dir, "model-0000"+string(rune('1'+i))+"-of-0000"+string(rune('0'+len(ck.Files)))+".safetensors"); f != want {
			t.Errorf("shard %d: %s, want %s", i, f, want)
		}
	}
	checkTensors(t, ck, tensors, BF16)

	var idx struct {
		Metadata  map[string]int64  `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, SafetensorsIndex))
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, nt := range tensors {
		total += 2 * int64(len(nt.Data))
	}
	if idx.Metadata["total_size"] != total || len(idx.WeightMap) != len(tensors) {
		t.Errorf("index: total_size %d (want %d), %d entries", idx.Metadata["total_size"], total, len(idx.WeightMap))
	}
}

// rawEntries lays the test model out as F32 header entries and data, for tests that corrupt them.
func rawEntries(t *testing.T) (map[string]any, []byte) {
	tensors := testModel(t, testConfigJSON)
	hdr := map[string]any{}
	var data []byte
	for _, nt := range tensors {
		begin := len(data)
		for _, x := range nt.Data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(x))
		}
		hdr[nt.Name] = map[string]any{"dtype": "F32", "shape": nt.Shape, "data_offsets": []int{begin, len(data)}}
	}
	return hdr, data
}

// encodeRaw assembles a safetensors file from a header and data, independently of writer.go.
func encodeRaw(t *testing.T, hdr map[string]any, data []byte) []byte {
	js, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(out, js...), data...)
}

func entry(hdr map[string]any, name string) map[string]any { return hdr[name].(map[string]any) }

const (
	qkvW = "gpt_neox.layers.0.attention.query_key_value.weight"
	lnB  = "gpt_neox.layers.0.input_layernorm.bias"
)

// TestOpenBuffersIgnored stores the three GPT-NeoX buffers in odd dtypes and shapes; Open must not mind them.
func TestOpenBuffersIgnored(t *testing.T) {
	hdr, data := rawEntries(t)
	n := len(data)
	data = append(data, make([]byte, 16+8)...)
	hdr["gpt_neox.layers.0.attention.bias"] = map[string]any{"dtype": "BOOL", "shape": []int{1, 1, 4, 4}, "data_offsets": []int{n, n + 16}}
	hdr["gpt_neox.layers.0.attention.masked_bias"] = map[string]any{"dtype": "F64", "shape": []int{}, "data_offsets": []int{n + 16, n + 24}}
	hdr["gpt_neox.layers.0.attention.rotary_emb.inv_freq"] = map[string]any{"dtype": "U8", "shape": []int{3}, "data_offsets": []int{1 << 40, 0}}
	hdr["__metadata__"] = map[string]string{"format": "pt"}
	dir := writeDir(t, testConfigJSON, map[string][]byte{SafetensorsFile: encodeRaw(t, hdr, data)})
	ck, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	for _, name := range ck.Names() {
		if IsBuffer(name) {
			t.Errorf("Names lists buffer %s", name)
		}
	}
	if _, err := ck.Float32("gpt_neox.layers.0.attention.bias"); err == nil {
		t.Error("Float32 of a buffer: no error")
	}
}

// TestOpenErrors corrupts a valid checkpoint in every way Open must catch, and checks that the one-line error names
// the file and the tensor.
func TestOpenErrors(t *testing.T) {
	file := SafetensorsFile
	tests := []struct {
		name   string
		mutate func(hdr map[string]any, data []byte) []byte // returns the file; nil hdr means build it yourself
		want   []string
	}{
		{"truncated file", func(hdr map[string]any, data []byte) []byte {
			return encodeRaw(t, hdr, data[:len(data)-10])
		}, []string{file, `"embed_out.weight"`, "truncated"}},
		{"header length past EOF", func(hdr map[string]any, data []byte) []byte {
			b := encodeRaw(t, hdr, data)
			binary.LittleEndian.PutUint64(b, uint64(len(b)))
			return b
		}, []string{file, "header length", "runs past the end of the file"}},
		{"absurd header length", func(hdr map[string]any, data []byte) []byte {
			b := encodeRaw(t, hdr, data)
			binary.LittleEndian.PutUint64(b, 1<<40)
			return b
		}, []string{file, "absurd"}},
		{"short file", func(hdr map[string]any, data []byte) []byte { return []byte{1, 2, 3} }, []string{file, "too short"}},
		{"malformed JSON", func(hdr map[string]any, data []byte) []byte {
			js := `{"a": [1, 2}`
			return append(binary.LittleEndian.AppendUint64(nil, uint64(len(js))), js...)
		}, []string{file, "malformed JSON"}},
		{"header not an object", func(hdr map[string]any, data []byte) []byte {
			js := `[1,2,3] `
			return append(binary.LittleEndian.AppendUint64(nil, uint64(len(js))), js...)
		}, []string{file, "malformed JSON"}},
		{"overlapping offsets", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, "gpt_neox.final_layer_norm.weight")["data_offsets"] = entry(hdr, "gpt_neox.final_layer_norm.bias")["data_offsets"]
			return encodeRaw(t, hdr, data)
		}, []string{file, `"gpt_neox.final_layer_norm.weight"`, `"gpt_neox.final_layer_norm.bias"`, "overlap"}},
		{"offsets out of range", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["data_offsets"] = []int{len(data) + 64, len(data) + 96}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "out of range"}},
		{"huge offsets", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["data_offsets"] = []uint64{math.MaxUint64 - 32, math.MaxUint64}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "out of range"}},
		{"end before begin", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["data_offsets"] = []int{32, 0}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "end before they begin"}},
		{"negative offset", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["data_offsets"] = []int{-32, 0}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "malformed header entry"}},
		{"byte size mismatch", func(hdr map[string]any, data []byte) []byte {
			e := entry(hdr, lnB)
			b := e["data_offsets"].([]int)[0]
			e["data_offsets"] = []int{b, b + 16}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "hold 16 bytes", "needs 32"}},
		{"unsupported dtype", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["dtype"] = "I32"
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "dtype I32 is not supported"}},
		{"unknown dtype", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["dtype"] = "F128"
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, `unknown dtype "F128"`}},
		{"negative dimension", func(hdr map[string]any, data []byte) []byte {
			entry(hdr, lnB)["shape"] = []int{-8}
			return encodeRaw(t, hdr, data)
		}, []string{file, `"` + lnB + `"`, "negative"}},
	}
	for _, tt := range tests {
		hdr, data := rawEntries(t)
		dir := writeDir(t, testConfigJSON, map[string][]byte{SafetensorsFile: tt.mutate(hdr, data)})
		ck, err := Open(dir)
		if err == nil {
			ck.Close()
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		for _, w := range tt.want {
			if w == file {
				w = filepath.Join(dir, file)
			}
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error spans lines: %q", tt.name, msg)
		}
	}
}

func TestOpenDirectoryErrors(t *testing.T) {
	tensors := testModel(t, testConfigJSON)
	good := writeDir(t, testConfigJSON, nil)
	if err := WriteSafetensors(filepath.Join(good, SafetensorsFile), tensors, F32, nil); err != nil {
		t.Fatal(err)
	}
	weights, _ := os.ReadFile(filepath.Join(good, SafetensorsFile))

	missing := filepath.Join(t.TempDir(), "absent")
	noConfig := writeDir(t, "", map[string][]byte{SafetensorsFile: weights})
	noWeights := writeDir(t, testConfigJSON, nil)
	binOnly := writeDir(t, testConfigJSON, map[string][]byte{"pytorch_model.bin": {0}})

	// Sharded: a shard missing, and an index that misplaces a tensor.
	sharded := writeDir(t, testConfigJSON, nil)
	if err := WriteSharded(sharded, tensors, F32, 1000); err != nil {
		t.Fatal(err)
	}
	lostShard := filepath.Join(sharded, "model-00002-of-00004.safetensors")
	if _, err := os.Stat(lostShard); err != nil {
		t.Fatal(err)
	}
	misplaced := writeDir(t, testConfigJSON, nil)
	if err := WriteSharded(misplaced, tensors, F32, 1000); err != nil {
		t.Fatal(err)
	}
	idxPath := filepath.Join(misplaced, SafetensorsIndex)
	b, _ := os.ReadFile(idxPath)
	var idx map[string]any
	json.Unmarshal(b, &idx)
	idx["weight_map"].(map[string]any)[EmbedIn] = "model-00004-of-00004.safetensors"
	b, _ = json.Marshal(idx)
	os.WriteFile(idxPath, b, 0o644)
	os.Remove(lostShard)

	escape := writeDir(t, testConfigJSON, map[string][]byte{SafetensorsIndex: []byte(`{"weight_map":{"embed_out.weight":"../x.safetensors"}}`)})

	tests := []struct {
		dir  string
		want []string
	}{
		{missing, []string{missing, "does not exist"}},
		{noConfig, []string{noConfig, "no config.json"}},
		{noWeights, []string{noWeights, "no model.safetensors, model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json"}},
		{binOnly, []string{filepath.Join(binOnly, PyTorchFile), "not a PyTorch checkpoint"}},
		{sharded, []string{filepath.Join(sharded, SafetensorsIndex), "model-00002-of-00004.safetensors", "missing"}},
		{misplaced, []string{filepath.Join(misplaced, "model-00004-of-00004.safetensors"), `"gpt_neox.embed_in.weight"`, "not in it"}},
		{escape, []string{filepath.Join(escape, SafetensorsIndex), `"../x.safetensors"`}},
	}
	for _, tt := range tests {
		ck, err := Open(tt.dir)
		if err == nil {
			ck.Close()
			t.Errorf("%s: no error", tt.dir)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%s): error %q does not contain %q", tt.dir, err, w)
			}
		}
	}
}
