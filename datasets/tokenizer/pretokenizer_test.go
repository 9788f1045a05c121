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
		got, err := p.preTokenize([]string{"the-final--countdown"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s invert=%v: got %q, want %q", tt.behavior, tt.invert, got, tt.want)
		}
	}
}

func TestPreTokenizers(t *testing.T) {
	tests := []struct {
		name string
		json string
		in   string
		want []string
	}{
		{"gpt2 regex", `{"type": "ByteLevel", "add_prefix_space": false}`, "Hi  there's 42!",
			[]string{"Hi", "Ġ", "Ġthere", "'s", "Ġ42", "!"}},
		{"prefix space", `{"type": "ByteLevel", "add_prefix_space": true}`, "Hi", []string{"ĠHi"}},
		{"prefix space present", `{"type": "ByteLevel", "add_prefix_space": true}`, " Hi", []string{"ĠHi"}},
		{"no regex", `{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}`, "a b\n",
			[]string{"aĠbĊ"}},
		{"regex split", `{"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated"}`, "a12345b",
			[]string{"a", "123", "45", "b"}},
		{"case-insensitive group", `{"type": "Split", "pattern": {"Regex": "(?i:'s|'ll)"}, "behavior": "Isolated"}`,
			"IT'S WE'LL", []string{"IT", "'S", " WE", "'LL"}},
		{"digits", `{"type": "Digits", "individual_digits": true}`, "ab12c3", []string{"ab", "1", "2", "c", "3"}},
		{"digits contiguous", `{"type": "Digits", "individual_digits": false}`, "ab12c3", []string{"ab", "12", "c", "3"}},
		{"sequence", `{"type": "Sequence", "pretokenizers": [
			{"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext"},
			{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}`, "a b  c",
			[]string{"a", "Ġb", "Ġ", "Ġc"}},
	}
	for _, tt := range tests {
		p, err := parsePreTokenizer(json.RawMessage(tt.json))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := p.preTokenize([]string{tt.in})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(got, tt.want) {
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
