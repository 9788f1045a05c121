package checkpoint

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSynthDeterministic(t *testing.T) {
	tok := []byte(`{"model":{"type":"BPE"}}`)
	opt := SynthOptions{Preset: "tiny", Seed: 7}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Synth(dir, opt, tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Synth(c, SynthOptions{Preset: "tiny", Seed: 8}, tok); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{SafetensorsFile, ConfigFile, "tokenizer.json"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	x, _ := os.ReadFile(filepath.Join(a, SafetensorsFile))
	z, _ := os.ReadFile(filepath.Join(c, SafetensorsFile))
	if bytes.Equal(x, z) {
		t.Error("seeds 7 and 8 give the same weights")
	}
	if tj, _ := os.ReadFile(filepath.Join(a, "tokenizer.json")); !bytes.Equal(tj, tok) {
		t.Error("tokenizer.json not verbatim")
	}
}

// TestSynthOpen checks that a synthesised directory opens, that its config.json reads back the same, and that the
// stored values do not depend on the dtype (F16 is F32 rounded).
func TestSynthOpen(t *testing.T) {
	f32, f16 := t.TempDir(), t.TempDir()
	opt := SynthOptions{Preset: "micro", Layers: 3, Sequential: true, DType: "f32", Seed: 1, MaxPositions: 512, RotaryPct: 0.5}
	cfg, err := Synth(f32, opt, nil)
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
	a, err := Open(f32)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(f16)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := *a.Config
	got.Raw, cfg.Raw = nil, nil
	if !reflect.DeepEqual(got, *cfg) {
		t.Errorf("config.json reads back as %+v, want %+v", got, *cfg)
	}
	if got.NumLayers != 3 || got.HiddenSize != 32 || got.UseParallelResidual || got.MaxPositions != 512 || got.RotaryPct != 0.5 {
		t.Errorf("overrides not applied: %+v", got)
	}
	for _, k := range []string{`"rotary_pct": 0.5`, `"rotary_emb_base": 10000`, `"GPTNeoXForCausalLM"`, `"torch_dtype": "float32"`} {
		if !strings.Contains(string(a.Config.Raw), k) {
			t.Errorf("config.json lacks %s", k)
		}
	}
	if a.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", a.Metadata)
	}
	for _, name := range a.Names() {
		x, _ := a.Float32(name)
		y, _ := b.Float32(name)
		for i := range x {
			if want := roundTrip(x[i], F16); y[i] != want {
				t.Fatalf("%s[%d]: F16 %g, want %g", name, i, y[i], want)
			}
		}
	}
}

// TestSynthInit checks the init scheme's statistics on the small preset (d=128, L=4), in F32.
func TestSynthInit(t *testing.T) {
	dir := t.TempDir()
	if _, err := Synth(dir, SynthOptions{Preset: "small", DType: F32, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	ck, err := Open(dir)
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
		{EmbedIn, small, 0.01},  // n = 131072
		{EmbedOut, small, 0.01}, //
		{"gpt_neox.layers.0.attention.query_key_value.weight", small, 0.02}, // n = 49152
		{"gpt_neox.layers.3.mlp.dense_h_to_4h.weight", small, 0.02},         // n = 65536
		{"gpt_neox.layers.1.attention.dense.weight", wang, 0.03},            // n = 16384
		{"gpt_neox.layers.2.mlp.dense_4h_to_h.weight", wang, 0.02},          // n = 65536
	}
	for _, tt := range tests {
		if got := InitStd(ck.Config, tt.name); math.Abs(got-tt.std) > 1e-15 {
			t.Errorf("InitStd(%s) = %g, want %g", tt.name, got, tt.std)
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
		want := float32(-1)
		switch {
		case strings.HasSuffix(name, "layernorm.weight"), name == FinalNormW:
			want = 1
		case strings.HasSuffix(name, ".bias"):
			want = 0
		default:
			continue
		}
		x, _ := ck.Float32(name)
		for i, v := range x {
			if v != want {
				t.Fatalf("%s[%d] = %g, want %g", name, i, v, want)
			}
		}
	}
}

func TestSynthErrors(t *testing.T) {
	for _, tt := range []struct {
		opt  SynthOptions
		want string
	}{
		{SynthOptions{Preset: "pythia-7b"}, `unknown preset "pythia-7b"`},
		{SynthOptions{Hidden: 64, Heads: 4}, "no preset given"},
		{SynthOptions{Preset: "tiny", Heads: 5}, `"num_attention_heads": 5 does not divide`},
		{SynthOptions{Preset: "tiny", DType: "int8"}, `dtype "int8"`},
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
	if len(ps) < 11 || ps[0].Name != "pythia-70m" {
		t.Fatalf("Presets() = %v", ps)
	}
	p, ok := LookupPreset("Pythia-6.9B")
	if !ok || p.Vocab != 50432 || p.Hidden != 4096 || p.Layers != 32 {
		t.Errorf("pythia-6.9b: %+v", p)
	}
	if p, _ := LookupPreset("tiny"); p.Layers != 2 || p.Hidden != 64 || p.Heads != 4 || p.Intermediate != 256 || p.Vocab != 512 {
		t.Errorf("tiny: %+v", p)
	}
	for _, p := range ps {
		if _, _, err := synthConfig(SynthOptions{Preset: p.Name}); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

func TestIsSynthetic(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Synth(dir, SynthOptions{Preset: "micro", Seed: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !IsSynthetic(cfg.Raw) {
		t.Errorf("a synth config.json is not recognised as synthetic:\n%s", cfg.Raw)
	}
	for _, raw := range []string{`{"model_type":"gpt_neox","hidden_size":512}`, `not json`, ``} {
		if IsSynthetic([]byte(raw)) {
			t.Errorf("IsSynthetic(%q) = true", raw)
		}
	}
}
