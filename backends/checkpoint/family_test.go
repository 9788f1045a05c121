package checkpoint

import (
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/gptneox"
)

// The format tests write and read GPT-NeoX checkpoints. Which tensors a config implies is the family's business
// (package arch/gptneox); these helpers ask it.
const (
	EmbedIn  = gptneox.EmbedIn
	EmbedOut = gptneox.EmbedOut
)

// ParamSpecs lists the parameters that a GPT-NeoX configJSON implies, in state-dict order. It panics on a bad
// config, which in these tests is a bug in the test.
func ParamSpecs(configJSON []byte) []TensorSpec {
	m, err := arch.New(configJSON, arch.Options{})
	if err != nil {
		panic(err)
	}
	var specs []TensorSpec
	for _, p := range m.Params() {
		specs = append(specs, TensorSpec{Name: p.Name, Shape: p.Shape})
	}
	return specs
}

// ExpectedShapes maps each parameter of ParamSpecs to its shape.
func ExpectedShapes(configJSON []byte) map[string][]int {
	m := map[string][]int{}
	for _, s := range ParamSpecs(configJSON) {
		m[s.Name] = s.Shape
	}
	return m
}
