package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/fuzzcorpus"
)

// safetensorsFile assembles a safetensors file from its JSON header and data buffer.
func safetensorsFile(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

// FuzzSafetensorsHeader feeds corrupted safetensors files to the header parser: it must return an error of one line,
// or tensors whose bytes lie inside the file and decode. Its seed corpus (testdata/fuzz/FuzzSafetensorsHeader) holds
// the reproducers of TestFuzzCorpus.
func FuzzSafetensorsHeader(f *testing.F) {
	golden, err := os.ReadFile("testdata/golden.safetensors")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Fuzz(func(t *testing.T, buf []byte) {
		c := &Checkpoint{}
		tensors, err := c.safetensorsTensors(buf)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\x1b") || len(err.Error()) > 1000 {
				t.Fatalf("error is not one short clean line: %.300q", err)
			}
			return
		}
		for _, st := range tensors {
			decode(make([]float32, st.numel), st.data, st.dtype)
		}
	})
}

// TestFuzzCorpus writes the seed corpora of the fuzz targets of this package (with SCALEFIT_WRITE_FUZZ_CORPUS set;
// scripts/fuzz corpus): every hostile file of the tests, so that fuzzing starts from each and `go test` replays it.
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	write := func(target, name string, b []byte) {
		t.Helper()
		if err := fuzzcorpus.Write(target, name, b); err != nil {
			t.Fatal(err)
		}
	}
	// The pickle reader.
	ents, _ := os.ReadDir("testdata/hostile")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/hostile", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		write("FuzzTorchTensors", "torch-"+strings.TrimSuffix(e.Name(), ".bin"), b)
	}
	data := f32Bytes(1, 2)
	sd := func(value func(*pk)) []byte {
		p := newPickle().orderedDict().op('(').str("w")
		value(p)
		return zipFile(t, p.op('u').stop(), map[string][]byte{"0": data})
	}
	plain := func(p *pk) { p.tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, nil) }
	write("FuzzTorchTensors", "plain-ordered-dict", sd(plain))
	write("FuzzTorchTensors", "global-in-value", sd(evilGlobal))
	write("FuzzTorchTensors", "global-in-hooks", sd(func(p *pk) {
		p.tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, func(p *pk) {
			p.orderedDict().op('(').int(0).global("__main__", "hook").op('u')
		})
	}))
	write("FuzzTorchTensors", "global-in-metadata", zipFile(t, newPickle().orderedDict().op('(').str("w").
		tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, nil).op('u').
		op('}').str("_metadata").orderedDict().op('(').str("").op('}').str("version").global("subprocess", "Popen").
		op('s', 'u', 's', 'b').stop(), map[string][]byte{"0": data}))
	write("FuzzTorchTensors", "global-as-location", sd(func(p *pk) {
		p.global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage").global("torch", "FloatStorage").str("0")
		p.global("torch", "device").op('(').str("cpu").op('t', 'R').int(2).op('t', 'Q').int(0).ints(2).ints(1).op(0x89).orderedDict().op('t', 'R')
	}))
	write("FuzzTorchTensors", "stack-global", sd(func(p *pk) { p.str("os").str("system").op(0x93) }))
	write("FuzzTorchTensors", "inst", sd(func(p *pk) { p.op('(').str("x").op('i').op([]byte("os\nsystem\n")...) }))
	write("FuzzTorchTensors", "marks", zipFile(t, newPickle().op(bytes.Repeat([]byte{'('}, defaultPickleLimits.marks+1)...).stop(), nil))
	write("FuzzTorchTensors", "decimal-long", zipFile(t, slices.Concat(newPickle().b, []byte{'L'}, bytes.Repeat([]byte{'9'}, 200_000), []byte("L\n.")), nil))
	write("FuzzTorchTensors", "long4", zipFile(t, slices.Concat(newPickle().op(0x8b, 0, 0, 1, 0).b, bytes.Repeat([]byte{0xff}, 65536), []byte{'.'}), nil))
	write("FuzzTorchTensors", "view-of-view", legacyViews("abc"))
	write("FuzzTorchTensors", "view-of-view-named-first", legacyViews("cab"))
	write("FuzzTorchTensors", "long-tensor-name", zipFile(t, newPickle().op('}', '(').str(strings.Repeat("n", 64<<10)).
		tensor("FloatStorage", "0", 1, false, nil, 0, []int{1}, []int{1}, nil).op('u').stop(), map[string][]byte{"0": f32Bytes(1)}))
	write("FuzzTorchTensors", "escape-in-storage-key", zipFile(t, newPickle().op('}', '(').str("w").
		tensor("FloatStorage", "0\x1b[2K\rowned", 1, false, nil, 0, []int{1}, []int{1}, nil).op('u').stop(), nil))
	p := newPickle().orderedDict().op('(').
		str("w").tensor("FloatStorage", "0", 2, true, nil, 0, []int{2}, []int{1}, nil).
		str("attention.bias").tensor("FloatStorage", "1", 16, true, nil, 0, []int{16}, []int{1}, nil).op('u').stop()
	full := legacyFile(p, []string{"0", "1"}, [][]byte{f32Bytes(1, 2), f32Bytes(iota32(16)...)}, 4)
	write("FuzzTorchTensors", "legacy-truncated-in-a-buffer", full[:len(full)-7])

	// The safetensors header.
	entry := func(name string, off0, off1 int) string {
		b, _ := json.Marshal(map[string]any{name: map[string]any{"dtype": "F32", "shape": []int{(off1 - off0) / 4}, "data_offsets": []int{off0, off1}}})
		return string(b)
	}
	write("FuzzSafetensorsHeader", "plain", safetensorsFile(entry("w", 0, 8), f32Bytes(1, 2)))
	write("FuzzSafetensorsHeader", "long-escaped-name", safetensorsFile(entry("\x1b[2K"+strings.Repeat("n", 64<<10), 0, 8), f32Bytes(1, 2)))
	write("FuzzSafetensorsHeader", "offsets-past-the-end", safetensorsFile(entry("w", 0, 1<<40), f32Bytes(1, 2)))
	write("FuzzSafetensorsHeader", "offsets-overflow", safetensorsFile(`{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, nil))
	write("FuzzSafetensorsHeader", "overlap", safetensorsFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32Bytes(1, 2, 3)))
	write("FuzzSafetensorsHeader", "absurd-header-length", binary.LittleEndian.AppendUint64(nil, 1<<62))
}
