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

// goldenModel is one entry of golden.json.
type goldenModel struct {
	Name           string `json:"name"`
	Architecture   string `json:"architecture"`
	Layers         int    `json:"layers"`
	Hidden         int    `json:"hidden"`
	Heads          int    `json:"heads"`
	KVHeads        int    `json:"kv_heads"`
	HeadDim        int    `json:"head_dim"`
	FFN            int    `json:"ffn"`
	Vocab          int    `json:"vocab"`
	Positions      int    `json:"positions"`
	Tied           bool   `json:"tied"`
	Params         int64  `json:"params"`
	ParamsNonembed int64  `json:"params_nonembed"`
}

func readGolden(t *testing.T) []goldenModel {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(registryDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct{ Models []goldenModel }
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Models) == 0 {
		t.Fatal("golden.json lists no models")
	}
	return golden.Models
}

// summarize is what golden.json says about a model, as m maps and counts it.
func summarize(name string, m arch.Model) goldenModel {
	c := m.Config()
	total, nonEmbed := m.ParamCounts()
	return goldenModel{Name: name, Architecture: c.ModelType, Layers: c.Layers, Hidden: c.Hidden, Heads: c.Heads,
		KVHeads: c.KVHeads, HeadDim: c.HeadDim, FFN: c.FFN, Vocab: c.Vocab, Positions: c.MaxPositions,
		Tied: c.TiedEmbeddings, Params: total, ParamsNonembed: nonEmbed}
}

// sumShapes adds up the sizes of every parameter tensor a model lists.
func sumShapes(specs []arch.WeightSpec) int64 {
	var sum int64
	for _, s := range specs {
		n := int64(1)
		for _, d := range s.Shape {
			n *= int64(d)
		}
		sum += n
	}
	return sum
}

// TestRegistryCounts feeds each real model's config.json to its family and checks the mapped shapes and both parameter
// counts against golden.json, and the counts against the tensors the family lists. Models of families not yet
// registered are skipped.
func TestRegistryCounts(t *testing.T) {
	checked := map[string]int{}
	for _, g := range readGolden(t) {
		if _, ok := arch.Lookup(g.Architecture); !ok {
			t.Logf("%s: model_type %s not registered yet", g.Name, g.Architecture)
			continue
		}
		js, err := os.ReadFile(filepath.Join(registryDir, g.Name, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := arch.New(js, arch.Options{})
		if err != nil {
			t.Errorf("%s: %v", g.Name, err)
			continue
		}
		if got := summarize(g.Name, m); got != g {
			t.Errorf("%s:\n got %+v\nwant %+v", g.Name, got, g)
		}
		if sum := sumShapes(m.Params()); sum != g.Params {
			t.Errorf("%s: the listed tensors hold %d parameters, want %d", g.Name, sum, g.Params)
		}
		checked[g.Architecture]++
	}
	// The families whose real models the registry holds: each must have been checked.
	for _, mt := range []string{"gpt_neox", "gpt2", "gemma2"} {
		if checked[mt] == 0 {
			t.Errorf("no %s model of the registry checked", mt)
		}
	}
	t.Logf("checked %v", checked)
}

// TestRegistryPresets checks that every synth preset named like a registry model has that model's exact shape and
// counts, and renders a config.json holding every key of the published one with the same value.
func TestRegistryPresets(t *testing.T) {
	golden := map[string]goldenModel{}
	for _, g := range readGolden(t) {
		golden[g.Name] = g
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
			if got := summarize(p.Name, m); got != g {
				t.Errorf("preset %s:\n got %+v\nwant %+v", p.Name, got, g)
			}
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
