// Package arch holds every transformer architecture scalefit measures, each written once, in one file per family,
// against the op set Ops that every backend implements on its own tensors. A family maps its HF config.json (with HF's
// defaults), names and shapes its tensors, counts its parameters, initialises a random control as HF's _init_weights
// does, and runs one block with the residual written out. It registers itself by model_type, so a backend only
// implements Ops and never touches model code; package measure runs the layer loop and turns the block's taps into
// gains.
//
// A new family is a package arch/<family> (see arch/gptneox) that
//
//   - maps config.json in New with DecodeConfig, RequireSizes, Agree and HiddenAct, HF's defaults for absent keys,
//     and one-line errors naming the key for anything it cannot honour;
//   - implements Model: Params in state-dict order, LayerWeights and HeadWeights (Key is what Block reads from
//     Weights; Layout InOut for GPT-2's Conv1D), IsBuffer, ParamCounts, Init, Embed, Block and Logits, and
//     NameBinder when its names depend on how the checkpoint was saved (GPT-2's optional prefix);
//   - writes Block as the HF module does, one op per line with a shape comment, tapping every Point (PointAttnAdd and
//     PointMLPAdd only where a post-norm sits between the module's output and the residual);
//   - registers itself in init() with its model_type values, presets and SynthConfig, and is imported by arch/all;
//   - is tested by its config and count tests and by the torch references in testdata/reference, which every
//     backend runs.
package arch

import (
	"encoding/json"
	"fmt"
	"github.com/scalefit/scalefit/internal/quote"
	"sort"
	"strings"
)

// Config is what every family's config.json maps to, the part of it that the measurement, the run file and the
// analysis need.
type Config struct {
	ModelType      string     // HF model_type, e.g. "llama"
	Layers         int        // num_hidden_layers (n_layer in GPT-2)
	Hidden         int        // d: the residual stream's width
	Heads, KVHeads int        // query heads and key/value heads (equal without GQA)
	HeadDim        int        // head_dim, which Gemma sets apart from Hidden/Heads
	FFN            int        // the MLP's inner width
	Vocab          int        // vocab_size
	MaxPositions   int        // max_position_embeddings (n_positions in GPT-2)
	Activation     Activation // the MLP's activation as it runs: the config's, or Options.Activation when given
	TiedEmbeddings bool       // the unembedding is the input embedding
	Raw            []byte     // config.json verbatim
}

// Init is how a random-init control sets one parameter, as HF's _init_weights does: normal(0, Std) when Std > 0,
// otherwise the constant Const (0 for biases and Gemma's norms, 1 for LayerNorm and RMSNorm weights).
type Init struct {
	Std   float64
	Const float32
}

// Model is one checkpoint's architecture: a family with its config applied.
type Model interface {
	// Config returns the mapped config.
	Config() *Config
	// Params lists every parameter tensor with its stored shape, in state-dict order. An unembedding tied to the
	// input embedding is not listed.
	Params() []WeightSpec
	// IsBuffer reports whether a tensor stored in a checkpoint is a buffer, not a parameter (a causal mask, rotary
	// inv_freq): such tensors are ignored.
	IsBuffer(name string) bool
	// ParamCounts returns the number of parameters, counting a tied embedding once, and the number without the token
	// embedding, any learned position embedding and an untied unembedding.
	ParamCounts() (total, nonEmbed int64)
	// Init returns how a random-init control sets the parameter name.
	Init(name string) Init

	// Embed returns the hidden states entering layer 0 for the token ids of batch, [len(ids), Hidden], as a tensor
	// that lives until ops.Free.
	Embed(ops Ops, ids []int32, batch *Batch) (Tensor, error)
	// LayerWeights lists the tensors that Block reads for layer l.
	LayerWeights(l int) []WeightSpec
	// Block runs layer l over the hidden states h of batch in place, h ← block(h), and taps its points.
	Block(ops Ops, l int, w Weights, h Tensor, batch *Batch, tap Tap)
	// HeadWeights lists the tensors that Logits reads: the final norm and the unembedding.
	HeadWeights() []WeightSpec
	// Logits returns the next-token logits [rows, Vocab] of final hidden states h.
	Logits(ops Ops, w Weights, h Tensor) Tensor
}

// NameBinder is implemented by a model whose tensor names depend on how its checkpoint was saved: GPT-2's are stored
// with or without the "transformer." prefix. Before such a model names any tensor of a checkpoint (Params,
// LayerWeights, HeadWeights, Embed), BindNames must be given the names stored there; BindNames does that for any
// model.
type NameBinder interface {
	BindNames(stored []string)
}

// BindNames tells m the tensor names stored in its checkpoint when m's names depend on them (NameBinder), and does
// nothing otherwise. Whoever runs a model on a checkpoint calls it once, after New.
func BindNames(m Model, stored []string) {
	if b, ok := m.(NameBinder); ok {
		b.BindNames(stored)
	}
}

// Options are the run's choices that change a forward pass.
type Options struct {
	// Activation, when not nil, replaces the config's GELU form (the run's --gelu). A family without a GELU refuses it.
	Activation *Activation
}

// Family is one architecture family.
type Family struct {
	Name       string                                              // e.g. "llama"
	ModelTypes []string                                            // the HF model_type values it runs
	New        func(configJSON []byte, opt Options) (Model, error) // maps and validates config.json

	// Presets are the named shapes that synth can build for this family (real models' shapes, then tiny test ones).
	Presets []Preset
	// SynthConfig renders the config.json of a random-init control of shape s: the family's model_type, its HF
	// defaults (or its released models' settings) for every other key, then the keys of extra set over them (e.g.
	// "use_parallel_residual": false). Zero fields of s are errors, except KVHeads, which then equals Heads. Nil for
	// a family that synth cannot build.
	SynthConfig func(s Shape, extra map[string]any) ([]byte, error)
}

// Shape is the size of a model: what a synth preset fixes and synth's flags override.
type Shape struct {
	Layers  int // num_hidden_layers
	Hidden  int // d
	Heads   int // query heads
	KVHeads int // key/value heads; 0 means Heads
	FFN     int // the MLP's inner width
	Vocab   int // vocab_size
}

// Preset is a named shape of one family.
type Preset struct {
	Name  string         // e.g. "pythia-160m"
	Note  string         // one line for --help
	Shape Shape          //
	Extra map[string]any // further config.json keys the shape needs (e.g. Gemma's head_dim); may be nil
}

var families = map[string]*Family{}

// Register makes a family available under each of its model types. It panics on a duplicate, which is a programming
// error caught at start-up.
func Register(f *Family) {
	for _, t := range f.ModelTypes {
		if _, dup := families[t]; dup {
			panic(fmt.Sprintf("arch: model_type %q registered twice", t))
		}
		families[t] = f
	}
}

// Lookup returns the family registered for modelType.
func Lookup(modelType string) (*Family, bool) {
	f, ok := families[modelType]
	return f, ok
}

// Families returns every registered family once, sorted by name.
func Families() []*Family {
	seen := map[*Family]bool{}
	var out []*Family
	for _, f := range families {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ModelTypes returns the registered model_type values, sorted.
func ModelTypes() []string {
	ts := make([]string, 0, len(families))
	for t := range families {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// New reads model_type from configJSON and builds the model of the family that registered it. An unknown
// model_type is one error that lists the supported ones.
func New(configJSON []byte, opt Options) (Model, error) {
	var head struct {
		ModelType *string `json:"model_type"`
	}
	if err := json.Unmarshal(configJSON, &head); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if head.ModelType == nil {
		return nil, fmt.Errorf("key \"model_type\" is missing")
	}
	f, ok := families[*head.ModelType]
	if !ok {
		return nil, fmt.Errorf("model_type %s is not supported (supported: %s)", Quote(*head.ModelType, 64),
			strings.Join(ModelTypes(), ", "))
	}
	m, err := f.New(configJSON, opt)
	return m, quote.Error(err, 400) // one line of bounded length, whatever value the file holds
}

// Quote quotes s for an error message, cut to at most n bytes so that a hostile value cannot flood a terminal.
func Quote(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q…", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
