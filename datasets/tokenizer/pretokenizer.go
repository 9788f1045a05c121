package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// preTokenizer splits each piece of text into the words that the model encodes one by one.
type preTokenizer interface {
	preTokenize(words []word) ([]word, error)
}

// word is a stretch of text between the pre-tokenizers. atStart marks the one that begins at offset 0 of the
// original text, which Metaspace's prepend_scheme "first" looks at (Hugging Face checks offsets_original().0 == 0).
type word struct {
	text    string
	atStart bool
}

// span is a half-open byte range [start, end) of a string, marked as a match of a pattern or not.
type span struct {
	start, end int
	match      bool
}

// pattern finds the matches in s and returns spans that cover s exactly, in order, as Hugging Face's
// Pattern::find_matches does: an empty s gives one empty non-matching span.
type pattern interface {
	findMatches(s string) ([]span, error)
}

// regexPattern is a Split or Replace pattern given as {"Regex": …}. Hugging Face compiles it with Oniguruma; we use
// regexp2 (the .NET engine), which shares the syntax of the patterns tokenizers ship: lookahead, \p{L}, \p{N},
// inline (?i:…) groups and Unicode-aware \s.
type regexPattern struct{ re *regexp2.Regexp }

func compileRegex(expr string) (*regexp2.Regexp, error) {
	// An unbounded backtracking stack: `\s+(?!\S)` on a long run of spaces backtracks once per character. A pattern
	// from a file may instead backtrack catastrophically, as (a+)+$ does on a run of a's followed by anything else,
	// and would then never return: every search for a match is bounded by regexTimeout.
	re, err := regexp2.Compile(expr, regexp2.None, regexp2.OptionMaxBacktrackingStackSize(-1))
	if err == nil {
		re.MatchTimeout = regexTimeout
	}
	return re, err
}

// regexTimeout bounds one search for the next match of a tokenizer.json regex. The patterns tokenizers ship find
// each match in microseconds.
var regexTimeout = 2 * time.Second

func (p regexPattern) findMatches(s string) ([]span, error) {
	if s == "" {
		return []span{{0, 0, false}}, nil
	}
	idx, err := p.re.FindAllStringIndex(s, -1)
	if err != nil {
		if strings.Contains(err.Error(), "timeout") {
			return nil, fmt.Errorf("regex %s found no match within %v: it backtracks catastrophically on this text", quoteCap(p.re.String()), p.re.MatchTimeout)
		}
		return nil, fmt.Errorf("regex %s: %w", quoteCap(p.re.String()), err)
	}
	return spansFromMatches(s, idx), nil
}

// spansFromMatches turns successive match ranges into spans that cover s.
func spansFromMatches(s string, idx [][]int) []span {
	out := make([]span, 0, 2*len(idx)+1)
	prev := 0
	for _, m := range idx {
		if m[0] != prev {
			out = append(out, span{prev, m[0], false})
		}
		out = append(out, span{m[0], m[1], true})
		prev = m[1]
	}
	if prev != len(s) {
		out = append(out, span{prev, len(s), false})
	}
	return out
}

// literalPattern is a pattern given as {"String": …}: every non-overlapping occurrence, left to right.
type literalPattern string

func (p literalPattern) findMatches(s string) ([]span, error) {
	if p == "" || s == "" {
		return []span{{0, len(s), false}}, nil
	}
	var idx [][]int
	for off := 0; ; {
		i := strings.Index(s[off:], string(p))
		if i < 0 {
			break
		}
		idx = append(idx, []int{off + i, off + i + len(p)})
		off += i + len(p)
	}
	return spansFromMatches(s, idx), nil
}

// runePattern matches every single character for which f is true (Hugging Face's Fn(char) -> bool pattern).
type runePattern func(rune) bool

func (f runePattern) findMatches(s string) ([]span, error) {
	if s == "" {
		return []span{{0, 0, false}}, nil
	}
	var idx [][]int
	for i, r := range s {
		if f(r) {
			idx = append(idx, []int{i, i + len(string(r))})
		}
	}
	return spansFromMatches(s, idx), nil
}

// splitBehavior says what happens to the matched delimiters of a Split.
type splitBehavior int

const (
	removed            splitBehavior = iota // delimiters are dropped
	isolated                                // each delimiter is its own piece
	mergedWithPrevious                      // a delimiter joins the piece before it
	mergedWithNext                          // a delimiter joins the piece after it
	contiguous                              // consecutive delimiters form one piece
)

var splitBehaviors = map[string]splitBehavior{
	"Removed":            removed,
	"Isolated":           isolated,
	"MergedWithPrevious": mergedWithPrevious,
	"MergedWithNext":     mergedWithNext,
	"Contiguous":         contiguous,
}

// regexSplit is the Split pre-tokenizer (and the splitting step of ByteLevel and Digits).
type regexSplit struct {
	pattern  pattern
	behavior splitBehavior
	invert   bool
}

func (sp *regexSplit) preTokenize(words []word) ([]word, error) {
	out := make([]word, 0, len(words))
	var err error
	for _, w := range words {
		if out, err = sp.appendSplit(out, w); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendSplit appends the non-empty pieces of w to out, following NormalizedString::split in Hugging Face
// tokenizers. A piece keeps w's atStart mark when it begins where w begins.
func (sp *regexSplit) appendSplit(out []word, w word) ([]word, error) {
	s := w.text
	spans, err := sp.pattern.findMatches(s)
	if err != nil {
		return nil, err
	}
	if sp.invert {
		for i := range spans {
			spans[i].match = !spans[i].match
		}
	}
	// A piece is a merged span; remove marks the delimiters that Removed drops.
	type piece struct {
		start, end int
		remove     bool
	}
	var merged []piece
	switch sp.behavior {
	case isolated:
		for _, m := range spans {
			merged = append(merged, piece{m.start, m.end, false})
		}
	case removed:
		for _, m := range spans {
			merged = append(merged, piece{m.start, m.end, m.match})
		}
	case contiguous:
		prev := false
		for _, m := range spans {
			if m.match == prev && len(merged) > 0 {
				merged[len(merged)-1].end = m.end
			} else {
				merged = append(merged, piece{m.start, m.end, false})
			}
			prev = m.match
		}
	case mergedWithPrevious:
		prev := false
		for _, m := range spans {
			if m.match && !prev && len(merged) > 0 {
				merged[len(merged)-1].end = m.end
			} else {
				merged = append(merged, piece{m.start, m.end, false})
			}
			prev = m.match
		}
	case mergedWithNext:
		prev := false
		for i := len(spans) - 1; i >= 0; i-- {
			m := spans[i]
			if m.match && !prev && len(merged) > 0 {
				merged[len(merged)-1].start = m.start
			} else {
				merged = append(merged, piece{m.start, m.end, false})
			}
			prev = m.match
		}
		for i, j := 0, len(merged)-1; i < j; i, j = i+1, j-1 {
			merged[i], merged[j] = merged[j], merged[i]
		}
	}
	for _, m := range merged {
		if !m.remove && m.end > m.start {
			out = append(out, word{s[m.start:m.end], w.atStart && m.start == 0})
		}
	}
	return out, nil
}

// sequencePre applies its pre-tokenizers one after the other.
type sequencePre []preTokenizer

func (sq sequencePre) preTokenize(words []word) ([]word, error) {
	var err error
	for _, p := range sq {
		if words, err = p.preTokenize(words); err != nil {
			return nil, err
		}
	}
	return words, nil
}

// prependScheme says where Metaspace puts its replacement character in front of a piece.
type prependScheme int

const (
	prependAlways prependScheme = iota // in front of every piece that does not start with it
	prependFirst                       // only in front of the piece at the start of the text
	prependNever
)

// metaspace is the Metaspace pre-tokenizer of SentencePiece-style tokenizers: every ' ' becomes the replacement
// character (U+2581 '▁'), the replacement is put in front of a piece as prepend_scheme says, and with split the
// piece is cut before every replacement character (Split with behavior MergedWithNext), so that each word keeps
// its leading '▁'.
type metaspace struct {
	replacement string // one character
	prepend     prependScheme
	split       *regexSplit // nil when split is false
}

func (m *metaspace) preTokenize(words []word) ([]word, error) {
	out := make([]word, 0, len(words))
	for _, w := range words {
		s := strings.ReplaceAll(w.text, " ", m.replacement)
		if !strings.HasPrefix(s, m.replacement) && (m.prepend == prependAlways || m.prepend == prependFirst && w.atStart) {
			s = m.replacement + s
		}
		if m.split == nil {
			out = append(out, word{s, w.atStart})
			continue
		}
		var err error
		if out, err = m.split.appendSplit(out, word{s, w.atStart}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseMetaspace reads a Metaspace pre-tokenizer as Hugging Face tokenizers 0.19 and later do: replacement is
// required; prepend_scheme ("always", "first", "never") defaults to "always"; the older add_prefix_space false is
// allowed only with prepend_scheme "never" (an error in Hugging Face otherwise); split defaults to true.
func parseMetaspace(pj preTokenizerJSON) (*metaspace, error) {
	if pj.Replacement == nil || utf8.RuneCountInString(*pj.Replacement) != 1 {
		return nil, errors.New("Metaspace: replacement must be one character")
	}
	m := &metaspace{replacement: *pj.Replacement}
	switch pj.PrependScheme {
	case "", "always":
		m.prepend = prependAlways
	case "first":
		m.prepend = prependFirst
	case "never":
		m.prepend = prependNever
	default:
		return nil, fmt.Errorf("Metaspace: unsupported prepend_scheme %s", quoteCap(pj.PrependScheme))
	}
	if pj.AddPrefixSpace != nil && !*pj.AddPrefixSpace {
		if m.prepend != prependNever {
			return nil, errors.New("Metaspace: add_prefix_space false does not match prepend_scheme (Hugging Face refuses this file too)")
		}
	}
	if pj.Split == nil || *pj.Split {
		m.split = &regexSplit{pattern: literalPattern(m.replacement), behavior: mergedWithNext}
	}
	return m, nil
}

var (
	gpt2Once  sync.Once
	gpt2Regex *regexp2.Regexp
)

// gpt2Split returns the shared, compiled GPT-2 split used by ByteLevel pre-tokenizers with use_regex.
func gpt2Split() *regexSplit {
	gpt2Once.Do(func() {
		gpt2Regex = regexp2.MustCompile(gpt2Pattern, regexp2.None, regexp2.OptionMaxBacktrackingStackSize(-1))
	})
	return &regexSplit{pattern: regexPattern{gpt2Regex}, behavior: isolated}
}

// patternJSON is a Split or Replace pattern: exactly one of String and Regex is set.
type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func (p *patternJSON) compile() (pattern, error) {
	switch {
	case p == nil:
		return nil, fmt.Errorf("missing pattern")
	case p.Regex != nil:
		re, err := compileRegex(*p.Regex)
		if err != nil {
			return nil, fmt.Errorf("regex %s: %w", quoteCap(*p.Regex), err)
		}
		return regexPattern{re}, nil
	case p.String != nil:
		return literalPattern(*p.String), nil
	}
	return nil, fmt.Errorf("pattern has neither String nor Regex")
}

type preTokenizerJSON struct {
	Type           string            `json:"type"`
	AddPrefixSpace *bool             `json:"add_prefix_space"`
	Replacement    *string           `json:"replacement"`
	PrependScheme  string            `json:"prepend_scheme"`
	Split          *bool             `json:"split"`
	UseRegex       *bool             `json:"use_regex"`
	Pattern        *patternJSON      `json:"pattern"`
	Behavior       string            `json:"behavior"`
	Invert         bool              `json:"invert"`
	IndividualDigs bool              `json:"individual_digits"`
	PreTokenizers  []json.RawMessage `json:"pretokenizers"`
}

// parsePreTokenizer builds the pre-tokenizer described by raw. A JSON null gives nil: the whole piece is one word.
// Supported types: ByteLevel, Metaspace, Split, Digits and Sequence.
func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var pj preTokenizerJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch pj.Type {
	case "ByteLevel":
		// Hugging Face's defaults: add_prefix_space true, use_regex true.
		b := &byteLevel{addPrefixSpace: pj.AddPrefixSpace == nil || *pj.AddPrefixSpace}
		if pj.UseRegex == nil || *pj.UseRegex {
			b.split = gpt2Split()
		}
		return b, nil
	case "Metaspace":
		m, err := parseMetaspace(pj)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer %w", err)
		}
		return m, nil
	case "Split":
		pat, err := pj.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		beh, ok := splitBehaviors[pj.Behavior]
		if !ok {
			return nil, fmt.Errorf("pre_tokenizer Split: unsupported behavior %s", quoteCap(pj.Behavior))
		}
		return &regexSplit{pattern: pat, behavior: beh, invert: pj.Invert}, nil
	case "Digits":
		beh := contiguous
		if pj.IndividualDigs {
			beh = isolated
		}
		return &regexSplit{pattern: runePattern(unicode.IsNumber), behavior: beh}, nil
	case "Sequence":
		seq, err := parseSequence(pj.PreTokenizers, parsePreTokenizer)
		if err != nil {
			return nil, err
		}
		return sequencePre(seq), nil
	case "":
		return nil, fmt.Errorf("pre_tokenizer without a type")
	}
	return nil, fmt.Errorf("unsupported pre_tokenizer type %s", quoteCap(pj.Type))
}

// parseSequence parses the items of a Sequence normalizer, pre-tokenizer or decoder, leaving out null items.
func parseSequence[T any](items []json.RawMessage, parse func(json.RawMessage) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for i, raw := range items {
		if isNull(raw) {
			continue
		}
		x, err := parse(raw)
		if err != nil {
			return nil, fmt.Errorf("Sequence[%d]: %w", i, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// isNull reports whether raw is absent or the JSON literal null.
func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}
