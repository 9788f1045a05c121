package datasets

import (
	"sort"
	"strings"
)

// Model is a transformer whose size is known exactly, for use as an x value in scaling fits and for predictions
// at sizes that cannot be run here.
type Model struct {
	Name           string // canonical lower-case name, e.g. "pythia-1.4b"
	Architecture   string // Hugging Face model_type: gpt_neox, gpt2, llama
	Params         int64  // every parameter, embeddings and an untied unembedding included
	ParamsNonembed int64  // without the token (and learned position) embeddings and the unembedding
	Layers         int
	Hidden         int
	Heads          int
	KVHeads        int // key/value heads; equal to Heads without grouped-query attention
	FFN            int // inner size of the MLP
	Vocab          int // rows of the embedding matrix (padded, for Pythia)
	Source         string
}

const (
	srcPythia = "Pythia model cards (EleutherAI, Biderman et al. 2023); DESIGN.md §6"
	srcGPT2   = "Radford et al. 2019 shapes; Hugging Face GPT2LMHeadModel count (tied unembedding, learned positions over 1024 tokens)"
	srcGPT3   = "Brown et al. 2020, Table 2.1: nominal 175e9 total; non-embedding count computed from the shapes with GPT-2's layout"
	srcLlama2 = "Touvron et al. 2023 shapes; Hugging Face LlamaForCausalLM count (untied unembedding, no biases, RMSNorm)"
)

// models is the registry. Non-embedding counts exclude the token embedding, GPT-2's and GPT-3's learned position
// embedding, and an untied unembedding; they keep every LayerNorm and bias, the final norm included.
var models = []Model{
	{"pythia-70m", "gpt_neox", 70_426_624, 18_915_328, 6, 512, 8, 8, 2048, 50304, srcPythia},
	{"pythia-160m", "gpt_neox", 162_322_944, 85_056_000, 12, 768, 12, 12, 3072, 50304, srcPythia},
	{"pythia-410m", "gpt_neox", 405_334_016, 302_311_424, 24, 1024, 16, 16, 4096, 50304, srcPythia},
	{"pythia-1b", "gpt_neox", 1_011_781_632, 805_736_448, 16, 2048, 8, 8, 8192, 50304, srcPythia},
	{"pythia-1.4b", "gpt_neox", 1_414_647_808, 1_208_602_624, 24, 2048, 16, 16, 8192, 50304, srcPythia},
	{"pythia-2.8b", "gpt_neox", 2_775_208_960, 2_517_652_480, 32, 2560, 32, 32, 10240, 50304, srcPythia},
	{"pythia-6.9b", "gpt_neox", 6_857_302_016, 6_444_163_072, 32, 4096, 32, 32, 16384, 50432, srcPythia},
	{"pythia-12b", "gpt_neox", 11_846_072_320, 11_327_027_200, 36, 5120, 40, 40, 20480, 50688, srcPythia},
	{"gpt2", "gpt2", 124_439_808, 85_056_000, 12, 768, 12, 12, 3072, 50257, srcGPT2},
	{"gpt2-medium", "gpt2", 354_823_168, 302_311_424, 24, 1024, 16, 16, 4096, 50257, srcGPT2},
	{"gpt2-large", "gpt2", 774_030_080, 708_390_400, 36, 1280, 20, 20, 5120, 50257, srcGPT2},
	{"gpt2-xl", "gpt2", 1_557_611_200, 1_475_561_600, 48, 1600, 25, 25, 6400, 50257, srcGPT2},
	{"gpt3-175b", "gpt2", 175_000_000_000, 173_961_535_488, 96, 12288, 96, 96, 49152, 50257, srcGPT3},
	{"llama-2-7b", "llama", 6_738_415_616, 6_476_271_616, 32, 4096, 32, 32, 11008, 32000, srcLlama2},
	{"llama-2-13b", "llama", 13_015_864_320, 12_688_184_320, 40, 5120, 40, 40, 13824, 32000, srcLlama2},
	{"llama-2-70b", "llama", 68_976_648_192, 68_452_360_192, 80, 8192, 64, 8, 28672, 32000, srcLlama2},
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
}

// canonicalName lower-cases name and strips what Hugging Face ids add around the registry names:
// "EleutherAI/pythia-1.4b-deduped" → "pythia-1.4b", "meta-llama/Llama-2-7b-hf" → "llama-2-7b".
func canonicalName(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndex(n, "/"); i >= 0 {
		n = n[i+1:]
	}
	n = strings.TrimSuffix(n, "-hf")
	if strings.HasPrefix(n, "pythia-") {
		// The deduplicated-data Pythia models have the same shapes as the standard ones.
		n = strings.TrimSuffix(n, "-deduped")
	}
	if a, ok := aliases[n]; ok {
		n = a
	}
	return n
}

// Lookup returns the registered model called name. Names are case-insensitive and may carry a Hugging Face
// organisation ("EleutherAI/pythia-1.4b"), a "-hf" suffix ("Llama-2-7b-hf") or, for Pythia, "-deduped".
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
