package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/datasets"
)

// hashScheme names the recipe below; change it when the recipe changes, so that old run files count as stale.
const hashScheme = "scalefit-sweep-options/1"

// hasher computes the options hash of a plan's tasks: a SHA-256 over everything that changes a run's numbers, and
// nothing else, so that a finished task is redone exactly when its result would differ. It covers
//   - the dataset's content (the file's bytes, or the embedded corpus's text), not its path, and the JSON field;
//   - seq_len, no_special_tokens and the tokenizer file's bytes when the dataset is text, which they encode and cut
//     into windows;
//   - max_tokens, skip_first, gelu, loss (which adds the loss to the file) and the backend;
//   - the model: its id, its revision and, for a hub snapshot, the commit; for a local directory the bytes of
//     config.json and tokenizer.json and the names and sizes of its weight files.
//
// It leaves out the threads, the device and the scalefit version, which change none of them.
type hasher struct {
	common []byte // the JSON of the plan-wide part
}

// planOptions is the plan-wide part of the hash, as JSON.
type planOptions struct {
	Scheme    string `json:"scheme"`
	Dataset   string `json:"dataset"` // kind:sha256 of the content
	Field     string `json:"field,omitempty"`
	SeqLen    int    `json:"seq_len,omitempty"`
	Tokenizer string `json:"tokenizer,omitempty"`
	NoSpecial bool   `json:"no_special_tokens,omitempty"`
	MaxTokens int    `json:"max_tokens"`
	SkipFirst int    `json:"skip_first"`
	GELU      string `json:"gelu"`
	Loss      bool   `json:"loss"`
	Backend   string `json:"backend"`
}

func newHasher(p *Plan) (*hasher, error) {
	d := p.Dataset
	o := planOptions{Scheme: hashScheme, MaxTokens: p.Run.MaxTokens, SkipFirst: p.Run.SkipFirst, GELU: p.Run.GELU,
		Loss: p.Run.Loss, Backend: filepath.Base(p.Run.Backend)} // a plugin binary counts by its name, wherever it lies
	var err error
	switch {
	case d.Tokens != "":
		o.Dataset, err = fileDigest("tokens", d.Tokens)
	case d.Text != "":
		o.Dataset, err = fileDigest("text", d.Text)
	case d.JSONL != "":
		o.Dataset, err = fileDigest("jsonl", d.JSONL)
		o.Field = d.Field
	default:
		var text string
		if text, err = datasets.Corpus(d.Corpus); err == nil {
			o.Dataset = "corpus:" + d.Corpus + ":" + digest([]byte(text))
		}
	}
	if err != nil {
		return nil, err
	}
	if d.textual() {
		o.SeqLen = p.Run.SeqLen
		o.NoSpecial = p.Run.NoSpecial
		if p.Run.Tokenizer != "" {
			if o.Tokenizer, err = fileDigest("tokenizer", p.Run.Tokenizer); err != nil {
				return nil, err
			}
		}
	}
	common, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return &hasher{common: common}, nil
}

// task returns the options hash of one task, in hex. commit is the hub snapshot's commit, empty for a local
// directory, whose files are fingerprinted instead.
func (h *hasher) task(model, revision, dir, commit string) (string, error) {
	m := struct {
		Model    string `json:"model"`
		Revision string `json:"revision,omitempty"`
		Commit   string `json:"commit,omitempty"`
		Files    string `json:"files,omitempty"`
	}{Model: model, Revision: revision, Commit: commit}
	if commit == "" {
		var err error
		if m.Files, err = dirFingerprint(dir); err != nil {
			return "", err
		}
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	sum.Write(h.common)
	sum.Write([]byte{0})
	sum.Write(mj)
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileDigest is kind:sha256 of a file's bytes.
func fileDigest(kind, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return kind + ":" + hex.EncodeToString(h.Sum(nil)), nil
}

// dirFingerprint identifies a local model directory by the bytes of its config.json and tokenizer.json and the
// names and sizes of its weight files, which is cheap even for a large model and changes when it is retrained or
// replaced.
func dirFingerprint(dir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"config.json", "tokenizer.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("model %s: %w", dir, err)
		}
		fmt.Fprintf(h, "%s %d %s\n", name, len(b), digest(b))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", dir, err)
	}
	var weights []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".safetensors") || strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".pt") || strings.HasSuffix(n, ".pth") {
			st, err := os.Stat(filepath.Join(dir, n))
			if err != nil {
				return "", fmt.Errorf("model %s: %w", dir, err)
			}
			weights = append(weights, fmt.Sprintf("%s %d", n, st.Size()))
		}
	}
	sort.Strings(weights)
	for _, w := range weights {
		fmt.Fprintln(h, w)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
