package datasets

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadTokens(t *testing.T) {
	path := writeFile(t, "ok.jsonl", "[1, 2, 3]\n\n  [0,50303]  \r\n[7]")
	got, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{1, 2, 3}, {0, 50303}, {7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadTokens = %v, want %v", got, want)
	}
}

func TestLoadTokensErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "no sequences"},
		{"blank", "\n  \n\n", "no sequences"},
		{"malformed", "[1, 2]\n[3, 4\n", "line 2: malformed JSON"},
		{"trailing", "[1] [2]\n", "line 1: malformed JSON"},
		{"object", "{\"ids\": [1]}\n", "line 1: want a JSON array"},
		{"float", "[1, 2.5]\n", `line 1: element 1: "2.5" is not an integer`},
		{"exponent", "[1e3]\n", `line 1: element 0: "1e3" is not an integer`},
		{"string", "\n\n[\"12\"]\n", `line 3: element 0: "\"12\"" is not an integer`},
		{"null", "[null]\n", `element 0: "null" is not an integer`},
		{"negative", "[5, -1]\n", "line 1: element 1: negative token id -1"},
		{"too big", "[2147483648]\n", "line 1: element 0: token id 2147483648 is out of range"},
		{"huge", "[99999999999999999999]\n", "element 0: 99999999999999999999 is out of range"},
		{"empty array", "[1]\n[]\n", "line 2: empty sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "tokens.jsonl", tt.content)
			_, err := LoadTokens(path)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want the file name and %q", msg, tt.want)
			}
		})
	}
	if _, err := LoadTokens(filepath.Join(t.TempDir(), "nope.jsonl")); err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("missing file: error %v", err)
	}
}

func TestLoadText(t *testing.T) {
	path := writeFile(t, "ok.txt", "\uFEFFHello\nwörld\n")
	got, err := LoadText(path)
	if err != nil || got != "Hello\nwörld\n" {
		t.Errorf("LoadText = %q, %v", got, err)
	}
	tests := []struct {
		name, content, want string
	}{
		{"invalid", "line one\nline two\nab\xffc\n", "line 3, byte 3: invalid UTF-8 (0xff)"},
		{"cut character", "日本\xe8\xaa", "line 1, byte 7: invalid UTF-8 (0xe8)"},
		{"empty", "", "no text"},
		{"whitespace", " \n\t\n", "no text"},
	}
	for _, tt := range tests {
		path := writeFile(t, "bad.txt", tt.content)
		_, err := LoadText(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want the file name and %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadJSONL(t *testing.T) {
	path := writeFile(t, "ok.jsonl", "{\"text\": \"a b\", \"id\": 1}\n\n{\"id\": 2, \"text\": \"\"}\n{\"text\": \"ü\\n\"}")
	got, err := LoadJSONL(path, "text")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a b", "", "ü\n"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LoadJSONL = %q, want %q", got, want)
	}
	tests := []struct {
		name, content, want string
	}{
		{"empty", "\n", "no records"},
		{"malformed", "{\"text\": \"a\"}\n{\"text\": }\n", "line 2: malformed JSON"},
		{"array", "[\"a\"]\n", "line 1: want a JSON object"},
		{"missing", "{\"text\": \"a\"}\n\n{\"body\": \"b\"}\n", `line 3: no field "text"`},
		{"number", "{\"text\": 5}\n", `line 1: field "text" is "5", not a string`},
	}
	for _, tt := range tests {
		path := writeFile(t, "bad.jsonl", tt.content)
		_, err := LoadJSONL(path, "text")
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want the file name and %q", tt.name, err, tt.want)
		}
	}
}

func seq(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

func TestWindows(t *testing.T) {
	tests := []struct {
		n, seqLen int
		want      []int // window lengths
	}{
		{10, 4, []int{4, 4, 2}}, // tail of 2 kept
		{9, 4, []int{4, 4}},     // tail of 1 dropped
		{8, 4, []int{4, 4}},
		{3, 4, []int{3}},
		{1, 4, nil},
		{0, 4, nil},
		{5, 0, []int{5}}, // no cutting
		{5, -1, []int{5}},
	}
	for _, tt := range tests {
		ids := seq(tt.n)
		got := Windows(ids, tt.seqLen)
		var lens []int
		next := int32(0)
		for _, w := range got {
			lens = append(lens, len(w))
			for _, id := range w {
				if id != next {
					t.Fatalf("Windows(%d, %d): windows are not consecutive", tt.n, tt.seqLen)
				}
				next++
			}
		}
		if !reflect.DeepEqual(lens, tt.want) {
			t.Errorf("Windows(%d ids, %d): lengths %v, want %v", tt.n, tt.seqLen, lens, tt.want)
		}
	}
	// A window cannot grow into the next one.
	w := Windows(seq(8), 4)
	_ = append(w[0], 99)
	if w[1][0] != 4 {
		t.Error("append to a window overwrote the next window")
	}
}

func TestSpecialWindows(t *testing.T) {
	const bos, eos = 100, 101
	tests := []struct {
		name           string
		n, seqLen      int
		prefix, suffix []int32
		want           [][]int32
		err            string
	}{
		// Each window holds the BOS and seqLen − 1 ids of text; the tail of 2 is kept, a tail of 1 dropped.
		{"bos", 8, 4, []int32{bos}, nil, [][]int32{{bos, 0, 1, 2}, {bos, 3, 4, 5}, {bos, 6, 7}}, ""},
		{"bos tail of one", 7, 4, []int32{bos}, nil, [][]int32{{bos, 0, 1, 2}, {bos, 3, 4, 5}}, ""},
		{"bos and eos", 5, 4, []int32{bos}, []int32{eos}, [][]int32{{bos, 0, 1, eos}, {bos, 2, 3, eos}}, ""},
		{"short text", 2, 512, []int32{bos}, nil, [][]int32{{bos, 0, 1}}, ""},
		{"no cutting", 3, 0, []int32{bos}, nil, [][]int32{{bos, 0, 1, 2}}, ""},
		{"one token", 1, 4, []int32{bos}, nil, nil, ""},
		{"no specials", 5, 2, nil, nil, [][]int32{{0, 1}, {2, 3}}, ""},
		{"too short", 5, 3, []int32{bos}, []int32{eos}, nil, "a window of 3 tokens leaves no room for 2 tokens of text beside the 2 special tokens"},
	}
	for _, tt := range tests {
		got, err := SpecialWindows(seq(tt.n), tt.seqLen, tt.prefix, tt.suffix)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestCapTokens(t *testing.T) {
	seqs := [][]int32{seq(4), seq(4), seq(4)}
	tests := []struct {
		max  int
		want []int
	}{
		{0, []int{4, 4, 4}},
		{-5, []int{4, 4, 4}},
		{12, []int{4, 4, 4}},
		{100, []int{4, 4, 4}},
		{8, []int{4, 4}},
		{10, []int{4, 4, 2}},
		{9, []int{4, 4}}, // a 1-token piece is dropped
		{3, []int{3}},
	}
	for _, tt := range tests {
		var lens []int
		for _, s := range CapTokens(seqs, tt.max) {
			lens = append(lens, len(s))
		}
		if !reflect.DeepEqual(lens, tt.want) {
			t.Errorf("CapTokens(3×4, %d): lengths %v, want %v", tt.max, lens, tt.want)
		}
	}
	if got := Count(seqs); got != 12 {
		t.Errorf("Count = %d, want 12", got)
	}
}

func TestCheckVocab(t *testing.T) {
	seqs := [][]int32{{0, 1, 2}, {3, 50303}, {4, 50304, 7}}
	if err := CheckVocab(seqs, 50305); err != nil {
		t.Errorf("CheckVocab(50305): %v", err)
	}
	err := CheckVocab(seqs, 50304)
	want := "sequence 2, position 1: token id 50304 is outside the vocabulary of 50304 tokens"
	if err == nil || err.Error() != want {
		t.Errorf("CheckVocab(50304) = %v, want %q", err, want)
	}
	if err := CheckVocab(seqs, 0); err == nil {
		t.Error("CheckVocab(0): no error")
	}
}

func TestLoadTokensVocab(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seqs.jsonl")
	os.WriteFile(path, []byte("[1,2,3]\n\n[4,511,512]\n"), 0o644)
	_, err := LoadTokensVocab(path, 512)
	want := "line 3: element 2: token id 512 is outside the model's vocabulary of 512 tokens"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %q", err, want)
	}
	if seqs, err := LoadTokensVocab(path, 513); err != nil || len(seqs) != 2 {
		t.Errorf("vocab 513: %v, %d sequences", err, len(seqs))
	}
}
