package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/datasets/tokenizer"
	"github.com/scalefit/scalefit/internal/textfmt"
)

func init() {
	register(&ucli.Command{
		Name:      "synth",
		Usage:     "write a random-init HF-format GPT-NeoX checkpoint (an untrained control)",
		ArgsUsage: " ",
		Description: `Writes config.json, model.safetensors and a byte-level BPE tokenizer.json into --out, initialised
the way GPT-NeoX initialises Pythia (see docs/gains.md, "Untrained controls"). Start from a --preset and override
any shape with the other flags. The same --seed always gives the same bytes.

   scalefit synth --preset pythia-70m --out /tmp/p70m
   scalefit synth --preset tiny --layers 4 --sequential --dtype bf16 --out /tmp/tiny`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "preset", Value: "pythia-70m", Usage: "shape preset: " + presetNames()},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "directory to create (must not exist or be empty)"},
			&ucli.IntFlag{Name: "layers", Usage: "override the number of layers"},
			&ucli.IntFlag{Name: "hidden", Usage: "override the hidden size d"},
			&ucli.IntFlag{Name: "heads", Usage: "override the number of attention heads"},
			&ucli.IntFlag{Name: "intermediate", Usage: "override the MLP width"},
			&ucli.IntFlag{Name: "vocab", Usage: "override the vocabulary size"},
			&ucli.BoolFlag{Name: "sequential", Usage: "sequential residual instead of Pythia's parallel one"},
			&ucli.StringFlag{Name: "dtype", Value: "f32", Usage: "storage dtype: f32, f16 or bf16"},
			&ucli.Int64Flag{Name: "seed", Value: 1, Usage: "random seed"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("synth takes no arguments (got %q); use --preset and --out", c.Args().First())
			}
			opt := checkpoint.SynthOptions{
				Preset: c.String("preset"), Layers: c.Int("layers"), Hidden: c.Int("hidden"), Heads: c.Int("heads"),
				Intermediate: c.Int("intermediate"), Vocab: c.Int("vocab"), Sequential: c.Bool("sequential"),
				DType: c.String("dtype"), Seed: c.Int64("seed"),
			}
			cfg, err := synthModel(c.String("out"), opt)
			if err != nil {
				return err
			}
			total, nonEmbed := checkpoint.ParamCounts(cfg)
			fmt.Fprintf(c.App.Writer, "wrote %s: %d layers, d=%d, %d heads, ffn %d, vocab %d, %s residual, %s; %s parameters (%s non-embedding)\n",
				c.String("out"), cfg.NumLayers, cfg.HiddenSize, cfg.NumHeads, cfg.IntermediateSize, cfg.VocabSize,
				map[bool]string{true: "parallel", false: "sequential"}[cfg.UseParallelResidual], opt.DType,
				textfmt.GroupDigits(total), textfmt.GroupDigits(nonEmbed))
			return nil
		},
	})
}

// synthModel writes a random-init checkpoint with a byte-level BPE tokenizer learned on the embedded corpus.
func synthModel(dir string, opt checkpoint.SynthOptions) (*checkpoint.Config, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("synth: %s exists and is not empty; choose a new directory", dir)
	}
	vocab := opt.Vocab
	if vocab == 0 {
		p, ok := findPreset(opt.Preset)
		if !ok {
			return nil, fmt.Errorf("synth: unknown preset %q (known: %s)", opt.Preset, presetNames())
		}
		vocab = p.Vocab
	}
	tok, err := synthTokenizerJSON(vocab)
	if err != nil {
		return nil, fmt.Errorf("synth: tokenizer: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return checkpoint.Synth(dir, opt, tok)
}

func findPreset(name string) (checkpoint.Preset, bool) {
	for _, p := range checkpoint.Presets() {
		if p.Name == name {
			return p, true
		}
	}
	return checkpoint.Preset{}, false
}

func presetNames() string {
	var names []string
	for _, p := range checkpoint.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// synthTokenizerJSON returns the tokenizer.json of a byte-level BPE of vocabSize tokens trained on the default
// embedded corpus, for random-init checkpoints. It is deterministic, so two synthetic checkpoints with the same
// vocabulary size share a tokenizer.
func synthTokenizerJSON(vocabSize int) ([]byte, error) {
	text, err := datasets.Corpus(datasets.DefaultCorpus)
	if err != nil {
		return nil, err
	}
	return tokenizer.ByteLevelJSON(vocabSize, text)
}
