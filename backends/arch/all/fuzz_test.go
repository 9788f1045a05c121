package all_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all"
	"github.com/scalefit/scalefit/internal/fuzzcorpus"
)

// registryConfigs returns the config.json of every real model in testdata/registry.
func registryConfigs(t testing.TB) map[string][]byte {
	dirs, _ := filepath.Glob("../../../testdata/registry/*/config.json")
	out := map[string][]byte{}
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(filepath.Dir(p))] = b
	}
	return out
}

// FuzzConfig feeds config.json files to arch.New, which must refuse them with one short line or return a model whose
// sizes are within arch's limits and whose parameter list and counts can be computed. Its seeds are every real model's
// config.json in testdata/registry and, in testdata/fuzz/FuzzConfig, the hostile ones of TestFuzzCorpus.
func FuzzConfig(f *testing.F) {
	for _, b := range registryConfigs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := arch.New(b, arch.Options{})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\x1b") || len(err.Error()) > 1000 {
				t.Fatalf("error is not one short clean line: %.300q", err)
			}
			return
		}
		c := m.Config()
		if c.Layers <= 0 || c.Layers > arch.MaxLayers || c.Hidden <= 0 || c.Hidden > arch.MaxHidden ||
			c.Vocab <= 0 || c.Vocab > arch.MaxVocab || c.MaxPositions < 0 || c.MaxPositions > arch.MaxPositions {
			t.Fatalf("accepted a config with sizes out of range: %+v", c)
		}
		total, nonEmbed := m.ParamCounts()
		if total <= 0 || nonEmbed < 0 || nonEmbed > total || total > arch.MaxParams {
			t.Fatalf("parameter counts %d, %d", total, nonEmbed)
		}
		var sum int64
		for _, w := range m.Params() {
			n := int64(1)
			for _, d := range w.Shape {
				n *= int64(d)
			}
			sum += n
		}
		if sum != total {
			t.Fatalf("the parameters' shapes sum to %d, ParamCounts says %d", sum, total)
		}
	})
}

// TestFuzzCorpus writes the seed corpus of FuzzConfig (with SCALEFIT_WRITE_FUZZ_CORPUS set; scripts/fuzz corpus):
// config.json files that declare absurd sizes, and hostile strings.
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	base := registryConfigs(t)["pythia-70m"]
	if base == nil {
		t.Fatal("testdata/registry/pythia-70m/config.json is missing")
	}
	with := func(key string, v any) []byte {
		var m map[string]any
		json.Unmarshal(base, &m)
		m[key] = v
		b, _ := json.Marshal(m)
		return b
	}
	for name, b := range map[string][]byte{
		"layers-1e9":            with("num_hidden_layers", 1e9),
		"hidden-1e9":            with("hidden_size", 1e9),
		"vocab-0":               with("vocab_size", 0),
		"heads-not-dividing":    with("num_attention_heads", 7),
		"positions-0":           with("max_position_embeddings", 0),
		"positions-negative":    with("max_position_embeddings", -1),
		"positions-1e12":        with("max_position_embeddings", 1e12),
		"rotary-pct-nan":        []byte(strings.Replace(string(with("rotary_pct", 0.25)), "0.25", "NaN", 1)),
		"layers-fraction":       with("num_hidden_layers", 2.5),
		"layers-string":         with("num_hidden_layers", "6"),
		"model-type-escape":     with("model_type", "\x1b[2K"+strings.Repeat("x", 4096)),
		"model-type-missing":    with("model_type", nil),
		"deep-nesting":          []byte(strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)),
		"params-beyond-a-limit": with("intermediate_size", 999_999),
	} {
		if err := fuzzcorpus.Write("FuzzConfig", name, b); err != nil {
			t.Fatal(err)
		}
	}
}
