package tokenizer

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// addedToken is one entry of tokenizer.json's added_tokens: a string that is cut out of the text before
// pre-tokenization and encoded as a single id.
type addedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"` // match only where no word character touches either end
	LStrip     bool   `json:"lstrip"`      // the match swallows the whitespace before it
	RStrip     bool   `json:"rstrip"`      // the match swallows the whitespace after it
	Normalized bool   `json:"normalized"`  // matched in the normalized text instead of the raw text
	Special    bool   `json:"special"`
}

// piece is a stretch of text on its way through the pipeline. id ≥ 0 marks an added token that is already
// encoded; the pre-tokenizer and the model skip it.
type piece struct {
	text string
	id   int32
}

// addedMatcher finds added tokens in text the way Hugging Face's AddedVocabulary does with its Aho-Corasick
// automaton in leftmost-longest mode: scanning left to right, the match that starts first wins, and among those the
// longest. After a match, whether kept or discarded, the scan resumes at its end.
type addedMatcher struct {
	tokens []addedToken
	// match holds the content to look for (normalized for normalized tokens) and byFirst indexes match by its
	// first byte, longest first.
	match   []string
	byFirst [256][]int
}

func newAddedMatcher(tokens []addedToken, content func(addedToken) string) *addedMatcher {
	m := &addedMatcher{tokens: tokens, match: make([]string, len(tokens))}
	for i, t := range tokens {
		c := content(t)
		m.match[i] = c
		if c != "" {
			m.byFirst[c[0]] = append(m.byFirst[c[0]], i)
		}
	}
	for b := range m.byFirst {
		list := m.byFirst[b]
		sort.SliceStable(list, func(i, j int) bool { return len(m.match[list[i]]) > len(m.match[list[j]]) })
	}
	return m
}

// split cuts s into pieces: the added tokens it finds (with their ids) and the text between them (id −1). Empty
// pieces are dropped.
func (m *addedMatcher) split(s string, out []piece) []piece {
	if m == nil || len(m.tokens) == 0 {
		if s != "" {
			out = append(out, piece{s, -1})
		}
		return out
	}
	startOffset := 0
	for pos := 0; pos < len(s); {
		k := m.longestAt(s, pos)
		if k < 0 {
			pos++
			continue
		}
		tok := m.tokens[k]
		start, stop := pos, pos+len(m.match[k])
		pos = stop
		if start < startOffset {
			// An rstrip of the previous match already took this text.
			continue
		}
		if tok.SingleWord && (endsWithWord(s[:start]) || startsWithWord(s[stop:])) {
			continue
		}
		if tok.LStrip {
			start = max(leftmostSpaceAtEnd(s[:start]), startOffset)
		}
		if tok.RStrip {
			stop += rightmostSpaceAtStart(s[stop:])
			pos = stop
		}
		if startOffset < start {
			out = append(out, piece{s[startOffset:start], -1})
		}
		out = append(out, piece{s[start:stop], tok.ID})
		startOffset = stop
	}
	if startOffset < len(s) {
		out = append(out, piece{s[startOffset:], -1})
	}
	return out
}

// longestAt returns the index of the longest token whose content starts at s[pos:], or −1.
func (m *addedMatcher) longestAt(s string, pos int) int {
	for _, k := range m.byFirst[s[pos]] {
		c := m.match[k]
		if len(s)-pos >= len(c) && s[pos:pos+len(c)] == c {
			return k
		}
	}
	return -1
}

// isWordChar is the class \w of Rust's regex crate: letters, marks, decimal digits, connector punctuation and the
// joiners U+200C and U+200D.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Pc, r) || r == 0x200C || r == 0x200D
}

func endsWithWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && isWordChar(r)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && isWordChar(r)
}

// leftmostSpaceAtEnd returns where the run of whitespace that ends s begins (len(s) if s does not end in
// whitespace).
func leftmostSpaceAtEnd(s string) int {
	i := len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}

// rightmostSpaceAtStart returns the length of the run of whitespace that starts s.
func rightmostSpaceAtStart(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}
