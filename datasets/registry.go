package datasets

import (
	"sort"
	"strings"
)

// Model is a transformer whose size is known exactly, for use as an x value in scaling fits, for predictions at sizes
// that cannot be run here, and as the shape of a random-init control (synth --preset).
type Model struct {
	Name           string // canonical lower-case name, e.g. "pythia-1.4b"
	Architecture   string // Hugging Face model_type: gpt_neox, gpt2, llama, mistral, qwen2, gemma2
	Params         int64  // every parameter, embeddings included; a tied unembedding counts once
	ParamsNonembed int64  // without the token embedding, GPT-2's learned position embedding and an untied unembedding
	Layers         int    // num_hidden_layers (n_layer)
	Hidden         int    // hidden_size (n_embd), d
	Heads          int    // num_attention_heads (n_head)
	KVHeads        int    // num_key_value_heads; equal to Heads without grouped-query attention
	HeadDim        int    // head_dim: Hidden/Heads unless the config sets it apart (Gemma-2, Llama-3.2-3B…)
	FFN            int    // inner size of the MLP: intermediate_size (GPT-2: n_inner, 4d when null)
	Vocab          int    // rows of the embedding matrix (padded, for Pythia)
	Positions      int    // max_position_embeddings (GPT-2: n_positions, the rows of its position embedding)
	Tied           bool   // tie_word_embeddings: the unembedding is the token embedding
	// Extra holds the published config.json's other keys (architectures, activation, norm eps, rope settings,
	// windows, soft-caps), decoded as encoding/json decodes them, so that a family can write the model's config from
	// the fields above and Extra. testdata/registry/<name>/config.json holds the same config as one file.
	Extra  map[string]any
	Source string
}

const (
	srcPythia  = "Pythia model cards (EleutherAI, Biderman et al. 2023)"
	srcGPT2    = "openai-community config.json; Hugging Face GPT2LMHeadModel count (tied unembedding, learned positions over 1024 tokens)"
	srcGPT3    = "Brown et al. 2020, Table 2.1: nominal 175e9 total; non-embedding count computed from the shapes with GPT-2's layout"
	srcLlama2  = "meta-llama config.json (Touvron et al. 2023); Hugging Face LlamaForCausalLM count (untied unembedding, no biases, RMSNorm)"
	srcLlama3  = "meta-llama config.json on the Hugging Face hub; LlamaForCausalLM count (grouped-query attention, RMSNorm, llama3 rope scaling)"
	srcMistral = "mistralai config.json on the Hugging Face hub; MistralForCausalLM count (grouped-query attention, untied unembedding)"
	srcQwen25  = "Qwen config.json on the Hugging Face hub; Qwen2ForCausalLM count (biases on q, k and v; tied up to 3B)"
	srcGemma2  = "google config.json on the Hugging Face hub; Gemma2ForCausalLM count (four norms per layer, tied unembedding)"
)

// models is the registry. testdata/registry/gen.py computes every count from the models' config.json files there and
// checks it against the published total; TestRegistryGolden holds these entries to its golden.json.
var models = []Model{
	{Name: "pythia-70m", Architecture: "gpt_neox", Params: 70_426_624, ParamsNonembed: 18_915_328,
		Layers: 6, Hidden: 512, Heads: 8, KVHeads: 8, HeadDim: 64, FFN: 2048, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-160m", Architecture: "gpt_neox", Params: 162_322_944, ParamsNonembed: 85_056_000,
		Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, HeadDim: 64, FFN: 3072, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-410m", Architecture: "gpt_neox", Params: 405_334_016, ParamsNonembed: 302_311_424,
		Layers: 24, Hidden: 1024, Heads: 16, KVHeads: 16, HeadDim: 64, FFN: 4096, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-1b", Architecture: "gpt_neox", Params: 1_011_781_632, ParamsNonembed: 805_736_448,
		Layers: 16, Hidden: 2048, Heads: 8, KVHeads: 8, HeadDim: 256, FFN: 8192, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-1.4b", Architecture: "gpt_neox", Params: 1_414_647_808, ParamsNonembed: 1_208_602_624,
		Layers: 24, Hidden: 2048, Heads: 16, KVHeads: 16, HeadDim: 128, FFN: 8192, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-2.8b", Architecture: "gpt_neox", Params: 2_775_208_960, ParamsNonembed: 2_517_652_480,
		Layers: 32, Hidden: 2560, Heads: 32, KVHeads: 32, HeadDim: 80, FFN: 10240, Vocab: 50304, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-6.9b", Architecture: "gpt_neox", Params: 6_857_302_016, ParamsNonembed: 6_444_163_072,
		Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 32, HeadDim: 128, FFN: 16384, Vocab: 50432, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "pythia-12b", Architecture: "gpt_neox", Params: 11_846_072_320, ParamsNonembed: 11_327_027_200,
		Layers: 36, Hidden: 5120, Heads: 40, KVHeads: 40, HeadDim: 128, FFN: 20480, Vocab: 50688, Positions: 2048, Tied: false,
		Extra: pythiaExtra(), Source: srcPythia},
	{Name: "gpt2", Architecture: "gpt2", Params: 124_439_808, ParamsNonembed: 85_056_000,
		Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, HeadDim: 64, FFN: 3072, Vocab: 50257, Positions: 1024, Tied: true,
		Extra: gpt2Extra(1024), Source: srcGPT2},
	{Name: "gpt2-medium", Architecture: "gpt2", Params: 354_823_168, ParamsNonembed: 302_311_424,
		Layers: 24, Hidden: 1024, Heads: 16, KVHeads: 16, HeadDim: 64, FFN: 4096, Vocab: 50257, Positions: 1024, Tied: true,
		Extra: gpt2Extra(1024), Source: srcGPT2},
	{Name: "gpt2-large", Architecture: "gpt2", Params: 774_030_080, ParamsNonembed: 708_390_400,
		Layers: 36, Hidden: 1280, Heads: 20, KVHeads: 20, HeadDim: 64, FFN: 5120, Vocab: 50257, Positions: 1024, Tied: true,
		Extra: gpt2Extra(1024), Source: srcGPT2},
	{Name: "gpt2-xl", Architecture: "gpt2", Params: 1_557_611_200, ParamsNonembed: 1_475_561_600,
		Layers: 48, Hidden: 1600, Heads: 25, KVHeads: 25, HeadDim: 64, FFN: 6400, Vocab: 50257, Positions: 1024, Tied: true,
		Extra: gpt2Extra(1024), Source: srcGPT2},
	{Name: "gpt3-175b", Architecture: "gpt2", Params: 175_000_000_000, ParamsNonembed: 173_961_535_488,
		Layers: 96, Hidden: 12288, Heads: 96, KVHeads: 96, HeadDim: 128, FFN: 49152, Vocab: 50257, Positions: 2048, Tied: true,
		Extra: gpt2Extra(2048), Source: srcGPT3},
	{Name: "llama-2-7b", Architecture: "llama", Params: 6_738_415_616, ParamsNonembed: 6_476_271_616,
		Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 32, HeadDim: 128, FFN: 11008, Vocab: 32000, Positions: 4096, Tied: false,
		Extra: llama2Extra(), Source: srcLlama2},
	{Name: "llama-2-13b", Architecture: "llama", Params: 13_015_864_320, ParamsNonembed: 12_688_184_320,
		Layers: 40, Hidden: 5120, Heads: 40, KVHeads: 40, HeadDim: 128, FFN: 13824, Vocab: 32000, Positions: 4096, Tied: false,
		Extra: llama2Extra(), Source: srcLlama2},
	{Name: "llama-2-70b", Architecture: "llama", Params: 68_976_648_192, ParamsNonembed: 68_452_360_192,
		Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, HeadDim: 128, FFN: 28672, Vocab: 32000, Positions: 4096, Tied: false,
		Extra: llama2Extra(), Source: srcLlama2},
	{Name: "llama-3.2-1b", Architecture: "llama", Params: 1_235_814_400, ParamsNonembed: 973_146_112,
		Layers: 16, Hidden: 2048, Heads: 32, KVHeads: 8, HeadDim: 64, FFN: 8192, Vocab: 128256, Positions: 131072, Tied: true,
		Extra: llama3Extra(32), Source: srcLlama3},
	{Name: "llama-3.2-3b", Architecture: "llama", Params: 3_212_749_824, ParamsNonembed: 2_818_747_392,
		Layers: 28, Hidden: 3072, Heads: 24, KVHeads: 8, HeadDim: 128, FFN: 8192, Vocab: 128256, Positions: 131072, Tied: true,
		Extra: llama3Extra(32), Source: srcLlama3},
	{Name: "llama-3.1-8b", Architecture: "llama", Params: 8_030_261_248, ParamsNonembed: 6_979_588_096,
		Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336, Vocab: 128256, Positions: 131072, Tied: false,
		Extra: llama3Extra(8), Source: srcLlama3},
	{Name: "llama-3.1-70b", Architecture: "llama", Params: 70_553_706_496, ParamsNonembed: 68_452_360_192,
		Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, HeadDim: 128, FFN: 28672, Vocab: 128256, Positions: 131072, Tied: false,
		Extra: llama3Extra(8), Source: srcLlama3},
	{Name: "mistral-7b-v0.3", Architecture: "mistral", Params: 7_248_023_552, ParamsNonembed: 6_979_588_096,
		Layers: 32, Hidden: 4096, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336, Vocab: 32768, Positions: 32768, Tied: false,
		Extra: mistralExtra(), Source: srcMistral},
	{Name: "qwen2.5-0.5b", Architecture: "qwen2", Params: 494_032_768, ParamsNonembed: 357_898_112,
		Layers: 24, Hidden: 896, Heads: 14, KVHeads: 2, HeadDim: 64, FFN: 4864, Vocab: 151936, Positions: 32768, Tied: true,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-1.5b", Architecture: "qwen2", Params: 1_543_714_304, ParamsNonembed: 1_310_340_608,
		Layers: 28, Hidden: 1536, Heads: 12, KVHeads: 2, HeadDim: 128, FFN: 8960, Vocab: 151936, Positions: 32768, Tied: true,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-3b", Architecture: "qwen2", Params: 3_085_938_688, ParamsNonembed: 2_774_773_760,
		Layers: 36, Hidden: 2048, Heads: 16, KVHeads: 2, HeadDim: 128, FFN: 11008, Vocab: 151936, Positions: 32768, Tied: true,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-7b", Architecture: "qwen2", Params: 7_615_616_512, ParamsNonembed: 6_525_621_760,
		Layers: 28, Hidden: 3584, Heads: 28, KVHeads: 4, HeadDim: 128, FFN: 18944, Vocab: 152064, Positions: 131072, Tied: false,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-14b", Architecture: "qwen2", Params: 14_770_033_664, ParamsNonembed: 13_212_898_304,
		Layers: 48, Hidden: 5120, Heads: 40, KVHeads: 8, HeadDim: 128, FFN: 13824, Vocab: 152064, Positions: 131072, Tied: false,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-32b", Architecture: "qwen2", Params: 32_763_876_352, ParamsNonembed: 31_206_740_992,
		Layers: 64, Hidden: 5120, Heads: 40, KVHeads: 8, HeadDim: 128, FFN: 27648, Vocab: 152064, Positions: 131072, Tied: false,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "qwen2.5-72b", Architecture: "qwen2", Params: 72_706_203_648, ParamsNonembed: 70_214_787_072,
		Layers: 80, Hidden: 8192, Heads: 64, KVHeads: 8, HeadDim: 128, FFN: 29568, Vocab: 152064, Positions: 131072, Tied: false,
		Extra: qwen25Extra(), Source: srcQwen25},
	{Name: "gemma-2-2b", Architecture: "gemma2", Params: 2_614_341_888, ParamsNonembed: 2_024_517_888,
		Layers: 26, Hidden: 2304, Heads: 8, KVHeads: 4, HeadDim: 256, FFN: 9216, Vocab: 256000, Positions: 8192, Tied: true,
		Extra: gemma2Extra(256), Source: srcGemma2},
	{Name: "gemma-2-9b", Architecture: "gemma2", Params: 9_241_705_984, ParamsNonembed: 8_324_201_984,
		Layers: 42, Hidden: 3584, Heads: 16, KVHeads: 8, HeadDim: 256, FFN: 14336, Vocab: 256000, Positions: 8192, Tied: true,
		Extra: gemma2Extra(256), Source: srcGemma2},
	{Name: "gemma-2-27b", Architecture: "gemma2", Params: 27_227_128_320, ParamsNonembed: 26_047_480_320,
		Layers: 46, Hidden: 4608, Heads: 32, KVHeads: 16, HeadDim: 128, FFN: 36864, Vocab: 256000, Positions: 8192, Tied: true,
		Extra: gemma2Extra(144), Source: srcGemma2},
}

// The published configs' keys beyond the shapes. Each call returns a new map, so that no two entries share one.

func pythiaExtra() map[string]any {
	return map[string]any{"architectures": []any{"GPTNeoXForCausalLM"}, "hidden_act": "gelu", "layer_norm_eps": 1e-05,
		"rotary_emb_base": 10000.0, "rotary_pct": 0.25, "use_parallel_residual": true}
}

func gpt2Extra(nCtx int) map[string]any {
	return map[string]any{"architectures": []any{"GPT2LMHeadModel"}, "activation_function": "gelu_new",
		"layer_norm_epsilon": 1e-05, "n_ctx": nCtx}
}

func llama2Extra() map[string]any {
	return map[string]any{"architectures": []any{"LlamaForCausalLM"}, "hidden_act": "silu", "rms_norm_eps": 1e-05,
		"rope_scaling": nil, "rope_theta": 10000.0}
}

// llama3Extra is Llama 3.1 and 3.2's: rope theta 500000 with llama3 scaling by factor (8 in 3.1, 32 in 3.2) over
// the original 8192 positions.
func llama3Extra(factor float64) map[string]any {
	return map[string]any{"architectures": []any{"LlamaForCausalLM"}, "attention_bias": false, "mlp_bias": false,
		"hidden_act": "silu", "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
		"rope_scaling": map[string]any{"factor": factor, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
			"original_max_position_embeddings": 8192.0, "rope_type": "llama3"}}
}

func mistralExtra() map[string]any {
	return map[string]any{"architectures": []any{"MistralForCausalLM"}, "hidden_act": "silu", "rms_norm_eps": 1e-05,
		"rope_theta": 1000000.0, "sliding_window": nil}
}

func qwen25Extra() map[string]any {
	return map[string]any{"architectures": []any{"Qwen2ForCausalLM"}, "hidden_act": "silu", "rms_norm_eps": 1e-06,
		"rope_theta": 1000000.0, "use_sliding_window": false}
}

// gemma2Extra is Gemma-2's: soft-caps 50 and 30, a 4096-token window on the even layers, scores scaled by
// queryPreAttnScalar^-½ (256 in 2B and 9B, 144 = d/heads in 27B).
func gemma2Extra(queryPreAttnScalar int) map[string]any {
	return map[string]any{"architectures": []any{"Gemma2ForCausalLM"}, "attn_logit_softcapping": 50.0,
		"final_logit_softcapping": 30.0, "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
		"query_pre_attn_scalar": float64(queryPreAttnScalar), "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
		"sliding_window": 4096.0}
}

// aliases maps other spellings to canonical names, after canonicalName has lower-cased the name and removed an
// organisation prefix and a "-hf" suffix.
var aliases = map[string]string{
	"gpt2-small": "gpt2",
	"gpt-2":      "gpt2",
	"gpt3":       "gpt3-175b",
	"gpt-3":      "gpt3-175b",
	"gpt-3-175b": "gpt3-175b",
	"llama2-7b":  "llama-2-7b",
	"llama2-13b": "llama-2-13b",
	"llama2-70b": "llama-2-70b",

	"mistral-7b-instruct-v0.3": "mistral-7b-v0.3",
}

// canonicalName lower-cases name and strips what Hugging Face ids add around the registry names:
// "EleutherAI/pythia-1.4b-deduped" → "pythia-1.4b", "meta-llama/Llama-2-7b-hf" → "llama-2-7b",
// "meta-llama/Meta-Llama-3.1-8B-Instruct" → "llama-3.1-8b", "google/gemma-2-9b-it" → "gemma-2-9b".
func canonicalName(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndex(n, "/"); i >= 0 {
		n = n[i+1:]
	}
	n = strings.TrimSuffix(n, "-hf")
	if strings.HasPrefix(n, "pythia-") {
		// The deduplicated-data Pythia models have the same shapes as the standard ones.
		n = strings.TrimSuffix(n, "-deduped")
	} else {
		// Instruction-tuned releases have their base model's shapes; "Meta-Llama-3.1-8B" was Llama 3.1's first id.
		n = strings.TrimSuffix(strings.TrimSuffix(n, "-instruct"), "-it")
		n = strings.TrimPrefix(n, "meta-")
	}
	if a, ok := aliases[n]; ok {
		n = a
	}
	return n
}

// Lookup returns the registered model called name. Names are case-insensitive and may carry a Hugging Face
// organisation ("EleutherAI/pythia-1.4b"), a "-hf" suffix ("Llama-2-7b-hf"), an "-Instruct" or "-it" suffix
// ("Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-2b-it") or, for Pythia, "-deduped".
func Lookup(name string) (Model, bool) {
	n := canonicalName(name)
	for _, m := range models {
		if m.Name == n {
			return m, true
		}
	}
	return Model{}, false
}

// Models returns every registered model, smallest first.
func Models() []Model {
	out := append([]Model(nil), models...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Params < out[j].Params })
	return out
}
