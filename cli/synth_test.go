package cli

import (
	"bytes"
	"testing"

	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/datasets/tokenizer"
)

// TestCorpusTokens checks the size of the corpus in tokens: at least 20,000 with the synthetic tokenizer trained
// on it (GPT-2's own tokenizer gives 24,390; see datasets/corpus/README.md), and that the tokenizer is deterministic.
func TestCorpusTokens(t *testing.T) {
	js, err := synthTokenizerJSON(50304)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := datasets.Corpus(datasets.DefaultCorpus)
	ids := tok.Encode(text)
	if len(ids) < 20_000 {
		t.Errorf("mixed is %d tokens, want ≥ 20,000", len(ids))
	}
	if tok.Decode(ids) != text {
		t.Error("Decode(Encode(mixed)) differs")
	}
	seqs := datasets.Windows(ids, 512)
	if err := datasets.CheckVocab(seqs, 50304); err != nil {
		t.Error(err)
	}
	if again, _ := synthTokenizerJSON(50304); !bytes.Equal(js, again) {
		t.Error("synthTokenizerJSON is not deterministic")
	}
	t.Logf("mixed: %d bytes, %d synth tokens, %d windows of 512", len(text), len(ids), len(seqs))
}
