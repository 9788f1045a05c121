package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/datasets/tokenizer"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "tokenize",
		Usage:     "encode text to token ids exactly as Hugging Face's tok.encode(text) does, as JSON Lines",
		ArgsUsage: " ",
		Description: `Encodes text with a model's tokenizer.json (and the tokenizer_config.json beside it) and writes one JSON
array of token ids per line, the format of scalefit run --tokens. Each --text file is one sequence and each
--jsonl record one line, exactly tok.encode(text) of HF transformers: with the special tokens the tokenizer adds
(Llama's and Gemma's BOS), or without them under --no-special-tokens (add_special_tokens=False). Texts that
encode to no token are skipped. With --seq-len N every sequence is cut into the windows that scalefit run
feeds the model, each starting with the BOS, counted inside N. Examples:

   scalefit tokenize --model google/gemma-2-2b --text notes.txt
   scalefit tokenize --tokenizer ~/models/llama-2-7b/tokenizer.json --jsonl docs.jsonl --field body --out ids.jsonl
   scalefit tokenize --model ~/models/llama-3.2-1b --text corpus.txt --seq-len 512 --out seqs.jsonl`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "HF model directory, or a hub id found in the HF cache, whose tokenizer.json encodes"},
			&ucli.StringFlag{Name: "revision", Usage: "revision in the HF cache (e.g. step1000)"},
			&ucli.StringFlag{Name: "tokenizer", Usage: "tokenizer.json to use (instead of --model)"},
			&ucli.StringFlag{Name: "text", Category: "input", Usage: "UTF-8 text file, encoded as one sequence"},
			&ucli.StringFlag{Name: "jsonl", Category: "input", Usage: "JSON Lines file of records whose --field holds text, one sequence each"},
			&ucli.StringFlag{Name: "field", Category: "input", Value: "text", Usage: "text field of the --jsonl records"},
			&ucli.StringFlag{Name: "corpus", Category: "input", Usage: "embedded corpus (see scalefit datasets), e.g. mixed"},
			&ucli.IntFlag{Name: "seq-len", Category: "input", Usage: "cut every sequence into the windows of scalefit run (0: no cutting)"},
			&ucli.BoolFlag{Name: "no-special-tokens", Category: "input", Usage: "leave out the special tokens the tokenizer adds (HF's add_special_tokens=False)"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "file to write (default: standard output)"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("tokenize takes no arguments (got %q); use --text, --jsonl or --corpus", c.Args().First())
			}
			in := input{
				Text: c.String("text"), JSONL: c.String("jsonl"), Field: c.String("field"), Corpus: c.String("corpus"),
				Tokenizer: c.String("tokenizer"), SeqLen: c.Int("seq-len"), NoSpecial: c.Bool("no-special-tokens"),
			}
			switch {
			case c.String("model") != "" && in.Tokenizer != "":
				return fmt.Errorf("give --model or --tokenizer, not both")
			case c.String("model") != "":
				m, err := resolveModel(c.String("model"), c.String("revision"))
				if err != nil {
					return err
				}
				in.Tokenizer = in.tokenizerPath(m.Dir)
			case in.Tokenizer == "":
				return fmt.Errorf("give --model or --tokenizer")
			}
			if err := checkOutputs(c.App.ErrWriter, in.files(), output{"--out", c.String("out")}); err != nil {
				return err
			}
			seqs, skipped, err := tokenizeInput(in)
			if err != nil {
				return err
			}
			write := func(w io.Writer) error { return writeTokens(w, seqs) }
			if out := c.String("out"); out != "" {
				if err := prepareOut(out); err != nil {
					return err
				}
				if err := schema.WriteAtomic(out, write); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
			} else if err := write(c.App.Writer); err != nil {
				return err
			}
			if skipped > 0 {
				fmt.Fprintf(c.App.ErrWriter, "scalefit: tokenize: warning: skipped %s that encode%s to no token\n", textfmt.Plural(skipped, "text"), map[bool]string{true: "s", false: ""}[skipped == 1])
			}
			return nil
		},
	})
}

// tokenizeInput encodes every text of in with in.Tokenizer: each text whole, with the special tokens unless
// in.NoSpecial, or cut into run's windows when in.SeqLen > 0. It returns the sequences and how many texts gave
// none.
func tokenizeInput(in input) (seqs [][]int32, skipped int, err error) {
	n := 0
	for _, s := range []string{in.Text, in.JSONL, in.Corpus} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, 0, fmt.Errorf("give exactly one input: --text, --jsonl or --corpus")
	}
	if in.SeqLen < 0 {
		return nil, 0, fmt.Errorf("--seq-len %d: must be ≥ 0", in.SeqLen)
	}
	texts, err := in.texts()
	if err != nil {
		return nil, 0, err
	}
	tok, err := tokenizer.Load(in.Tokenizer)
	if err != nil {
		return nil, 0, err
	}
	var prefix, suffix []int32
	if !in.NoSpecial {
		prefix, suffix = tok.Specials()
	}
	for _, t := range texts {
		var w [][]int32
		if in.SeqLen == 0 {
			ids, err := tok.TryEncode(t, !in.NoSpecial)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %w", in.Tokenizer, err)
			}
			if len(ids) > 0 {
				w = [][]int32{ids}
			}
		} else {
			ids, err := tok.TryEncode(t, false)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %w", in.Tokenizer, err)
			}
			if w, err = datasets.SpecialWindows(ids, in.SeqLen, prefix, suffix); err != nil {
				return nil, 0, fmt.Errorf("--seq-len %d: %w", in.SeqLen, err)
			}
		}
		if len(w) == 0 {
			skipped++
		}
		seqs = append(seqs, w...)
	}
	return seqs, skipped, nil
}

// writeTokens writes one JSON array of ids per line.
func writeTokens(w io.Writer, seqs [][]int32) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for _, s := range seqs {
		line = append(line[:0], '[')
		for i, id := range s {
			if i > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendInt(line, int64(id), 10)
		}
		line = append(line, ']', '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}
