package tokenizer

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scalefit/scalefit/internal/fuzzcorpus"
)

// FuzzTokenizer feeds a tokenizer.json and a text to the loader and the encoder: loading must refuse the file with one
// short line or give a tokenizer whose encoding of the text is ids inside its vocabulary. The seeds are the test
// tokenizers (byte-level BPE, SentencePiece BPE, the synth tokenizer) with texts that stress each stage, and, in
// testdata/fuzz/FuzzTokenizer, the hostile ones of TestFuzzCorpus.
func FuzzTokenizer(f *testing.F) {
	for _, tok := range fuzzTokenizers(f) {
		for _, text := range []string{"Hello, world!", " leading and  double  spaces\n\tand tabs", "naïve café ☕ 日本語 😀",
			"<|endoftext|>special<|endoftext|>", "\x00\x1b[2K\xff\xfe invalid", strings.Repeat("a", 5000)} {
			f.Add(tok, text)
		}
	}
	regexTimeout = 100 * time.Millisecond // a hostile pattern costs a tenth of a second, not two
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		tok, err := FromJSON(data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\x1b") || len(err.Error()) > 1000 {
				t.Fatalf("error is not one short clean line: %.300q", err)
			}
			return
		}
		n := int32(tok.VocabSize())
		for _, ids := range [][]int32{tok.Encode(text), tok.EncodeSpecial(text)} {
			for _, id := range ids {
				if id < 0 || id >= n {
					t.Fatalf("id %d outside the vocabulary of %d", id, n)
				}
			}
			tok.Decode(ids)
		}
	})
}

// fuzzTokenizers returns the tokenizer.json files the fuzz target starts from.
func fuzzTokenizers(t testing.TB) [][]byte {
	gpt2, err := os.ReadFile("../../testdata/tokenizer/tiny-gpt2.json")
	if err != nil {
		t.Fatal(err)
	}
	synth, err := ByteLevelJSON(320, "the quick brown fox jumps over the lazy dog, again and again")
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{gpt2, []byte(tinySP), synth}
}

// TestFuzzCorpus writes the seed corpus of FuzzTokenizer (with SCALEFIT_WRITE_FUZZ_CORPUS set; scripts/fuzz corpus):
// tokenizer files that lie about their sizes or hold hostile strings.
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	gpt2 := string(fuzzTokenizers(t)[0])
	for name, doc := range map[string]string{
		"merge-of-unknown-tokens": strings.Replace(gpt2, `"merges": [`, `"merges": ["zzz qqq", `, 1),
		"id-beyond-vocabulary":    strings.Replace(gpt2, `"vocab": {`, `"vocab": {"huge": 2147483647, `, 1),
		"negative-id":             strings.Replace(gpt2, `"vocab": {`, `"vocab": {"neg": -5, `, 1),
		"escape-in-model-type":    strings.Replace(gpt2, `"type": "BPE"`, `"type": "BPE\u001b[2K`+strings.Repeat("x", 4096)+`"`, 1),
		"pattern-catastrophic":    strings.Replace(gpt2, `"type": "ByteLevel"`, `"type": "Split", "pattern": {"Regex": "(a+)+$"}, "behavior": "Isolated"`, 1),
		"not-json":                "<html>rate limited</html>",
		"empty-vocab":             `{"model": {"type": "BPE", "vocab": {}, "merges": []}}`,
	} {
		text := strings.Repeat("a", 64) + "!"
		if err := fuzzcorpus.Write("FuzzTokenizer", name, []byte(doc), text); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRegexTimeout: a tokenizer.json whose Split pattern backtracks catastrophically, (a+)+$ on a run of a's and a
// '!', made encoding run for ever (found by FuzzTokenizer). Each search for a match is bounded now, and TryEncode says
// which pattern failed.
func TestRegexTimeout(t *testing.T) {
	old := regexTimeout
	regexTimeout = 200 * time.Millisecond
	defer func() { regexTimeout = old }()
	gpt2 := string(fuzzTokenizers(t)[0])
	doc := strings.Replace(gpt2, `"type": "ByteLevel"`, `"type": "Split", "pattern": {"Regex": "(a+)+$"}, "behavior": "Isolated"`, 1)
	tok, err := FromJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.TryEncode(strings.Repeat("a", 64)+"!", true)
	if err == nil || ids != nil || !strings.Contains(err.Error(), `regex "(a+)+$" found no match within 200ms: it backtracks catastrophically`) {
		t.Errorf("TryEncode: %v, %v", ids, err)
	}
	if ids, err := tok.TryEncode("aaa", false); err != nil || len(ids) == 0 {
		t.Errorf("a text the pattern handles: %v, %v", ids, err)
	}
}
