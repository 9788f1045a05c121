package tokenizer

import (
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
	text    string
	id      int32
	atStart bool // the piece begins at offset 0 of the original text
}

// addedMatcher finds added tokens in text the way Hugging Face's AddedVocabulary does with its Aho-Corasick
// automaton in leftmost-longest mode: scanning left to right, the match that starts first wins, and among those the
// longest. After a match, whether kept or discarded, the scan resumes at its end. The tokens' contents (normalized
// for normalized tokens) are held in a byte trie, so a scan costs one step per byte and per matched byte, however
// many added tokens there are (Gemma-3 has 6,415).
type addedMatcher struct {
	tokens []addedToken
	nodes  []trieNode // nodes[0] is the root
}

// trieNode is one node of the trie: its children by next byte, and the index in tokens of the token whose content
// ends here (−1 for none).
type trieNode struct {
	next map[byte]int32
	tok  int32
}

func newAddedMatcher(tokens []addedToken, content func(addedToken) string) *addedMatcher {
	m := &addedMatcher{tokens: tokens, nodes: []trieNode{{tok: -1}}}
	for i, t := range tokens {
		c := content(t)
		if c == "" {
			continue
		}
		n := int32(0)
		for k := 0; k < len(c); k++ {
			child, ok := m.nodes[n].next[c[k]]
			if !ok {
				child = int32(len(m.nodes))
				m.nodes = append(m.nodes, trieNode{tok: -1})
				if m.nodes[n].next == nil {
					m.nodes[n].next = make(map[byte]int32)
				}
				m.nodes[n].next[c[k]] = child
			}
			n = child
		}
		if m.nodes[n].tok < 0 { // of two tokens with the same content, the first listed wins
			m.nodes[n].tok = int32(i)
		}
	}
	return m
}

// split cuts s into pieces: the added tokens it finds (with their ids) and the text between them (id −1). Empty
// pieces are dropped.
func (m *addedMatcher) split(s string, out []piece) []piece {
	if m == nil || len(m.nodes) == 1 {
		if s != "" {
			out = append(out, piece{text: s, id: -1})
		}
		return out
	}
	startOffset := 0
	for pos := 0; pos < len(s); {
		k, n := m.longestAt(s, pos)
		if k < 0 {
			pos++
			continue
		}
		tok := m.tokens[k]
		start, stop := pos, pos+n
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
			out = append(out, piece{text: s[startOffset:start], id: -1})
		}
		out = append(out, piece{text: s[start:stop], id: tok.ID})
		startOffset = stop
	}
	if startOffset < len(s) {
		out = append(out, piece{text: s[startOffset:], id: -1})
	}
	return out
}

// longestAt returns the index of the longest token whose content starts at s[pos:] and its length in bytes, or −1.
func (m *addedMatcher) longestAt(s string, pos int) (tok, n int) {
	tok = -1
	node := int32(0)
	for i := pos; i < len(s); i++ {
		next, ok := m.nodes[node].next[s[i]]
		if !ok {
			break
		}
		node = next
		if t := m.nodes[node].tok; t >= 0 {
			tok, n = int(t), i+1-pos
		}
	}
	return tok, n
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
