package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

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
	NoSpecial                          bool // encode text without the special tokens the tokenizer adds (BOS)

	// MaxLen, when > 0, is the longest sequence load accepts: the model's max_position_embeddings, unless AllowLong.
	MaxLen    int
	AllowLong bool
}

func inputFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "tokens", Category: "input", Usage: "JSON Lines file, one JSON array of token ids per line and sequence (scalefit tokenize writes one)"},
		&ucli.StringFlag{Name: "text", Category: "input", Usage: "UTF-8 text file, tokenized with the model's tokenizer.json and cut into --seq-len windows"},
		&ucli.StringFlag{Name: "jsonl", Category: "input", Usage: "JSON Lines file of records whose --field holds text"},
		&ucli.StringFlag{Name: "field", Category: "input", Value: "text", Usage: "text field of the --jsonl records"},
		&ucli.StringFlag{Name: "corpus", Category: "input", Usage: "embedded corpus (see scalefit datasets), e.g. mixed"},
		&ucli.StringFlag{Name: "tokenizer", Category: "input", Usage: "tokenizer.json to use instead of the model directory's"},
		&ucli.IntFlag{Name: "seq-len", Category: "input", Value: 512, Usage: "window length in tokens for text inputs, the tokenizer's BOS included"},
		&ucli.IntFlag{Name: "max-tokens", Category: "input", Usage: "cap on the total number of tokens (0: no cap)"},
		&ucli.BoolFlag{Name: "no-special-tokens", Category: "input", Usage: "encode text without the special tokens the tokenizer adds (by default every window starts with its BOS, as HF's tok.encode(text) starts a text)"},
		&ucli.BoolFlag{Name: "allow-long-sequences", Category: "input", Usage: "run sequences (and --seq-len windows) longer than the model's max_position_embeddings, which are refused otherwise"},
	}
}

func inputFromFlags(c *ucli.Context) input {
	return input{
		Tokens: c.String("tokens"), Text: c.String("text"), JSONL: c.String("jsonl"), Field: c.String("field"),
		Corpus: c.String("corpus"), Tokenizer: c.String("tokenizer"), SeqLen: c.Int("seq-len"), MaxTokens: c.Int("max-tokens"),
		NoSpecial: c.Bool("no-special-tokens"), AllowLong: c.Bool("allow-long-sequences"),
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
// It also returns the run's schema.MetaBOS: the ids of the special tokens that begin every sequence.
func (in input) load(modelDir string, vocab int) ([][]int32, string, error) {
	n := 0
	for _, s := range []string{in.Tokens, in.Text, in.JSONL, in.Corpus} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, "", fmt.Errorf("give exactly one input: --tokens, --text, --jsonl or --corpus")
	}
	if in.MaxTokens < 0 {
		return nil, "", fmt.Errorf("--max-tokens %d: must be ≥ 0", in.MaxTokens)
	}
	var seqs [][]int32
	var bos string
	if in.Tokens != "" {
		var err error
		if seqs, err = datasets.LoadTokensLimits(in.Tokens, vocab, in.MaxLen); err != nil {
			if tl := (*datasets.TooLongError)(nil); errors.As(err, &tl) {
				err = fmt.Errorf("load tokens %s: line %d: a sequence of %d tokens, more than the model's max_position_embeddings of %d; give --allow-long-sequences to run it anyway",
					tl.Path, tl.Line, tl.Len, tl.Max)
			}
			return nil, "", err
		}
		bos = in.tokensBOS(modelDir, seqs)
	} else {
		if in.SeqLen < 2 {
			return nil, "", fmt.Errorf("--seq-len %d: must be ≥ 2", in.SeqLen)
		}
		if in.MaxLen > 0 && in.SeqLen > in.MaxLen {
			return nil, "", fmt.Errorf("--seq-len %d is above the model's max_position_embeddings of %d; give a shorter --seq-len, or --allow-long-sequences to run it anyway", in.SeqLen, in.MaxLen)
		}
		texts, err := in.texts()
		if err != nil {
			return nil, "", err
		}
		tok, err := loadTokenizer(in.tokenizerPath(modelDir))
		if err != nil {
			return nil, "", err
		}
		var prefix, suffix []int32
		if !in.NoSpecial {
			prefix, suffix = tok.Specials()
		}
		for _, t := range texts {
			ids, err := tok.TryEncode(t, false)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", in.tokenizerPath(modelDir), err)
			}
			w, err := datasets.SpecialWindows(ids, in.SeqLen, prefix, suffix)
			if err != nil {
				return nil, "", fmt.Errorf("--seq-len %d: %w (or give --no-special-tokens)", in.SeqLen, err)
			}
			seqs = append(seqs, w...)
		}
		if len(seqs) == 0 {
			return nil, "", fmt.Errorf("%s: no text to run (fewer than 2 tokens)", in.describe())
		}
		bos = idList(prefix)
	}
	if in.MaxTokens > 0 {
		seqs = datasets.CapTokens(seqs, in.MaxTokens)
	}
	if err := datasets.CheckVocab(seqs, vocab); err != nil {
		return nil, "", fmt.Errorf("%s: %w", in.describe(), err)
	}
	return seqs, bos, nil
}

// texts reads the text input: the --text file, the --field of every --jsonl record, or the --corpus.
func (in input) texts() ([]string, error) {
	switch {
	case in.Text != "":
		t, err := datasets.LoadText(in.Text)
		if err != nil {
			return nil, err
		}
		return []string{t}, nil
	case in.JSONL != "":
		return datasets.LoadJSONL(in.JSONL, in.Field)
	default:
		t, err := datasets.Corpus(in.Corpus)
		if err != nil {
			return nil, err
		}
		return []string{t}, nil
	}
}

// loadTokenizer reads a tokenizer.json (and the tokenizer_config.json beside it).
func loadTokenizer(path string) (*tokenizer.Tokenizer, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("text input needs a tokenizer: %s not found (give --tokenizer or use --tokens)", path)
	}
	return tokenizer.Load(path)
}

// tokensBOS returns schema.MetaBOS for token-id input: the ids the model's tokenizer puts first, when every
// sequence starts with them; "none" when some sequence does not or the tokenizer puts none; "unknown" without a
// tokenizer that loads.
func (in input) tokensBOS(modelDir string, seqs [][]int32) string {
	path := in.tokenizerPath(modelDir)
	if _, err := os.Stat(path); err != nil {
		return "unknown"
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		return "unknown"
	}
	prefix, _ := tok.Specials()
	for _, s := range seqs {
		if len(prefix) == 0 || len(s) < len(prefix) || !slices.Equal(s[:len(prefix)], prefix) {
			return "none"
		}
	}
	return idList(prefix)
}

// idList writes ids as comma-separated decimals, or "none" when there are none.
func idList(ids []int32) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ",")
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
