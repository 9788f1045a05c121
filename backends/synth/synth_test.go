package synth

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

func TestSynthDeterministic(t *testing.T) {
	tok := []byte(`{"model":{"type":"BPE"}}`)
	opt := Options{Preset: "tiny", Seed: 7}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Synth(dir, opt, tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Synth(c, Options{Preset: "tiny", Seed: 8}, tok); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{checkpoint.SafetensorsFile, checkpoint.ConfigFile, "tokenizer.json"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	x, _ := os.ReadFile(filepath.Join(a, checkpoint.SafetensorsFile))
	z, _ := os.ReadFile(filepath.Join(c, checkpoint.SafetensorsFile))
	if bytes.Equal(x, z) {
		t.Error("seeds 7 and 8 give the same weights")
	}
	if tj, _ := os.ReadFile(filepath.Join(a, "tokenizer.json")); !bytes.Equal(tj, tok) {
		t.Error("tokenizer.json not verbatim")
	}
}

// TestSynthOpen checks that a synthesised directory opens with exactly the family's parameters, that its config.json
// maps back to the same model with the overrides applied, and that the stored values do not depend on the dtype (F16
// is F32 rounded).
func TestSynthOpen(t *testing.T) {
	f32, f16 := t.TempDir(), t.TempDir()
	opt := Options{Preset: "micro", Shape: arch.Shape{Layers: 3}, DType: "f32", Seed: 1,
		Extra: map[string]any{"use_parallel_residual": false, "max_position_embeddings": 512, "rotary_pct": 0.5}}
	m, err := Synth(f32, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt.DType = "float16"
	if _, err := Synth(f16, opt, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f32, "tokenizer.json")); err == nil {
		t.Error("tokenizer.json written without tokenizer bytes")
	}
	a, err := checkpoint.Open(f32)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := checkpoint.Open(f16)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	back, err := arch.New(a.ConfigJSON, arch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *back.Config(), *m.Config(); got.Layers != 3 || got.Hidden != 32 || got.MaxPositions != 512 ||
		!bytes.Equal(got.Raw, want.Raw) || got.ModelType != "gpt_neox" {
		t.Errorf("config.json reads back as %+v, want %+v", got, want)
	}
	for _, k := range []string{`"rotary_pct": 0.5`, `"rotary_emb_base": 10000`, `"GPTNeoXForCausalLM"`, `"torch_dtype": "float32"`,
		`"use_parallel_residual": false`, `"scalefit_synth"`} {
		if !strings.Contains(string(a.ConfigJSON), k) {
			t.Errorf("config.json lacks %s", k)
		}
	}
	if !checkpoint.IsSynthetic(a.ConfigJSON) {
		t.Error("a synth config.json is not recognised as synthetic")
	}
	if a.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", a.Metadata)
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
		if s, _ := a.Shape(p.Name); !slices.Equal(s, p.Shape) {
			t.Errorf("%s: stored %v, want %v", p.Name, s, p.Shape)
		}
	}
	slices.Sort(names)
	if !slices.Equal(a.Names(), names) {
		t.Errorf("stored %v, want %v", a.Names(), names)
	}
	for _, name := range a.Names() {
		x, _ := a.Float32(name)
		y, _ := b.Float32(name)
		for i := range x {
			if want := checkpoint.F16ToFloat32(checkpoint.Float32ToF16(x[i])); y[i] != want {
				t.Fatalf("%s[%d]: F16 %g, want %g", name, i, y[i], want)
			}
		}
	}
}

// TestSynthInit checks the drawn values' statistics against the family's Init on the small preset (d=128, L=4), in
// F32, and the constants exactly.
func TestSynthInit(t *testing.T) {
	dir := t.TempDir()
	m, err := Synth(dir, Options{Preset: "small", DType: checkpoint.F32, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	small := math.Sqrt(2.0 / (5 * 128)) // 0.0559
	wang := 2 / (4 * math.Sqrt(128))    // 0.0442
	tests := []struct {
		name string
		std  float64
		tol  float64 // relative tolerance on the sample std: several standard errors, 1/sqrt(2n)
	}{
		{"gpt_neox.embed_in.weight", small, 0.01},                           // n = 131072
		{"embed_out.weight", small, 0.01},                                   //
		{"gpt_neox.layers.0.attention.query_key_value.weight", small, 0.02}, // n = 49152
		{"gpt_neox.layers.3.mlp.dense_h_to_4h.weight", small, 0.02},         // n = 65536
		{"gpt_neox.layers.1.attention.dense.weight", wang, 0.03},            // n = 16384
		{"gpt_neox.layers.2.mlp.dense_4h_to_h.weight", wang, 0.02},          // n = 65536
	}
	for _, tt := range tests {
		if got := m.Init(tt.name).Std; math.Abs(got-tt.std) > 1e-15 {
			t.Errorf("Init(%s) = %g, want %g", tt.name, got, tt.std)
		}
		x, err := ck.Float32(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		var s, s2 float64
		for _, v := range x {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(len(x))
		mean := s / n
		std := math.Sqrt(s2/n - mean*mean)
		if math.Abs(std/tt.std-1) > tt.tol {
			t.Errorf("%s: std %.5f, want %.5f ± %.0f%%", tt.name, std, tt.std, 100*tt.tol)
		}
		if math.Abs(mean) > 5*tt.std/math.Sqrt(n) {
			t.Errorf("%s: mean %.5f, want 0 ± %.5f", tt.name, mean, 5*tt.std/math.Sqrt(n))
		}
	}
	for _, name := range ck.Names() {
		init := m.Init(name)
		if init.Std > 0 {
			continue
		}
		x, _ := ck.Float32(name)
		for i, v := range x {
			if v != init.Const {
				t.Fatalf("%s[%d] = %g, want %g", name, i, v, init.Const)
			}
		}
	}
}

func TestSynthErrors(t *testing.T) {
	for _, tt := range []struct {
		opt  Options
		want string
	}{
		{Options{Preset: "pythia-7b"}, `unknown preset "pythia-7b"`},
		{Options{Shape: arch.Shape{Hidden: 64, Heads: 4}}, "no preset given"},
		{Options{Preset: "tiny", Shape: arch.Shape{Heads: 5}}, `"num_attention_heads": 5 does not divide`},
		{Options{Preset: "tiny", DType: "int8"}, `dtype "int8"`},
		{Options{Preset: "tiny", Family: "llama"}, "preset tiny is a gpt_neox shape, not llama"},
		{Options{Family: "bert", Shape: arch.Shape{Layers: 1}}, `family "bert" cannot be synthesised`},
		{Options{Preset: "tiny", Extra: map[string]any{"hidden_act": "relu"}}, `"hidden_act"`},
	} {
		dir := t.TempDir()
		_, err := Synth(dir, tt.opt, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("Synth(%+v) = %v, want %q", tt.opt, err, tt.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("Synth(%+v) left %d files", tt.opt, len(entries))
		}
	}
}

func TestPresets(t *testing.T) {
	ps := Presets()
	first := map[string]string{} // each family's first preset
	for _, p := range ps {
		if _, ok := first[p.Family]; !ok {
			first[p.Family] = p.Name
		}
	}
	if len(ps) < 11 || first["gpt_neox"] != "pythia-70m" {
		t.Fatalf("Presets() = %v", ps)
	}
	p, ok := LookupPreset("Pythia-6.9B")
	if !ok || p.Shape.Vocab != 50432 || p.Shape.Hidden != 4096 || p.Shape.Layers != 32 {
		t.Errorf("pythia-6.9b: %+v", p)
	}
	if p, _ := LookupPreset("tiny"); p.Shape != (arch.Shape{Layers: 2, Hidden: 64, Heads: 4, FFN: 256, Vocab: 512}) {
		t.Errorf("tiny: %+v", p)
	}
	for _, p := range ps {
		if _, _, err := build(Options{Preset: p.Name}); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	if !strings.Contains(PresetNames(), "pythia-160m, pythia-410m") {
		t.Errorf("PresetNames() = %s", PresetNames())
	}
}
