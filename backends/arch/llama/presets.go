package llama

import (
	"github.com/scalefit/scalefit/backends/arch"
)

// The rope settings of Llama 3.1 (factor 8) and 3.2 (factor 32): θ = 500000 with llama3 scaling over the original
// 8192 positions.
func llama3Rope(factor float64) map[string]any {
	return map[string]any{"factor": factor, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
		"original_max_position_embeddings": 8192, "rope_type": ropeLlama3}
}

// llamaPresets are the released Llama shapes (the registry's, with their published configs' settings over the
// synth config's Llama-3.2 base), then tiny shapes for tests and demos in Llama-3.2's settings.
var llamaPresets = []arch.Preset{
	{Name: "llama-2-7b", Note: "Llama-2-7B shape", Shape: arch.Shape{Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 32, FFN: 11008, Vocab: 32000}, Extra: llama2Extra()},
	{Name: "llama-2-13b", Note: "Llama-2-13B shape", Shape: arch.Shape{Layers: 40, Hidden: 5120, Heads: 40, KVHeads: 40, FFN: 13824, Vocab: 32000}, Extra: llama2Extra()},
	{Name: "llama-2-70b", Note: "Llama-2-70B shape", Shape: arch.Shape{Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 28672, Vocab: 32000}, Extra: llama2Extra()},
	{Name: "llama-3.2-1b", Note: "Llama-3.2-1B shape", Shape: arch.Shape{Layers: 16, Hidden: 2048, Heads: 32, KVHeads: 8, FFN: 8192, Vocab: 128256}},
	{Name: "llama-3.2-3b", Note: "Llama-3.2-3B shape", Shape: arch.Shape{Layers: 28, Hidden: 3072, Heads: 24, KVHeads: 8, FFN: 8192, Vocab: 128256}},
	{Name: "llama-3.1-8b", Note: "Llama-3.1-8B shape", Shape: arch.Shape{Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 128256}, Extra: llama31Extra()},
	{Name: "llama-3.1-70b", Note: "Llama-3.1-70B shape", Shape: arch.Shape{Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 28672, Vocab: 128256}, Extra: llama31Extra()},
	{Name: "llama-micro", Note: "smallest Llama-3.2-style test model", Shape: arch.Shape{Layers: 1, Hidden: 32, Heads: 4, KVHeads: 2, FFN: 96, Vocab: 256}},
	{Name: "llama-tiny", Note: "tiny Llama-3.2-style test/demo model", Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 176, Vocab: 512}},
}

func llama2Extra() map[string]any {
	return map[string]any{"max_position_embeddings": 4096, "rope_scaling": nil, "rope_theta": 10000.0, "tie_word_embeddings": false}
}

func llama31Extra() map[string]any {
	return map[string]any{"rope_scaling": llama3Rope(8), "tie_word_embeddings": false}
}

// mistralPresets are Mistral-7B-v0.3's shape and a tiny one with a window of 16 positions.
var mistralPresets = []arch.Preset{
	{Name: "mistral-7b-v0.3", Note: "Mistral-7B-v0.3 shape", Shape: arch.Shape{Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 32768}},
	{Name: "mistral-tiny", Note: "tiny Mistral test model, sliding window 16", Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 1, FFN: 224, Vocab: 512},
		Extra: map[string]any{"sliding_window": 16}},
}

// qwen2Presets are the Qwen2.5 suite (tied up to 3B, with 32768 positions; untied from 7B, with 131072) and a tiny
// tied shape.
var qwen2Presets = []arch.Preset{
	{Name: "qwen2.5-0.5b", Note: "Qwen2.5-0.5B shape", Shape: arch.Shape{Layers: 24, Hidden: 896, Heads: 14, KVHeads: 2, FFN: 4864, Vocab: 151936}, Extra: qwenSmallExtra()},
	{Name: "qwen2.5-1.5b", Note: "Qwen2.5-1.5B shape", Shape: arch.Shape{Layers: 28, Hidden: 1536, Heads: 12, KVHeads: 2, FFN: 8960, Vocab: 151936}, Extra: qwenSmallExtra()},
	{Name: "qwen2.5-3b", Note: "Qwen2.5-3B shape", Shape: arch.Shape{Layers: 36, Hidden: 2048, Heads: 16, KVHeads: 2, FFN: 11008, Vocab: 151936}, Extra: qwenSmallExtra()},
	{Name: "qwen2.5-7b", Note: "Qwen2.5-7B shape", Shape: arch.Shape{Layers: 28, Hidden: 3584, Heads: 28, KVHeads: 4, FFN: 18944, Vocab: 152064}},
	{Name: "qwen2.5-14b", Note: "Qwen2.5-14B shape", Shape: arch.Shape{Layers: 48, Hidden: 5120, Heads: 40, KVHeads: 8, FFN: 13824, Vocab: 152064}},
	{Name: "qwen2.5-32b", Note: "Qwen2.5-32B shape", Shape: arch.Shape{Layers: 64, Hidden: 5120, Heads: 40, KVHeads: 8, FFN: 27648, Vocab: 152064}},
	{Name: "qwen2.5-72b", Note: "Qwen2.5-72B shape", Shape: arch.Shape{Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, FFN: 29568, Vocab: 152064}},
	{Name: "qwen2-tiny", Note: "tiny Qwen2.5-style test model (tied)", Shape: arch.Shape{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 320, Vocab: 512}, Extra: qwenSmallExtra()},
}

func qwenSmallExtra() map[string]any {
	return map[string]any{"max_position_embeddings": 32768, "tie_word_embeddings": true}
}

// synthConfig renders a config.json of shape s as the family's released models write theirs, then extra over it:
//
// v.synthBase (llamaBase, mistralBase, qwen2Base), and for llama head_dim = d/heads, which transformers writes into
// every LlamaConfig. Each has initializer_range 0.02 (HF's), which Init reads, and no pad_token_id.
func (v *variant) synthConfig(s arch.Shape, extra map[string]any) ([]byte, error) {
	kv := s.KVHeads
	if kv == 0 {
		kv = s.Heads
	}
	base := map[string]any{
		"hidden_act":          defaultHiddenAct,
		"hidden_size":         s.Hidden,
		"initializer_range":   defaultInitRange,
		"intermediate_size":   s.FFN,
		"model_type":          v.modelType,
		"num_attention_heads": s.Heads,
		"num_hidden_layers":   s.Layers,
		"num_key_value_heads": kv,
		"vocab_size":          s.Vocab,
	}
	for k, x := range v.synthBase {
		base[k] = x
	}
	if v.synthHeadDim && s.Heads > 0 {
		base["head_dim"] = s.Hidden / s.Heads
	}
	return arch.RenderConfig(base, extra)
}

// llamaBase is Llama-3.2's settings: llama3 rope scaling by 32 over 8192 positions, θ = 500000, 131072 positions,
// tied embeddings, rms_norm_eps 1e-5, no biases.
func llamaBase() map[string]any {
	return map[string]any{"architectures": []string{"LlamaForCausalLM"}, "attention_bias": false, "mlp_bias": false,
		"max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "rope_scaling": llama3Rope(32), "rope_theta": 500000.0,
		"tie_word_embeddings": true}
}

// mistralBase is Mistral-7B-v0.3's: θ = 10⁶, 32768 positions, sliding_window null, untied, rms_norm_eps 1e-5.
func mistralBase() map[string]any {
	return map[string]any{"architectures": []string{"MistralForCausalLM"}, "max_position_embeddings": 32768,
		"rms_norm_eps": 1e-5, "rope_theta": 1000000.0, "sliding_window": nil, "tie_word_embeddings": false}
}

// qwen2Base is Qwen2.5-7B's: θ = 10⁶, 131072 positions, use_sliding_window false, untied, rms_norm_eps 1e-6.
func qwen2Base() map[string]any {
	return map[string]any{"architectures": []string{"Qwen2ForCausalLM"}, "max_position_embeddings": 131072,
		"rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": false, "use_sliding_window": false}
}
