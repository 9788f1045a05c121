package llama

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// variant is what sets llama, mistral and qwen2 apart: HF's defaults for absent keys, the biases and the attention
// window rule. The block is the same.
type variant struct {
	modelType        string
	defaultKVHeads   int  // num_key_value_heads when the key is absent; 0: num_attention_heads (null always means that)
	defaultMaxPos    int  // max_position_embeddings when absent
	defaultWindow    int  // sliding_window when absent (mistral, qwen2); a null sliding_window means none
	headsDivideD     bool // LlamaConfig refuses a hidden_size that num_attention_heads does not divide
	configurableBias bool // attention_bias and mlp_bias are read (LlamaConfig); mistral and qwen2 have none
	qkvBias          bool // q_proj, k_proj and v_proj always have biases (Qwen2)
	windows          func(c *config, r *rawConfig, v *variant) ([]int, error)

	presets      []arch.Preset  // synth's named shapes
	synthBase    map[string]any // the released models' settings that synth writes under the shape's keys
	synthHeadDim bool           // synth writes head_dim, as transformers does for every LlamaConfig
}

// The three variants, with the defaults of LlamaConfig, MistralConfig and Qwen2Config.
var (
	llamaVariant = &variant{
		modelType: "llama", defaultMaxPos: 2048, headsDivideD: true, configurableBias: true,
		windows: noWindows, presets: llamaPresets, synthBase: llamaBase(), synthHeadDim: true,
	}
	mistralVariant = &variant{
		modelType: "mistral", defaultKVHeads: 8, defaultMaxPos: 4096 * 32, defaultWindow: 4096,
		windows: mistralWindows, presets: mistralPresets, synthBase: mistralBase(),
	}
	qwen2Variant = &variant{
		modelType: "qwen2", defaultKVHeads: 32, defaultMaxPos: 32768, defaultWindow: 4096, qkvBias: true,
		windows: qwen2Windows, presets: qwen2Presets, synthBase: qwen2Base(),
	}
)

// HF's defaults shared by the three configs.
const (
	defaultRMSNormEps = 1e-6
	defaultHiddenAct  = "silu"
	defaultInitRange  = 0.02
	defaultRopeTheta  = 10000.0
)

// config is a llama, mistral or qwen2 config.json mapped: the shared part, and what only these families read.
type config struct {
	arch.Config
	Eps       float64 // rms_norm_eps
	HiddenAct string  // hidden_act as written
	InitRange float64 // initializer_range: the std of every linear and embedding weight at random init
	QKVBias   bool    // q_proj, k_proj, v_proj have biases (Qwen2; Llama's attention_bias)
	OBias     bool    // o_proj has a bias (Llama's attention_bias)
	MLPBias   bool    // gate_proj, up_proj, down_proj have biases (Llama's mlp_bias)
	Rope      rope    // rotary settings, wherever config.json put them
	Windows   []int   // the attention window of each layer; 0 for full causal attention
}

// rawConfig mirrors config.json. Pointers tell an absent key from its zero value; the keys whose null means
// something other than absence are kept raw.
type rawConfig struct {
	HiddenSize          *int            `json:"hidden_size"`
	NumLayers           *int            `json:"num_hidden_layers"`
	NumHeads            *int            `json:"num_attention_heads"`
	NumKVHeads          json.RawMessage `json:"num_key_value_heads"`
	HeadDim             json.RawMessage `json:"head_dim"`
	IntermediateSize    *int            `json:"intermediate_size"`
	VocabSize           *int            `json:"vocab_size"`
	MaxPositions        *int            `json:"max_position_embeddings"`
	RMSNormEps          *float64        `json:"rms_norm_eps"`
	HiddenAct           *string         `json:"hidden_act"`
	InitializerRange    *float64        `json:"initializer_range"`
	TieWordEmbeddings   *bool           `json:"tie_word_embeddings"`
	AttentionBias       *bool           `json:"attention_bias"`
	MLPBias             *bool           `json:"mlp_bias"`
	RopeTheta           *float64        `json:"rope_theta"`
	RopeScaling         json.RawMessage `json:"rope_scaling"`
	RopeParameters      json.RawMessage `json:"rope_parameters"`
	PartialRotaryFactor *float64        `json:"partial_rotary_factor"`
	SlidingWindow       json.RawMessage `json:"sliding_window"`
	UseSlidingWindow    *bool           `json:"use_sliding_window"`
	MaxWindowLayers     json.RawMessage `json:"max_window_layers"`
	LayerTypes          json.RawMessage `json:"layer_types"`
}

// parseConfig maps the bytes of a config.json of variant v. It fills in HF's defaults for absent keys, applies opt,
// and validates the result: sizes present, positive and below arch's limits; kv heads dividing the heads; an RMSNorm
// epsilon in (0, 1); a known activation; a rope type it computes exactly (default, linear, llama3); the variant's
// window rule; at most arch.MaxParams parameters. Each error is one line naming the key.
func parseConfig(data []byte, v *variant, opt arch.Options) (*config, error) {
	var r rawConfig
	if err := arch.DecodeConfig(data, &r); err != nil {
		return nil, err
	}
	sizes, err := arch.RequireSizes(
		arch.Size{Key: "hidden_size", V: r.HiddenSize, Limit: arch.MaxHidden},
		arch.Size{Key: "num_hidden_layers", V: r.NumLayers, Limit: arch.MaxLayers},
		arch.Size{Key: "num_attention_heads", V: r.NumHeads, Limit: arch.MaxHeads},
		arch.Size{Key: "intermediate_size", V: r.IntermediateSize, Limit: arch.MaxFFN},
		arch.Size{Key: "vocab_size", V: r.VocabSize, Limit: arch.MaxVocab},
	)
	if err != nil {
		return nil, err
	}
	c := &config{
		Config: arch.Config{
			ModelType: v.modelType, Hidden: sizes[0], Layers: sizes[1], Heads: sizes[2], FFN: sizes[3], Vocab: sizes[4],
			MaxPositions: v.defaultMaxPos, Raw: append([]byte(nil), data...),
		},
		Eps: defaultRMSNormEps, HiddenAct: defaultHiddenAct, InitRange: defaultInitRange, QKVBias: v.qkvBias,
	}
	if v.headsDivideD && c.Hidden%c.Heads != 0 {
		return nil, fmt.Errorf("key \"num_attention_heads\": %d does not divide hidden_size %d", c.Heads, c.Hidden)
	}
	if err := c.parseHeads(&r, v); err != nil {
		return nil, err
	}
	if r.MaxPositions != nil {
		if err := arch.CheckSize("max_position_embeddings", *r.MaxPositions, arch.MaxPositions); err != nil {
			return nil, err
		}
		c.MaxPositions = *r.MaxPositions
	}
	if r.RMSNormEps != nil {
		c.Eps = *r.RMSNormEps
	}
	if err := arch.CheckEps("rms_norm_eps", c.Eps); err != nil {
		return nil, err
	}
	if r.InitializerRange != nil {
		c.InitRange = *r.InitializerRange
	}
	if !(c.InitRange >= 0) || c.InitRange > 1 {
		return nil, fmt.Errorf("key \"initializer_range\": %g is outside [0, 1]", c.InitRange)
	}
	if r.TieWordEmbeddings != nil {
		c.TiedEmbeddings = *r.TieWordEmbeddings
	}
	if v.configurableBias {
		if r.AttentionBias != nil {
			c.QKVBias, c.OBias = *r.AttentionBias, *r.AttentionBias
		}
		if r.MLPBias != nil {
			c.MLPBias = *r.MLPBias
		}
	}
	if r.HiddenAct != nil {
		c.HiddenAct = *r.HiddenAct
	}
	if c.Activation, err = arch.ConfigActivation("hidden_act", c.HiddenAct, opt); err != nil {
		return nil, err
	}
	if c.Rope, err = parseRope(&r, c.MaxPositions); err != nil {
		return nil, err
	}
	if c.Windows, err = v.windows(c, &r, v); err != nil {
		return nil, err
	}
	if total, _ := paramCounts(c); total > arch.MaxParams {
		return nil, arch.CheckParams(total)
	}
	return c, nil
}

// parseHeads sets the kv heads and the head dim: num_key_value_heads (absent: the variant's default; null: the
// heads), which must divide num_attention_heads, and head_dim (absent or null: hidden_size / num_attention_heads).
func (c *config) parseHeads(r *rawConfig, v *variant) error {
	c.KVHeads = v.defaultKVHeads
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if kv, set, err := optInt("num_key_value_heads", r.NumKVHeads); err != nil {
		return err
	} else if set {
		c.KVHeads = kv
	} else if !isAbsent(r.NumKVHeads) {
		c.KVHeads = c.Heads // null
	}
	if err := arch.CheckSize("num_key_value_heads", c.KVHeads, arch.MaxHeads); err != nil {
		return err
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("key \"num_key_value_heads\": %d does not divide num_attention_heads %d", c.KVHeads, c.Heads)
	}
	c.HeadDim = c.Hidden / c.Heads
	hd, set, err := optInt("head_dim", r.HeadDim)
	if err != nil {
		return err
	}
	if set {
		c.HeadDim = hd
	}
	if err := arch.CheckSize("head_dim", c.HeadDim, arch.MaxHeadDim); err != nil {
		return err
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("key \"head_dim\": %d is odd; rotary embeddings rotate pairs of dims", c.HeadDim)
	}
	return nil
}

// noWindows is Llama's window rule: every layer attends to every earlier position.
func noWindows(c *config, _ *rawConfig, _ *variant) ([]int, error) {
	return make([]int, c.Layers), nil
}

// mistralWindows is Mistral's rule: sliding_window (4096 when absent, none when null) on every layer.
// MistralConfig has no per-layer pattern; a layer_types that asks for one (Ministral's) is refused rather than
// ignored.
func mistralWindows(c *config, r *rawConfig, v *variant) ([]int, error) {
	w, err := slidingWindow(r, v.defaultWindow)
	if err != nil {
		return nil, err
	}
	win := make([]int, c.Layers)
	for i := range win {
		win[i] = w
	}
	types, err := layerTypes(r, c.Layers)
	if err != nil {
		return nil, err
	}
	for i, t := range types {
		if (t == slidingAttention) != (w > 0) {
			return nil, fmt.Errorf("key \"layer_types\": layer %d is %q, but mistral applies sliding_window (%s) to every layer; a per-layer pattern is not supported",
				i, t, windowString(w))
		}
	}
	return win, nil
}

// qwen2Windows is Qwen2's rule: a window only when use_sliding_window is true, and then sliding_window (4096 when
// absent, none when null) on the layers that layer_types marks sliding_attention, or without layer_types on layers
// max_window_layers (28 when absent) and above. Released Qwen2.5 configs carry a sliding_window with
// use_sliding_window false: no layer has a window.
func qwen2Windows(c *config, r *rawConfig, v *variant) ([]int, error) {
	win := make([]int, c.Layers)
	types, err := layerTypes(r, c.Layers) // checked even when no window applies, as HF checks it
	if err != nil {
		return nil, err
	}
	maxWindowLayers := 28
	if n, set, err := optInt("max_window_layers", r.MaxWindowLayers); err != nil {
		return nil, err
	} else if set {
		if n < 0 {
			return nil, fmt.Errorf("key \"max_window_layers\": %d is negative", n)
		}
		maxWindowLayers = n
	}
	if r.UseSlidingWindow == nil || !*r.UseSlidingWindow {
		return win, nil
	}
	w, err := slidingWindow(r, v.defaultWindow)
	if err != nil {
		return nil, err
	}
	for i := range win {
		sliding := i >= maxWindowLayers
		if types != nil {
			sliding = types[i] == slidingAttention
		}
		if sliding {
			win[i] = w
		}
	}
	return win, nil
}

// slidingWindow returns sliding_window: def when absent, 0 (none) when null, otherwise a positive size.
func slidingWindow(r *rawConfig, def int) (int, error) {
	if isAbsent(r.SlidingWindow) {
		return def, nil
	}
	w, set, err := optInt("sliding_window", r.SlidingWindow)
	if err != nil || !set {
		return 0, err
	}
	if err := arch.CheckSize("sliding_window", w, arch.MaxPositions); err != nil {
		return 0, err
	}
	return w, nil
}

func windowString(w int) string {
	if w == 0 {
		return "null"
	}
	return strconv.Itoa(w)
}

// The values of layer_types that these families know.
const (
	fullAttention    = "full_attention"
	slidingAttention = "sliding_attention"
)

// layerTypes returns layer_types, nil when absent or null: one entry per layer, each full_attention or
// sliding_attention.
func layerTypes(r *rawConfig, layers int) ([]string, error) {
	if arch.IsNull(r.LayerTypes) {
		return nil, nil
	}
	var types []string
	if err := json.Unmarshal(r.LayerTypes, &types); err != nil {
		return nil, fmt.Errorf("key \"layer_types\": not a list of strings")
	}
	if len(types) != layers {
		return nil, fmt.Errorf("key \"layer_types\": %d entries for num_hidden_layers %d", len(types), layers)
	}
	for i, t := range types {
		if t != fullAttention && t != slidingAttention {
			return nil, fmt.Errorf("key \"layer_types\": layer %d is %s (supported: %s, %s)", i, arch.Quote(t, 32), fullAttention, slidingAttention)
		}
	}
	return types, nil
}

// isAbsent reports whether a raw key was left out of config.json (as opposed to set to null).
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0
}

// optInt reads an integer key that may be absent or null; set is false then.
func optInt(key string, raw json.RawMessage) (v int, set bool, err error) {
	if arch.IsNull(raw) {
		return 0, false, nil
	}
	s := strings.TrimSpace(string(raw))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n != int64(int(n)) {
		return 0, false, fmt.Errorf("key %q: %s is not an integer", key, arch.Quote(s, 32))
	}
	return int(n), true, nil
}
