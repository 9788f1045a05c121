package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinySP is a hand-made SentencePiece-style BPE: the Metaspace pre-tokenizer that transformers writes for
// non-legacy Llama tokenizers (prepend_scheme "first", no split), byte fallback with only five byte tokens, unk
// fusing, the BOS template and Llama-2's decoder. Ids: <unk> 0, <s> 1, </s> 2, <0xC3> 3, <0xA9> 4 (the bytes of
// "é"), ▁ 5, a 6, b 7, c 8, ▁a 9, ab 10, ▁ab 11, ▁▁ 12, <0xF0> 13, <0x9F> 14 (the first bytes of "🤗").
// Merges, lowest rank first: (a b), (▁ ab), (▁ a), (▁ ▁).
const tinySP = `{
  "added_tokens": [
    {"id": 0, "content": "<unk>", "special": true},
    {"id": 1, "content": "<s>", "special": true},
    {"id": 2, "content": "</s>", "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
    "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0xC3>": 3, "<0xA9>": 4, "▁": 5, "a": 6, "b": 7, "c": 8,
      "▁a": 9, "ab": 10, "▁ab": 11, "▁▁": 12, "<0xF0>": 13, "<0x9F>": 14},
    "merges": [["a", "b"], ["▁", "ab"], ["▁", "a"], ["▁", "▁"]]}
}`

func loadSP(t *testing.T, edit func(doc map[string]any)) *Tokenizer {
	t.Helper()
	data := []byte(tinySP)
	if edit != nil {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		var err error
		if data, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSentencePieceHand checks encodings derived by hand from tinySP's merges.
func TestSentencePieceHand(t *testing.T) {
	noFuse := func(doc map[string]any) { doc["model"].(map[string]any)["fuse_unk"] = false }
	splitting := func(doc map[string]any) {
		doc["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}
	}
	legacy := func(doc map[string]any) {
		// Llama-2's legacy form: Prepend and Replace normalizers, no pre-tokenizer.
		doc["pre_tokenizer"] = nil
		doc["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{
			map[string]any{"type": "Prepend", "prepend": "▁"},
			map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"}}}
	}
	tests := []struct {
		name string
		edit func(map[string]any)
		text string
		want []int32
	}{
		// "▁ab": (a b) rank 0 → ▁ ab; (▁ ab) rank 1 → ▁ab.
		{"merges", nil, "ab", []int32{11}},
		// "▁a▁é": é is not in the vocab and falls back to its bytes C3 A9; (▁ a) → ▁a.
		{"byte fallback", nil, "a é", []int32{9, 5, 3, 4}},
		// x and y have neither a token nor byte tokens: one fused unk.
		{"fuse_unk", nil, "xy", []int32{5, 0}},
		{"no fuse_unk", noFuse, "xy", []int32{5, 0, 0}},
		// Hugging Face keeps the unk of x pending while é's bytes are added, and adds it at the end.
		{"unk before bytes", nil, "xé", []int32{5, 3, 4, 0}},
		// prepend_scheme "first": the text after <s> does not start the text, so it gets no '▁'.
		{"first after token", nil, "<s>ab", []int32{1, 10}},
		{"first at start", nil, "ab<s>ab", []int32{11, 1, 10}},
		// "▁▁ab" starts with '▁' already: (a b) 0, then (▁ ab) 1 beats (▁ ▁) 3.
		{"leading spaces", nil, "  ab", []int32{5, 11}},
		// "▁a▁▁b" whole: (▁ a) 2 → ▁a; (▁ ▁) 3 → ▁▁. Split, every '▁' starts a word: "▁a", "▁", "▁b".
		{"no split", nil, "a  b", []int32{9, 12, 7}},
		{"split", splitting, "a  b", []int32{9, 5, 5, 7}},
		// "▁ab▁▁ab": both (a b) first, then both (▁ ab), which leaves the middle '▁' alone.
		{"ranks", nil, "ab  ab", []int32{11, 5, 11}},
		// The legacy normalizers prepend '▁' to every piece between added tokens.
		{"legacy", legacy, "ab<s>ab", []int32{11, 1, 11}},
		{"empty", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := loadSP(t, tt.edit)
			if got := tok.Encode(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
			}
			if got, want := tok.EncodeSpecial(tt.text), append([]int32{1}, tt.want...); !slices.Equal(got, want) {
				t.Errorf("EncodeSpecial(%q) = %v, want %v", tt.text, got, want)
			}
		})
	}
}

// TestSentencePieceDecode checks Llama-2's decoder chain and Hugging Face's handling of cut byte runs, which
// differs from tokenizers.js (one U+FFFD per byte, not one per ill-formed subsequence).
func TestSentencePieceDecode(t *testing.T) {
	tok := loadSP(t, nil)
	tests := []struct {
		ids  []int32
		want string
	}{
		{[]int32{1, 11}, "<s> ab"},
		{[]int32{9, 5, 3, 4}, "a é"},
		{[]int32{9, 12, 7}, "a  b"},
		{[]int32{3}, "\uFFFD"},
		{[]int32{13, 14}, "\uFFFD\uFFFD"},
		{[]int32{13, 14, 9}, "\uFFFD\uFFFD a"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := tok.Decode(tt.ids); got != tt.want {
			t.Errorf("Decode(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
}

// TestDecoders checks single decoders on the examples of Hugging Face's own tests.
func TestDecoders(t *testing.T) {
	tests := []struct {
		json string
		in   []string
		want []string
	}{
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}`, []string{"▁Hey", "▁friend!"},
			[]string{"Hey", " friend!"}},
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"}`, []string{"▁Hey", "▁friend!"},
			[]string{" Hey", " friend!"}},
		// In the first token every replacement character goes, not only the leading one.
		{`{"type": "Metaspace", "replacement": "▁"}`, []string{"▁▁a▁b", "▁c"}, []string{"ab", " c"}},
		{`{"type": "Strip", "content": " ", "start": 2, "stop": 1}`, []string{"   a  ", " ", ""}, []string{" a ", "", ""}},
		{`{"type": "ByteFallback"}`, []string{"<0x61>", "<0xC3>", "<0xA9>", "b", "<0xZZ>", "<0x0>"},
			[]string{"aé", "b", "<0xZZ>", "<0x0>"}},
		{`{"type": "Fuse"}`, []string{"a", " b", "c"}, []string{"a bc"}},
		{`{"type": "Replace", "pattern": {"Regex": "_+"}, "content": " "}`, []string{"a__b", "_"}, []string{"a b", " "}},
		{`{"type": "ByteLevel"}`, []string{"Ġthe", "Ċ"}, []string{" the\n"}},
	}
	for _, tt := range tests {
		d, err := parseDecoder(json.RawMessage(tt.json))
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if got := d.decodeChain(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s on %q: got %q, want %q", tt.json, tt.in, got, tt.want)
		}
	}
}

// TestPostProcessors checks the special tokens that each post-processor puts around a sequence, on tiny-gpt2.json
// (<|endoftext|> is 267, the three-space token 268).
func TestPostProcessors(t *testing.T) {
	special := func(id string, ids ...int) map[string]any {
		return map[string]any{"id": id, "ids": ids, "tokens": []string{id}}
	}
	tok := func(id string) map[string]any {
		return map[string]any{"SpecialToken": map[string]any{"id": id, "type_id": 0}}
	}
	seqA := map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}
	template := func(single []any, specials map[string]any) map[string]any {
		return map[string]any{"type": "TemplateProcessing", "single": single, "pair": []any{}, "special_tokens": specials}
	}
	roberta := map[string]any{"type": "RobertaProcessing", "cls": []any{"<|endoftext|>", 267}, "sep": []any{"   ", 268}}
	tests := []struct {
		name           string
		pp             any
		prefix, suffix []int32
	}{
		{"none", nil, nil, nil},
		{"byte level", map[string]any{"type": "ByteLevel", "trim_offsets": true}, nil, nil},
		{"template", template([]any{tok("E"), seqA, tok("S")}, map[string]any{"E": special("E", 267), "S": special("S", 268)}),
			[]int32{267}, []int32{268}},
		{"template several ids", template([]any{tok("E"), seqA}, map[string]any{"E": special("E", 267, 268)}),
			[]int32{267, 268}, nil},
		{"roberta", roberta, []int32{267}, []int32{268}},
		{"bert", map[string]any{"type": "BertProcessing", "cls": []any{"[CLS]", 268}, "sep": []any{"[SEP]", 267}},
			[]int32{268}, []int32{267}},
		// A Sequence applies its processors in order, each around the result of the one before.
		{"sequence", map[string]any{"type": "Sequence", "processors": []any{
			map[string]any{"type": "ByteLevel"},
			template([]any{tok("S"), seqA}, map[string]any{"S": special("S", 268)}),
			roberta,
		}}, []int32{267, 268}, []int32{268}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := loadTiny(t, func(doc map[string]any) { doc["post_processor"] = tt.pp })
			prefix, suffix := tk.Specials()
			if !slices.Equal(prefix, tt.prefix) || !slices.Equal(suffix, tt.suffix) {
				t.Fatalf("Specials = %v, %v; want %v, %v", prefix, suffix, tt.prefix, tt.suffix)
			}
			want := append(append(slices.Clone(tt.prefix), 64), tt.suffix...) // "a" is 64
			if got := tk.EncodeSpecial("a"); !slices.Equal(got, want) {
				t.Errorf("EncodeSpecial(a) = %v, want %v", got, want)
			}
		})
	}
}

// TestTokenizerConfig checks how tokenizer_config.json overrides the post-processor, as transformers does, on
// tiny-gpt2.json (<|endoftext|> is 267, the three-space token 268) and tinySP (<s> 1, </s> 2).
func TestTokenizerConfig(t *testing.T) {
	tinyJSON, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tok, config string
		prefix, suffix    []int32
		err               string
	}{
		{"bos", "tiny", `{"add_bos_token": true, "bos_token": "<|endoftext|>"}`, []int32{267}, nil, ""},
		{"eos object", "tiny", `{"add_bos_token": false, "add_eos_token": true,
			"eos_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": false}}`, nil, []int32{267}, ""},
		{"both", "tiny", `{"add_bos_token": true, "add_eos_token": true, "bos_token": "   ", "eos_token": "<|endoftext|>"}`,
			[]int32{268}, []int32{267}, ""},
		{"null bos", "tiny", `{"add_bos_token": true, "bos_token": null}`, nil, nil, ""},
		{"no bos key", "tiny", `{"add_eos_token": true}`, nil, nil, ""},
		// Keys that change nothing leave tokenizer.json's template alone.
		{"no keys", "sp", `{"bos_token": "</s>", "model_max_length": 4096, "chat_template": "{{ x }}"}`, []int32{1}, nil, ""},
		// A missing key counts as false once the other is given (transformers v5).
		{"eos only", "sp", `{"add_eos_token": true, "eos_token": "</s>"}`, nil, []int32{2}, ""},
		{"bos off", "sp", `{"add_bos_token": false, "bos_token": "<s>"}`, nil, nil, ""},
		{"same as template", "sp", `{"add_bos_token": true, "add_eos_token": false, "bos_token": "<s>"}`, []int32{1}, nil, ""},
		{"prefix space agrees", "sp", `{"add_prefix_space": true}`, []int32{1}, nil, ""},
		{"unknown bos", "tiny", `{"add_bos_token": true, "bos_token": "<nope>"}`, nil, nil,
			`bos_token "<nope>" is not in tokenizer.json's vocabulary`},
		{"bad bos", "tiny", `{"add_bos_token": true, "bos_token": 5}`, nil, nil, "bos_token: want a string"},
		{"split special", "tiny", `{"split_special_tokens": true}`, nil, nil, "split_special_tokens true is not supported"},
		{"prefix space", "tiny", `{"add_prefix_space": true}`, nil, nil, "add_prefix_space true contradicts tokenizer.json"},
		{"not json", "tiny", `{`, nil, nil, "parse tokenizer_config.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tinyJSON
			if tt.tok == "sp" {
				data = []byte(tinySP)
			}
			tok, err := FromJSONConfig(data, []byte(tt.config))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if prefix, suffix := tok.Specials(); !slices.Equal(prefix, tt.prefix) || !slices.Equal(suffix, tt.suffix) {
				t.Errorf("Specials = %v, %v; want %v, %v", prefix, suffix, tt.prefix, tt.suffix)
			}
		})
	}
}

// TestLoadConfig checks that Load reads the tokenizer_config.json beside tokenizer.json, and names it in errors.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(path, []byte(tinySP), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if err := os.WriteFile(cfgPath, []byte(`{"add_bos_token": true, "add_eos_token": true, "bos_token": "<s>", "eos_token": "</s>"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.EncodeSpecial("ab"); !slices.Equal(got, []int32{1, 11, 2}) {
		t.Errorf("EncodeSpecial(ab) = %v, want [1 11 2]", got)
	}
	if err := os.WriteFile(cfgPath, []byte(`{"add_bos_token": true, "bos_token": "<nope>"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), cfgPath) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v: want one line naming %s", err, cfgPath)
	}
}

// TestLongWord encodes a 1 MiB word through a tokenizer without a pre-tokenizer, as Llama-2's legacy form makes a
// whole paragraph one word: the merge loop must stay O(n log n) (a quadratic one would not finish within the test
// timeout) and must not cache the word.
func TestLongWord(t *testing.T) {
	tok := loadSP(t, nil)
	text := strings.Repeat("ab", 1<<19)
	ids := tok.Encode(text)
	if len(ids) != 1<<19 || ids[0] != 11 || ids[1] != 10 || ids[len(ids)-1] != 10 {
		t.Fatalf("Encode: %d ids starting %v, want %d ids [11 10 …]", len(ids), ids[:min(3, len(ids))], 1<<19)
	}
	if n := len(tok.model.cache); n != 0 {
		t.Errorf("%d words cached, want none over %d bytes", n, cacheMaxLen)
	}
}

// EncodeSpecial is what transformers' tok.encode(text) returns: the tokens of the text after the special tokens
// the tokenizer adds, here the <s> (id 1) of a Llama-style template. Encode leaves them out.
func ExampleTokenizer_EncodeSpecial() {
	tok, err := FromJSON([]byte(tinySP))
	if err != nil {
		fmt.Println(err)
		return
	}
	prefix, suffix := tok.Specials()
	fmt.Println(tok.EncodeSpecial("a é"), tok.Encode("a é"), prefix, suffix)
	fmt.Printf("%q\n", tok.Decode(tok.EncodeSpecial("a é")))
	// Output:
	// [1 9 5 3 4] [9 5 3 4] [1] []
	// "<s> a é"
}
