package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/datasets/tokenizer"
	"github.com/scalefit/scalefit/internal/cleanup"
	"github.com/scalefit/scalefit/internal/textfmt"
)

func init() {
	register(&ucli.Command{
		Name:      "synth",
		Usage:     "write a random-init HF-format checkpoint (an untrained control)",
		ArgsUsage: " ",
		Description: `Writes config.json, model.safetensors and a byte-level BPE tokenizer.json into --out, initialised
the way each family initialises its models (GPT-NeoX as Pythia; Llama, Mistral and Qwen2 as HF's _init_weights; see
docs/gains.md, "Untrained controls"). Start from a --preset, which fixes the family and the released model's config
settings, and override any shape with the other flags. The same --seed always gives the same bytes.

   scalefit synth --preset pythia-70m --out /tmp/p70m
   scalefit synth --preset tiny --layers 4 --sequential --dtype bf16 --out /tmp/tiny
   scalefit synth --preset llama-3.2-1b --dtype bf16 --out controls/llama-3.2-1b`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "preset", Value: "pythia-70m", Usage: "shape preset: " + synth.PresetNames()},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "directory to create (must not exist or be empty)"},
			&ucli.IntFlag{Name: "layers", Usage: "override the number of layers"},
			&ucli.IntFlag{Name: "hidden", Usage: "override the hidden size d"},
			&ucli.IntFlag{Name: "heads", Usage: "override the number of attention heads"},
			&ucli.IntFlag{Name: "kv-heads", Usage: "override the number of key/value heads (grouped-query attention; not gpt_neox)"},
			&ucli.IntFlag{Name: "intermediate", Usage: "override the MLP width"},
			&ucli.IntFlag{Name: "vocab", Usage: "override the vocabulary size"},
			&ucli.BoolFlag{Name: "sequential", Usage: "sequential residual instead of Pythia's parallel one (gpt_neox presets)"},
			&ucli.StringFlag{Name: "dtype", Value: "f32", Usage: "storage dtype: f32, f16 or bf16"},
			&ucli.Int64Flag{Name: "seed", Value: 1, Usage: "random seed"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("synth takes no arguments (got %q); use --preset and --out", c.Args().First())
			}
			opt := synth.Options{
				Preset: c.String("preset"),
				Shape: arch.Shape{Layers: c.Int("layers"), Hidden: c.Int("hidden"), Heads: c.Int("heads"),
					KVHeads: c.Int("kv-heads"), FFN: c.Int("intermediate"), Vocab: c.Int("vocab")},
				DType: c.String("dtype"), Seed: c.Int64("seed"),
			}
			if c.Bool("sequential") {
				if p, ok := synth.LookupPreset(opt.Preset); ok && p.Family != "gpt_neox" {
					return fmt.Errorf("synth: --sequential is a gpt_neox choice; preset %s is %s, whose residual is always sequential", p.Name, p.Family)
				}
				opt.Extra = map[string]any{"use_parallel_residual": false}
			}
			m, err := synthModel(c.String("out"), opt)
			if err != nil {
				return err
			}
			cfg := m.Config()
			total, nonEmbed := m.ParamCounts()
			attention := textfmt.Plural(cfg.Heads, "head")
			if cfg.KVHeads != cfg.Heads {
				attention += fmt.Sprintf(" (%d kv)", cfg.KVHeads)
			}
			residual := ""
			if cfg.ModelType == "gpt_neox" {
				residual = map[bool]string{false: ", parallel residual", true: ", sequential residual"}[c.Bool("sequential")]
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: %s, %s, d=%d, %s, ffn %d, vocab %d%s, %s; %s parameters (%s non-embedding)\n",
				c.String("out"), cfg.ModelType, textfmt.Plural(cfg.Layers, "layer"), cfg.Hidden, attention, cfg.FFN, cfg.Vocab, residual, opt.DType,
				textfmt.GroupDigits(total), textfmt.GroupDigits(nonEmbed))
			return nil
		},
	})
}

// synthModel writes a random-init checkpoint with a byte-level BPE tokenizer learned on the embedded corpus. It builds
// the directory under a temporary name beside dir and renames it into place when it is complete, so that a failed or
// interrupted synth leaves nothing behind: no half-written directory, and no empty one.
func synthModel(dir string, opt synth.Options) (arch.Model, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("synth: %s exists and is not empty; choose a new directory", dir)
	}
	vocab := opt.Shape.Vocab
	if vocab == 0 {
		p, ok := synth.LookupPreset(opt.Preset)
		if !ok {
			return nil, fmt.Errorf("synth: unknown preset %q (known: %s)", opt.Preset, synth.PresetNames())
		}
		vocab = p.Shape.Vocab
	}
	tok, err := synthTokenizerJSON(vocab)
	if err != nil {
		return nil, fmt.Errorf("synth: tokenizer: %w", err)
	}
	created, err := mkdirParents(filepath.Dir(filepath.Clean(dir)))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	tmp, err := mkdirTemp(dir)
	if err != nil {
		removeDirs(created)
		return nil, fmt.Errorf("synth: %w", err)
	}
	forget := cleanup.Register(func() { os.RemoveAll(tmp); removeDirs(created) })
	defer forget()
	m, err := synth.Synth(tmp, opt, tok)
	if err == nil {
		os.Remove(dir) // an empty directory given as --out (os.Rename will not replace a directory)
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		removeDirs(created)
		return nil, fmt.Errorf("synth: %w", err)
	}
	return m, nil
}

// mkdirParents creates dir and any missing parents, like os.MkdirAll, and returns those it created, deepest last.
func mkdirParents(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append([]string{d}, missing...)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	return missing, nil
}

// removeDirs removes the directories mkdirParents created, deepest first, as long as they are empty.
func removeDirs(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		if os.Remove(dirs[i]) != nil {
			return
		}
	}
}

// mkdirTemp creates a new directory .<base>.tmp-<random> beside path, with the permissions 0777 less the umask.
func mkdirTemp(path string) (string, error) {
	parent, base := filepath.Split(filepath.Clean(path))
	for range 100 {
		name := filepath.Join(parent, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64()%1e10, 10))
		err := os.Mkdir(name, 0o777)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("cannot create a temporary directory beside %s", path)
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
