package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/datasets/tokenizer"
	"github.com/scalefit/scalefit/schema"
)

// input says where a run's token sequences come from: exactly one of a token-id file, a text file, a JSON Lines file
// with a text field, or an embedded corpus.
type input struct {
	Tokens, Text, JSONL, Field, Corpus string
	Tokenizer                          string // tokenizer.json to use instead of the model's own
	SeqLen, MaxTokens                  int
}

func inputFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "tokens", Category: "input", Usage: "JSON Lines file, one JSON array of token ids per line and sequence"},
		&ucli.StringFlag{Name: "text", Category: "input", Usage: "UTF-8 text file, tokenized with the model's tokenizer.json and cut into --seq-len windows"},
		&ucli.StringFlag{Name: "jsonl", Category: "input", Usage: "JSON Lines file of records whose --field holds text"},
		&ucli.StringFlag{Name: "field", Category: "input", Value: "text", Usage: "text field of the --jsonl records"},
		&ucli.StringFlag{Name: "corpus", Category: "input", Usage: "embedded corpus (see scalefit datasets), e.g. mixed"},
		&ucli.StringFlag{Name: "tokenizer", Category: "input", Usage: "tokenizer.json to use instead of the model directory's"},
		&ucli.IntFlag{Name: "seq-len", Category: "input", Value: 512, Usage: "window length in tokens for text inputs"},
		&ucli.IntFlag{Name: "max-tokens", Category: "input", Usage: "cap on the total number of tokens (0: no cap)"},
	}
}

func inputFromFlags(c *ucli.Context) input {
	return input{
		Tokens: c.String("tokens"), Text: c.String("text"), JSONL: c.String("jsonl"), Field: c.String("field"),
		Corpus: c.String("corpus"), Tokenizer: c.String("tokenizer"), SeqLen: c.Int("seq-len"), MaxTokens: c.Int("max-tokens"),
	}
}

// describe names the input as a message shows it: the path as given, or the embedded corpus.
func (in input) describe() string {
	switch {
	case in.Tokens != "":
		return in.Tokens
	case in.Text != "":
		return in.Text
	case in.JSONL != "":
		return in.JSONL + "#" + in.Field
	default:
		return "corpus:" + in.Corpus
	}
}

// tokenizerPath is the tokenizer.json that text inputs are tokenized with.
func (in input) tokenizerPath(modelDir string) string {
	if in.Tokenizer != "" {
		return in.Tokenizer
	}
	return filepath.Join(modelDir, "tokenizer.json")
}

// provenance is what the run file records about the input (docs/run-file.md): the dataset by name, never by
// absolute path, with the SHA-256 of its bytes; the tokenizer by the model id (model's own) or file name, with its
// SHA-256; the window length and the token cap.
func (in input) provenance(modelDir, modelID string) map[string]string {
	m := map[string]string{schema.MetaMaxTokens: strconv.Itoa(in.MaxTokens)}
	var file string
	switch {
	case in.Tokens != "":
		file, m[schema.MetaDataset] = in.Tokens, filepath.Base(in.Tokens)
	case in.Text != "":
		file, m[schema.MetaDataset] = in.Text, filepath.Base(in.Text)
	case in.JSONL != "":
		file, m[schema.MetaDataset] = in.JSONL, filepath.Base(in.JSONL)+"#"+in.Field
	default:
		m[schema.MetaDataset] = "corpus:" + in.Corpus
		if text, err := datasets.Corpus(in.Corpus); err == nil {
			sum := sha256.Sum256([]byte(text))
			m[schema.MetaDatasetSHA256] = hex.EncodeToString(sum[:])
		}
	}
	if file != "" {
		if h, err := fileSHA256(file); err == nil {
			m[schema.MetaDatasetSHA256] = h
		}
	}
	if in.Tokens != "" {
		m[schema.MetaTokenizer] = "token ids"
		return m
	}
	m[schema.MetaSeqLen] = strconv.Itoa(in.SeqLen)
	if in.Tokenizer != "" {
		m[schema.MetaTokenizer] = filepath.Base(in.Tokenizer)
	} else {
		m[schema.MetaTokenizer] = modelID + " tokenizer.json"
	}
	if h, err := fileSHA256(in.tokenizerPath(modelDir)); err == nil {
		m[schema.MetaTokenizerSHA256] = h
	}
	return m
}

// fileSHA256 is the hex SHA-256 of the file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// load reads the sequences, tokenizing text with the model's tokenizer, and checks every id against the vocabulary.
func (in input) load(modelDir string, vocab int) ([][]int32, error) {
	n := 0
	for _, s := range []string{in.Tokens, in.Text, in.JSONL, in.Corpus} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("give exactly one input: --tokens, --text, --jsonl or --corpus")
	}
	if in.MaxTokens < 0 {
		return nil, fmt.Errorf("--max-tokens %d: must be ≥ 0", in.MaxTokens)
	}
	var seqs [][]int32
	if in.Tokens != "" {
		var err error
		if seqs, err = datasets.LoadTokensVocab(in.Tokens, vocab); err != nil {
			return nil, err
		}
	} else {
		if in.SeqLen < 2 {
			return nil, fmt.Errorf("--seq-len %d: must be ≥ 2", in.SeqLen)
		}
		var texts []string
		switch {
		case in.Text != "":
			t, err := datasets.LoadText(in.Text)
			if err != nil {
				return nil, err
			}
			texts = []string{t}
		case in.JSONL != "":
			var err error
			if texts, err = datasets.LoadJSONL(in.JSONL, in.Field); err != nil {
				return nil, err
			}
		default:
			t, err := datasets.Corpus(in.Corpus)
			if err != nil {
				return nil, err
			}
			texts = []string{t}
		}
		tokPath := in.tokenizerPath(modelDir)
		if _, err := os.Stat(tokPath); err != nil {
			return nil, fmt.Errorf("text input needs a tokenizer: %s not found (give --tokenizer or use --tokens)", tokPath)
		}
		tok, err := tokenizer.Load(tokPath)
		if err != nil {
			return nil, err
		}
		for _, t := range texts {
			seqs = append(seqs, datasets.Windows(tok.Encode(t), in.SeqLen)...)
		}
		if len(seqs) == 0 {
			return nil, fmt.Errorf("%s: no text to run (fewer than 2 tokens)", in.describe())
		}
	}
	if in.MaxTokens > 0 {
		seqs = datasets.CapTokens(seqs, in.MaxTokens)
	}
	if err := datasets.CheckVocab(seqs, vocab); err != nil {
		return nil, fmt.Errorf("%s: %w", in.describe(), err)
	}
	return seqs, nil
}

// sortRows puts rows in (layer, component as in schema.Components, seq) order, so run files are deterministic
// whatever order a backend streamed them in.
func sortRows(rows []schema.Row) {
	rank := func(c string) int { return slices.Index(schema.Components, c) }
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		if a.Component != b.Component {
			return rank(a.Component) < rank(b.Component)
		}
		return a.Seq < b.Seq
	})
}
