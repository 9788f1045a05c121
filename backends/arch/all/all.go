// Package all registers every architecture family with package arch. A backend, or any program that calls arch.New,
// imports it for its side effect:
//
//	import _ "github.com/scalefit/scalefit/backends/arch/all"
package all

import (
	_ "github.com/scalefit/scalefit/backends/arch/gemma"   // gemma, gemma2
	_ "github.com/scalefit/scalefit/backends/arch/gpt2"    // gpt2
	_ "github.com/scalefit/scalefit/backends/arch/gptneox" // gpt_neox
	_ "github.com/scalefit/scalefit/backends/arch/llama"   // llama, mistral, qwen2
)
