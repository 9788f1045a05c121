package all_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all"
)

// registryDir holds the real models' published config.json files and golden.json, the shapes and parameter counts
// that testdata/registry/gen.py computes from them tensor by tensor and checks against the published totals.
const registryDir = "../../../testdata/registry"

// readGolden returns golden.json's entries, each a JSON object: name, architecture, layers, hidden, heads, kv_heads,
// head_dim, ffn, vocab, positions, tied, params, params_nonembed (and GPT-3's nominal_params).
func readGolden(t *testing.T) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(registryDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct{ Models []map[string]any }
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Models) == 0 {
		t.Fatal("golden.json lists no models")
	}
	return golden.Models
}

// checkGolden compares what m maps and counts with golden.json's entry g, and the count with the tensors m lists.
func checkGolden(t *testing.T, what string, m arch.Model, g map[string]any) {
	t.Helper()
	c := m.Config()
	total, nonEmbed := m.ParamCounts()
	got := map[string]any{"architecture": c.ModelType, "layers": c.Layers, "hidden": c.Hidden, "heads": c.Heads,
		"kv_heads": c.KVHeads, "head_dim": c.HeadDim, "ffn": c.FFN, "vocab": c.Vocab, "positions": c.MaxPositions,
		"tied": c.TiedEmbeddings, "params": total, "params_nonembed": nonEmbed}
	for k, v := range got {
		js, _ := json.Marshal(v)
		var want any = g[k]
		if w, _ := json.Marshal(want); string(js) != string(w) {
			t.Errorf("%s: %s = %s, golden.json says %s", what, k, js, w)
		}
	}
	if sum := arch.CountValues(m.Params()); sum != total {
		t.Errorf("%s: the listed tensors hold %d parameters, ParamCounts says %d", what, sum, total)
	}
}

// TestRegistryCounts feeds each real model's config.json to its family and checks the mapped shapes and both parameter
// counts against golden.json, and the counts against the tensors the family lists. Models of families not yet
// registered are skipped.
func TestRegistryCounts(t *testing.T) {
	checked := map[string]int{}
	for _, g := range readGolden(t) {
		name, mt := g["name"].(string), g["architecture"].(string)
		if _, ok := arch.Lookup(mt); !ok {
			t.Logf("%s: model_type %s not registered yet", name, mt)
			continue
		}
		js, err := os.ReadFile(filepath.Join(registryDir, name, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := arch.New(js, arch.Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkGolden(t, name, m, g)
		checked[mt]++
	}
	// The families whose real models the registry holds: each must have been checked.
	for _, mt := range []string{"gpt_neox", "gpt2", "gemma2", "llama", "mistral", "qwen2"} {
		if checked[mt] == 0 {
			t.Errorf("no %s model of the registry checked", mt)
		}
	}
	t.Logf("checked %v", checked)
}

// TestRegistryPresets checks that every synth preset named like a registry model has that model's exact shape and
// counts, and renders a config.json holding every key of the published one with the same value.
func TestRegistryPresets(t *testing.T) {
	golden := map[string]map[string]any{}
	for _, g := range readGolden(t) {
		golden[g["name"].(string)] = g
	}
	n := 0
	for _, f := range arch.Families() {
		for _, p := range f.Presets {
			g, ok := golden[p.Name]
			if !ok {
				continue
			}
			n++
			js, err := f.SynthConfig(p.Shape, p.Extra)
			if err != nil {
				t.Errorf("%s: %v", p.Name, err)
				continue
			}
			m, err := arch.New(js, arch.Options{})
			if err != nil {
				t.Errorf("%s: %v\n%s", p.Name, err, js)
				continue
			}
			checkGolden(t, "preset "+p.Name, m, g)
			published, err := os.ReadFile(filepath.Join(registryDir, p.Name, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want, got map[string]any
			if err := json.Unmarshal(published, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("preset %s: %q is %v, the published config.json says %v", p.Name, k, got[k], v)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d presets are registry models", n)
	}
}
