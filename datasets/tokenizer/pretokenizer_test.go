package tokenizer

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestSplitBehaviors uses the example of Hugging Face's SplitDelimiterBehavior documentation: "-" in
// "the-final--countdown".
func TestSplitBehaviors(t *testing.T) {
	tests := []struct {
		behavior string
		invert   bool
		want     []string
	}{
		{"Removed", false, []string{"the", "final", "countdown"}},
		{"Isolated", false, []string{"the", "-", "final", "-", "-", "countdown"}},
		{"MergedWithPrevious", false, []string{"the-", "final-", "-", "countdown"}},
		{"MergedWithNext", false, []string{"the", "-final", "-", "-countdown"}},
		{"Contiguous", false, []string{"the", "-", "final", "--", "countdown"}},
		// Inverted, the words are the delimiters: Removed keeps only the dashes.
		{"Removed", true, []string{"-", "-", "-"}},
	}
	for _, tt := range tests {
		raw, _ := json.Marshal(map[string]any{
			"type": "Split", "pattern": map[string]any{"String": "-"}, "behavior": tt.behavior, "invert": tt.invert,
		})
		p, err := parsePreTokenizer(raw)
		if err != nil {
			t.Fatal(err)
		}
		words, err := p.preTokenize([]word{{"the-final--countdown", true}})
		if err != nil {
			t.Fatal(err)
		}
		if got := texts(words); !slices.Equal(got, tt.want) {
			t.Errorf("%s invert=%v: got %q, want %q", tt.behavior, tt.invert, got, tt.want)
		}
	}
}

func TestPreTokenizers(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		in      string
		notHead bool // the text does not start at offset 0 (it follows an added token)
		want    []string
	}{
		{"gpt2 regex", `{"type": "ByteLevel", "add_prefix_space": false}`, "Hi  there's 42!",
			false, []string{"Hi", "Ġ", "Ġthere", "'s", "Ġ42", "!"}},
		{"prefix space", `{"type": "ByteLevel", "add_prefix_space": true}`, "Hi", false, []string{"ĠHi"}},
		{"prefix space present", `{"type": "ByteLevel", "add_prefix_space": true}`, " Hi", false, []string{"ĠHi"}},
		{"no regex", `{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}`, "a b\n",
			false, []string{"aĠbĊ"}},
		{"regex split", `{"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated"}`, "a12345b",
			false, []string{"a", "123", "45", "b"}},
		{"case-insensitive group", `{"type": "Split", "pattern": {"Regex": "(?i:'s|'ll)"}, "behavior": "Isolated"}`,
			"IT'S WE'LL", false, []string{"IT", "'S", " WE", "'LL"}},
		{"digits", `{"type": "Digits", "individual_digits": true}`, "ab12c3", false, []string{"ab", "1", "2", "c", "3"}},
		{"digits contiguous", `{"type": "Digits", "individual_digits": false}`, "ab12c3", false, []string{"ab", "12", "c", "3"}},
		{"sequence", `{"type": "Sequence", "pretokenizers": [
			{"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext"},
			{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}`, "a b  c",
			false, []string{"a", "Ġb", "Ġ", "Ġc"}},
		// Metaspace, with the cases of Hugging Face's own tests: each space becomes '▁' and, with split, starts a
		// piece of its own.
		{"metaspace", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}`,
			"Hey   friend!", false, []string{"▁Hey", "▁", "▁", "▁friend!"}},
		{"metaspace legacy", `{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}`,
			"Hey friend!", false, []string{"▁Hey", "▁friend!"}},
		{"metaspace no split", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": false}`,
			"Hey  friend", false, []string{"▁Hey▁▁friend"}},
		{"metaspace present", `{"type": "Metaspace", "replacement": "▁", "split": false}`, " Hey", false,
			[]string{"▁Hey"}},
		{"metaspace never", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": false}`,
			"Hey you", false, []string{"Hey▁you"}},
		{"metaspace never legacy", `{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false,
			"prepend_scheme": "never"}`, "Hey you", false, []string{"Hey", "▁you"}},
		{"metaspace first", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}`,
			"Hey", false, []string{"▁Hey"}},
		{"metaspace first after token", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first",
			"split": false}`, "how are", true, []string{"how▁are"}},
		{"metaspace other char", `{"type": "Metaspace", "replacement": "_", "split": true}`, "a b", false,
			[]string{"_a", "_b"}},
	}
	for _, tt := range tests {
		p, err := parsePreTokenizer(json.RawMessage(tt.json))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		words, err := p.preTokenize([]word{{tt.in, !tt.notHead}})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := texts(words); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNormalizers(t *testing.T) {
	tests := []struct {
		json, in, want string
	}{
		{`{"type": "NFC"}`, "e\u0301", "é"},
		{`{"type": "NFD"}`, "é", "e\u0301"},
		{`{"type": "NFKC"}`, "ﬁ ½", "fi 1⁄2"},
		{`{"type": "Lowercase"}`, "ÀB c", "àb c"},
		{`{"type": "Strip", "strip_left": true, "strip_right": false}`, "  a  ", "a  "},
		{`{"type": "Prepend", "prepend": "▁"}`, "a", "▁a"},
		{`{"type": "Prepend", "prepend": "▁"}`, "", ""},
		{`{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}`, "a b  c", "a▁b▁▁c"},
		{`{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}`, "a \t\nb", "a b"},
		{`{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
			{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}`, "a b", "▁a▁b"},
	}
	for _, tt := range tests {
		n, err := parseNormalizer(json.RawMessage(tt.json))
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		got, err := n.normalize(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if got != tt.want {
			t.Errorf("%s on %q: got %q, want %q", tt.json, tt.in, got, tt.want)
		}
	}
}

// texts returns the text of each word.
func texts(words []word) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.text
	}
	return out
}
