package measure_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/measure"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

// sink collects rows and counts progress events.
type sink struct {
	rows     []schema.Row
	progress int
}

func (s *sink) Progress(backends.Progress) { s.progress++ }
func (s *sink) Rows(r []schema.Row) error  { s.rows = append(s.rows, r...); return nil }

// copyDir copies a model directory into a temporary one, applying edit (name → contents; nil removes the file).
func copyDir(t *testing.T, src string, edit map[string][]byte) string {
	t.Helper()
	dst := t.TempDir()
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
		files[name] = b
	}
	for name, b := range files {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// configWith returns dir's config.json with the keys of over set.
func configWith(t *testing.T, dir string, over map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, checkpoint.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range over {
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return out
}

// TestCheckParams checks that Run refuses stored tensors that are not exactly the model's parameters, in safetensors
// and .bin, single and sharded, with one line naming the file and the tensor.
func TestCheckParams(t *testing.T) {
	bin := func(v string) string { return filepath.Join("..", "checkpoint", "testdata", v) }
	tiny := filepath.Join(t.TempDir(), "tiny")
	if _, err := synth.Synth(tiny, synth.Options{Preset: "tiny", DType: "F32", Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
		over map[string]any
		file string // the file the error must name
		want string
	}{
		{"missing tensor", bin("bin-zip-f16"), map[string]any{"num_hidden_layers": 3}, checkpoint.PyTorchFile,
			`tensor "gpt_neox.layers.2.attention.dense.bias" is missing (and 11 more)`},
		{"unexpected tensor", bin("bin-legacy-f32"), map[string]any{"num_hidden_layers": 1}, checkpoint.PyTorchFile,
			`unexpected tensor "gpt_neox.layers.1.attention.dense.bias": not a gpt_neox parameter`},
		{"wrong shape", bin("bin-views-bf16"), map[string]any{"intermediate_size": 16}, checkpoint.PyTorchFile,
			`tensor "gpt_neox.layers.0.mlp.dense_4h_to_h.weight" has shape [8 32], but config.json implies [8 16]`},
		{"sharded: wrong shape", bin("bin-sharded-f16"), map[string]any{"vocab_size": 11}, "pytorch_model-00002-of-00002.bin",
			`tensor "embed_out.weight" has shape [12 8], but config.json implies [11 8]`},
		{"sharded: missing tensor", bin("bin-sharded-f16"), map[string]any{"num_hidden_layers": 3}, checkpoint.PyTorchIndex,
			`tensor "gpt_neox.layers.2.attention.dense.bias" is missing`},
		{"safetensors: wrong size", tiny, map[string]any{"vocab_size": 513}, checkpoint.SafetensorsFile,
			`tensor "embed_out.weight" has shape [512 64], but config.json implies [513 64]`},
		{"biasless config, biased weights", tiny, map[string]any{"attention_bias": false}, checkpoint.SafetensorsFile,
			`unexpected tensor "gpt_neox.layers.0.attention.dense.bias"`},
		{"bad config", tiny, map[string]any{"hidden_size": 1000000}, checkpoint.ConfigFile, `"hidden_size": 1000000 exceeds`},
		{"unknown family", tiny, map[string]any{"model_type": "bert"}, checkpoint.ConfigFile, `model_type "bert" is not supported (supported: gemma, gemma2, gpt2, gpt_neox`},
	}
	for _, tt := range tests {
		dir := copyDir(t, tt.src, map[string][]byte{checkpoint.ConfigFile: configWith(t, tt.src, tt.over)})
		_, err := cpu.New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: [][]int32{{1, 2}}}, &sink{})
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		for _, w := range []string{"cpu: " + filepath.Join(dir, tt.file) + ": ", tt.want} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error spans lines: %q", tt.name, msg)
		}
	}
}

// TestTied runs a tied checkpoint: without embed_out.weight, and with a copy of it stored anyway (which HF
// overwrites, and which is ignored), the loss is the same and reads embed_in.
func TestTied(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tied")
	if _, err := synth.Synth(dir, synth.Options{Preset: "micro", DType: "F32", Seed: 2,
		Extra: map[string]any{"tie_word_embeddings": true}}, nil); err != nil {
		t.Fatal(err)
	}
	req := &backends.Request{ModelDir: dir, Sequences: [][]int32{{1, 2, 3, 4}}, Loss: true}
	res, err := cpu.New().Run(context.Background(), req, &sink{})
	if err != nil {
		t.Fatal(err)
	}
	// The same weights with embed_out stored as well, and a value in it that would change the loss if it were read.
	ck, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tensors []checkpoint.NamedTensor
	for _, name := range ck.Names() {
		v, _ := ck.Float32(name)
		s, _ := ck.Shape(name)
		tensors = append(tensors, checkpoint.NamedTensor{Name: name, Shape: s, Data: v})
		if name == "gpt_neox.embed_in.weight" {
			w := make([]float32, len(v))
			w[0] = 100
			tensors = append(tensors, checkpoint.NamedTensor{Name: "embed_out.weight", Shape: s, Data: w})
		}
	}
	ck.Close()
	both := copyDir(t, dir, nil)
	if err := checkpoint.WriteSafetensors(filepath.Join(both, checkpoint.SafetensorsFile), tensors, checkpoint.F32, nil); err != nil {
		t.Fatal(err)
	}
	req.ModelDir = both
	res2, err := cpu.New().Run(context.Background(), req, &sink{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loss != res2.Loss || !(res.Loss > 0) {
		t.Errorf("loss %v without embed_out, %v with an ignored copy", res.Loss, res2.Loss)
	}
}

// TestMemoryFollowsOneLayer runs the same width at 2 and 8 layers and compares the bytes the Go heap allocated over
// the run: buffers are pooled, so each extra layer may add only bookkeeping (maps, rows), not its weights (about
// 3 MB here) or activations.
func TestMemoryFollowsOneLayer(t *testing.T) {
	alloc := func(layers int) uint64 {
		dir := filepath.Join(t.TempDir(), "m")
		if _, err := synth.Synth(dir, synth.Options{Preset: "small", DType: "F16", Seed: 1,
			Shape: arch.Shape{Layers: layers, Hidden: 256, FFN: 1024}}, nil); err != nil {
			t.Fatal(err)
		}
		seqs := [][]int32{make([]int32, 300), make([]int32, 200)}
		run := func() uint64 {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := cpu.New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: seqs, Threads: 2}, &sink{}); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		run() // warm up once-only allocations (tables, pools of the runtime)
		return run()
	}
	two, eight := alloc(2), alloc(8)
	const layerBytes = 4 * (4*256*256 + 2*256*1024) // one layer's float32 weights
	perLayer := (float64(eight) - float64(two)) / 6
	t.Logf("allocated %d bytes at 2 layers, %d at 8: %.0f bytes per extra layer (a layer's weights: %d)", two, eight, perLayer, layerBytes)
	if perLayer > 0.05*layerBytes {
		t.Errorf("each extra layer allocates %.0f bytes, more than 5%% of its weights (%d): memory grows with depth", perLayer, layerBytes)
	}
}

// TestBadRequests: what Run refuses before any compute.
func TestBadRequests(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "micro")
	if _, err := synth.Synth(dir, synth.Options{Preset: "micro", Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		req  *backends.Request
		sink backends.Sink
		want string
	}{
		{&backends.Request{ModelDir: dir, Sequences: [][]int32{{1}}, GELU: "relu"}, &sink{}, `unknown gelu "relu"`},
		{&backends.Request{ModelDir: dir, Sequences: [][]int32{{1}}, Threads: -1}, &sink{}, "threads -1 is negative"},
		{&backends.Request{ModelDir: dir, Sequences: [][]int32{{1}}}, nil, "nil sink"},
	} {
		_, err := measure.Run(context.Background(), tt.req, tt.sink, measure.Backend{Name: "x"})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "x: ") {
			t.Errorf("%+v: err = %v, want %q", tt.req, err, tt.want)
		}
	}
}
