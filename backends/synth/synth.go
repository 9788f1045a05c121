// Package synth writes random-init Hugging Face checkpoints, the untrained controls of a scaling study: config.json,
// model.safetensors and a tokenizer.json, for any architecture family that declares presets and a synth config
// (package arch). The parameters are initialised as each family's Init says, which follows HF's _init_weights.
package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all" // every family's presets
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// Options describes a random-init checkpoint. Preset names a shape of a registered family (Presets); the non-zero
// fields of Shape override it. With no preset, every size of Shape is required and Family (a model_type) says which
// architecture to build, gpt_neox when empty. Extra sets further config.json keys over the family's defaults (e.g.
// "use_parallel_residual": false). DType is F16 (the default), BF16 or F32.
type Options struct {
	Preset string
	Family string
	Shape  arch.Shape
	Extra  map[string]any
	DType  string
	Seed   int64
}

// Preset is a named shape and the family it belongs to.
type Preset struct {
	arch.Preset
	Family string // model_type
}

// DefaultFamily is the family Synth builds when neither a preset nor Options.Family says otherwise.
const DefaultFamily = "gpt_neox"

// Presets lists the shapes of every registered family, family by family in name order, each family's in its own
// order (real models' shapes, then tiny test ones).
func Presets() []Preset {
	var out []Preset
	for _, f := range arch.Families() {
		if f.SynthConfig == nil {
			continue
		}
		for _, p := range f.Presets {
			out = append(out, Preset{Preset: p, Family: f.ModelTypes[0]})
		}
	}
	return out
}

// LookupPreset finds a preset by name, in any case.
func LookupPreset(name string) (Preset, bool) {
	for _, p := range Presets() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetNames returns the names of every preset, comma-separated, for help texts and errors.
func PresetNames() string {
	var names []string
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// chunk is the number of values generated, converted and written at a time, and the unit of random streams.
const chunk = 1 << 20

// Synth writes a random-init checkpoint into dir (created if needed): model.safetensors, tokenizer.json
// (tokenizerJSON verbatim; skipped when it is empty) and, last, config.json, the family's synth config with the
// torch_dtype and a checkpoint.SynthKey record added. It returns the model as the config maps it.
//
// Each parameter is drawn as the family's Init says: normal(0, Std), or the constant Const. Values are deterministic
// for a seed and independent of the dtype: chunk k (of 2^20 values) of a tensor is drawn from its own PCG stream,
// seeded by (Seed, FNV-1a(name) + k), with math/rand/v2's NormFloat64. Tensors are generated and streamed to the file
// a chunk at a time, so memory stays at a few megabytes whatever the model's size.
func Synth(dir string, opt Options, tokenizerJSON []byte) (arch.Model, error) {
	m, dtype, err := build(opt)
	if err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	meta := map[string]string{
		"format":         "pt",
		"scalefit.synth": fmt.Sprintf("preset=%s seed=%d family=%s", opt.Preset, opt.Seed, m.Config().ModelType),
	}
	if err := writeWeights(filepath.Join(dir, checkpoint.SafetensorsFile), m, dtype, opt.Seed, meta); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	if len(tokenizerJSON) > 0 {
		if err := checkpoint.WriteFileAtomic(filepath.Join(dir, "tokenizer.json"), tokenizerJSON); err != nil {
			return nil, fmt.Errorf("synth %s: %w", dir, err)
		}
	}
	if err := checkpoint.WriteFileAtomic(filepath.Join(dir, checkpoint.ConfigFile), m.Config().Raw); err != nil {
		return nil, fmt.Errorf("synth %s: %w", dir, err)
	}
	return m, nil
}

// build resolves the preset and overrides into a config.json, maps it, and parses the dtype.
func build(opt Options) (arch.Model, string, error) {
	family := opt.Family
	var s arch.Shape
	extra := map[string]any{}
	if opt.Preset != "" {
		p, ok := LookupPreset(opt.Preset)
		if !ok {
			return nil, "", fmt.Errorf("unknown preset %s (known: %s)", arch.Quote(opt.Preset, 64), PresetNames())
		}
		if family != "" && family != p.Family {
			return nil, "", fmt.Errorf("preset %s is a %s shape, not %s", p.Name, p.Family, family)
		}
		family, s = p.Family, p.Shape
		for k, v := range p.Extra {
			extra[k] = v
		}
	}
	if family == "" {
		family = DefaultFamily
	}
	f, ok := arch.Lookup(family)
	if !ok || f.SynthConfig == nil {
		return nil, "", fmt.Errorf("family %s cannot be synthesised", arch.Quote(family, 64))
	}
	override := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	override(&s.Layers, opt.Shape.Layers)
	override(&s.Hidden, opt.Shape.Hidden)
	override(&s.Heads, opt.Shape.Heads)
	override(&s.KVHeads, opt.Shape.KVHeads)
	override(&s.FFN, opt.Shape.FFN)
	override(&s.Vocab, opt.Shape.Vocab)
	dtype := checkpoint.F16
	if opt.DType != "" {
		var err error
		if dtype, err = checkpoint.ParseDType(opt.DType); err != nil {
			return nil, "", err
		}
	}
	for k, v := range opt.Extra {
		extra[k] = v
	}
	extra["torch_dtype"] = map[string]string{checkpoint.F32: "float32", checkpoint.F16: "float16", checkpoint.BF16: "bfloat16"}[dtype]
	extra[checkpoint.SynthKey] = checkpoint.SynthRecord{Preset: opt.Preset, Seed: opt.Seed, Init: family}
	js, err := f.SynthConfig(s, extra)
	if err != nil {
		return nil, "", err
	}
	m, err := arch.New(js, arch.Options{})
	if err != nil {
		if opt.Preset == "" {
			return nil, "", fmt.Errorf("no preset given, so set every size: %w", err)
		}
		return nil, "", err
	}
	return m, dtype, nil
}

// writeWeights streams every parameter of m, in state-dict order, to a safetensors file at path.
func writeWeights(path string, m arch.Model, dtype string, seed int64, meta map[string]string) error {
	params := m.Params()
	specs := make([]checkpoint.TensorSpec, len(params))
	for i, p := range params {
		specs[i] = checkpoint.TensorSpec{Name: p.Name, Shape: p.Shape}
	}
	w, err := checkpoint.CreateSafetensors(path, specs, dtype, meta)
	if err != nil {
		return err
	}
	buf := make([]float32, chunk)
	for _, s := range specs {
		n := 1
		for _, d := range s.Shape {
			n *= d
		}
		init := m.Init(s.Name)
		fill := func(v []float32, _ uint64) {
			for i := range v {
				v[i] = init.Const
			}
		}
		if init.Std > 0 {
			h := fnv.New64a()
			h.Write([]byte(s.Name))
			stream := h.Sum64()
			fill = func(v []float32, k uint64) {
				r := rand.New(rand.NewPCG(uint64(seed), stream+k))
				for i := range v {
					v[i] = float32(r.NormFloat64() * init.Std)
				}
			}
		}
		for k := uint64(0); n > 0; k++ {
			v := buf[:min(n, chunk)]
			fill(v, k)
			if err := w.Write(v); err != nil {
				w.Abort()
				return err
			}
			n -= len(v)
		}
	}
	return w.Close()
}
