// Package configtest helps a family's tests check how it maps config.json: Build writes a config from a base and
// overrides, and Refuses requires arch.New to refuse a bad one with one line that names what is wrong.
package configtest

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
)

// Build returns a config.json object holding the keys of base with over applied: a key of over replaces base's value
// (both raw JSON), an empty value removes the key, and keys only in over are added. Keys are sorted.
func Build(base, over map[string]string) string {
	doc := map[string]string{}
	for k, v := range base {
		doc[k] = v
	}
	for k, v := range over {
		doc[k] = v
	}
	keys := make([]string, 0, len(doc))
	for k, v := range doc {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = `"` + k + `":` + doc[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Refuses checks that arch.New refuses the config js with an error of one line that contains want.
func Refuses(t testing.TB, js, want string) {
	t.Helper()
	_, err := arch.New([]byte(js), arch.Options{})
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("%s:\n error %v\n  want %q on one line", js, err, want)
	}
}

// New builds the model of config js through arch.New, as a run does, failing the test on an error.
func New(t testing.TB, js string, opt arch.Options) arch.Model {
	t.Helper()
	m, err := arch.New([]byte(js), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	return m
}

// Preset builds the model of a registered family's preset through the family's synth config, as synth does, with
// extra's keys set over the preset's own.
func Preset(t testing.TB, name string, extra map[string]any) arch.Model {
	t.Helper()
	for _, f := range arch.Families() {
		for _, p := range f.Presets {
			if p.Name != name {
				continue
			}
			keys := map[string]any{}
			for k, v := range p.Extra {
				keys[k] = v
			}
			for k, v := range extra {
				keys[k] = v
			}
			js, err := f.SynthConfig(p.Shape, keys)
			if err != nil {
				t.Fatalf("preset %s: %v", name, err)
			}
			return New(t, string(js), arch.Options{})
		}
	}
	t.Fatalf("no preset %s", name)
	return nil
}

// Registry returns a real model's published config.json as testdata/registry holds it.
func Registry(t testing.TB, name string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0) // backends/arch/configtest/configtest.go
	js, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "..", "testdata", "registry", name, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}
