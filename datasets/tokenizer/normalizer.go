package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a piece of text before pre-tokenization. Hugging Face normalizers also track offsets; we only
// need the text.
type normalizer interface {
	normalize(s string) (string, error)
}

// unicodeForm is one of the NFC, NFD, NFKC and NFKD normalizers (GPT-NeoX's tokenizer.json uses NFC).
type unicodeForm struct{ form norm.Form }

func (u unicodeForm) normalize(s string) (string, error) { return u.form.String(s), nil }

// lowercase maps every character to lower case with Go's simple case mapping; Rust's char::to_lowercase uses the
// full mapping, which differs for a handful of characters such as 'İ' (U+0130).
type lowercase struct{}

func (lowercase) normalize(s string) (string, error) { return strings.ToLower(s), nil }

// strip removes leading and/or trailing whitespace (Unicode White_Space, like Rust's char::is_whitespace).
type strip struct{ left, right bool }

func (st strip) normalize(s string) (string, error) {
	if st.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if st.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s, nil
}

// prepend puts a fixed string in front of every non-empty piece.
type prepend string

func (p prepend) normalize(s string) (string, error) {
	if s == "" {
		return s, nil
	}
	return string(p) + s, nil
}

// replace substitutes content for every match of a pattern.
type replace struct {
	pattern pattern
	content string
}

func (r replace) normalize(s string) (string, error) {
	spans, err := r.pattern.findMatches(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, sp := range spans {
		if sp.match {
			b.WriteString(r.content)
		} else {
			b.WriteString(s[sp.start:sp.end])
		}
	}
	return b.String(), nil
}

// sequenceNorm applies its normalizers one after the other.
type sequenceNorm []normalizer

func (sq sequenceNorm) normalize(s string) (string, error) {
	var err error
	for _, n := range sq {
		if s, err = n.normalize(s); err != nil {
			return "", err
		}
	}
	return s, nil
}

type normalizerJSON struct {
	Type        string            `json:"type"`
	StripLeft   bool              `json:"strip_left"`
	StripRight  bool              `json:"strip_right"`
	Prepend     string            `json:"prepend"`
	Pattern     *patternJSON      `json:"pattern"`
	Content     string            `json:"content"`
	Normalizers []json.RawMessage `json:"normalizers"`
}

// parseNormalizer builds the normalizer described by raw; a JSON null gives nil. Supported types: NFC, NFD, NFKC,
// NFKD, Lowercase, Strip, Prepend, Replace and Sequence.
func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var nj normalizerJSON
	if err := json.Unmarshal(raw, &nj); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch nj.Type {
	case "NFC":
		return unicodeForm{norm.NFC}, nil
	case "NFD":
		return unicodeForm{norm.NFD}, nil
	case "NFKC":
		return unicodeForm{norm.NFKC}, nil
	case "NFKD":
		return unicodeForm{norm.NFKD}, nil
	case "Lowercase":
		return lowercase{}, nil
	case "Strip":
		return strip{nj.StripLeft, nj.StripRight}, nil
	case "Prepend":
		return prepend(nj.Prepend), nil
	case "Replace":
		pat, err := nj.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		return replace{pat, nj.Content}, nil
	case "Sequence":
		seq, err := parseSequence(nj.Normalizers, parseNormalizer)
		if err != nil {
			return nil, err
		}
		return sequenceNorm(seq), nil
	case "":
		return nil, fmt.Errorf("normalizer without a type")
	}
	return nil, fmt.Errorf("unsupported normalizer type %s", quoteCap(nj.Type))
}
