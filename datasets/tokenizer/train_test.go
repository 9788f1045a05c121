package tokenizer

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTrainHand follows BPE training by hand on "low lower lowest". GPT-2's split gives the words low, Ġlower and
// Ġlowest, whose pair counts are (l o) 3, (o w) 3, (Ġ l) 2, (w e) 2 and 1 for the rest.
//  1. (l o) and (o w) tie at 3; "l" < "o", so "l o" → lo (256).
//  2. (lo w) 3 → low (257).
//  3. (Ġ low) and (low e) tie at 2; "low" < "Ġ" (0x6C < 0xC4), so "low e" → lowe (258).
//  4. (Ġ lowe) 2 → Ġlowe (259).
//  5. Every remaining pair occurs once: stop. <|endoftext|> is 260.
func TestTrainHand(t *testing.T) {
	js, err := ByteLevelJSON(50000, "low lower lowest")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(js, []byte(`"merges": [
      "l o",
      "lo w",
      "low e",
      "Ġ lowe"
    ]`)) {
		t.Errorf("merges differ from the hand derivation:\n%s", js[bytes.Index(js, []byte(`"merges"`)):])
	}
	tok, err := FromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []int32
	}{
		{"low", []int32{257}},
		{" lowest", []int32{259, 's' - 33, 't' - 33}},
		{" lower<|endoftext|>", []int32{259, 'r' - 33, 260}},
		{"slow", []int32{'s' - 33, 257}},
	}
	for _, tt := range tests {
		if got := tok.Encode(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	if tok.VocabSize() != 261 {
		t.Errorf("VocabSize = %d, want 261", tok.VocabSize())
	}
}

func readCorpus(t testing.TB) string {
	t.Helper()
	files, err := filepath.Glob("../corpus/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("corpus files: %v", err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func TestByteLevelJSON(t *testing.T) {
	corpus := readCorpus(t)
	js, err := ByteLevelJSON(50304, corpus)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ByteLevelJSON(50304, corpus)
	if !bytes.Equal(js, again) {
		t.Error("ByteLevelJSON is not deterministic")
	}
	tok, err := FromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tok.Token(220); s != "Ġ" {
		t.Errorf("Token(220) = %q, want Ġ (GPT-2's byte order)", s)
	}
	eot, ok := tok.ID(EndOfText)
	if !ok || !tok.IsSpecial(eot) || int(eot) != tok.VocabSize()-1 {
		t.Errorf("ID(%s) = %d, %v; want the last id, %d, special", EndOfText, eot, ok, tok.VocabSize()-1)
	}
	if n := tok.VocabSize(); n < 2000 || n > 256+MaxSynthMerges+1 {
		t.Errorf("VocabSize = %d, want between 2000 and %d", n, 256+MaxSynthMerges+1)
	}
	ids := tok.Encode(corpus)
	if got := tok.Decode(ids); got != corpus {
		t.Error("Decode(Encode(corpus)) differs from the corpus")
	}
	// The learned merges compress the corpus well below one token per byte.
	if r := float64(len(corpus)) / float64(len(ids)); r < 3 {
		t.Errorf("%.2f bytes per token, want ≥ 3", r)
	}

	// A small vocabulary bounds every id.
	small, err := ByteLevelJSON(300, corpus)
	if err != nil {
		t.Fatal(err)
	}
	tok, err = FromJSON(small)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 300 {
		t.Errorf("VocabSize = %d, want 300", tok.VocabSize())
	}
	for _, id := range tok.Encode(corpus + EndOfText) {
		if id < 0 || id >= 300 {
			t.Fatalf("id %d outside [0, 300)", id)
		}
	}

	if _, err := ByteLevelJSON(256, corpus); err == nil || !strings.Contains(err.Error(), "vocab size 256") {
		t.Errorf("ByteLevelJSON(256): error %v", err)
	}
}

// TestTrainEncodeAgree checks that encoding each training word with the learned merges reproduces the
// segmentation that training ended with: the encoder and the trainer agree on what the merges mean.
func TestTrainEncodeAgree(t *testing.T) {
	tr := newTrainer(readCorpus(t))
	tr.train(MaxSynthMerges)
	js, err := tr.json()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := FromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range tr.words {
		var b strings.Builder
		for _, id := range w {
			b.WriteString(tr.tokens[id])
		}
		if got := tok.model.encodeWord(nil, b.String()); !slices.Equal(got, w) {
			t.Fatalf("word %d %q: encoder gives %v, training ended with %v", i, b.String(), got, w)
		}
	}
}

func BenchmarkEncodeCorpus(b *testing.B) {
	corpus := readCorpus(b)
	js, err := ByteLevelJSON(50304, corpus)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := FromJSON(js)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(corpus)))
	for b.Loop() {
		tok.Encode(corpus)
	}
}
