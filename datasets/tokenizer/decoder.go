package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns token strings back into text, one step of Hugging Face's Decoder::decode_chain: each step maps
// the list of strings to a new list, and Decode joins the last list.
type decoder interface {
	decodeChain(tokens []string) []string
}

// byteLevelDecoder maps every character of every token back to its byte (GPT-2's alphabet) and reads the bytes as
// UTF-8, each ill-formed sequence (a character cut between ids) becoming U+FFFD. A token with a character outside
// the alphabet is taken verbatim.
type byteLevelDecoder struct{}

func (byteLevelDecoder) decodeChain(tokens []string) []string {
	buf := make([]byte, 0, 4*len(tokens))
	for _, tok := range tokens {
		buf = byteLevelDecodeToken(buf, tok)
	}
	if utf8.Valid(buf) {
		return []string{string(buf)}
	}
	return []string{string(appendLossyUTF8(nil, buf))}
}

// replaceDecoder substitutes content for every match of a pattern in each token (SentencePiece files turn '▁'
// back into ' ').
type replaceDecoder struct {
	pattern pattern
	content string
}

func (r replaceDecoder) decodeChain(tokens []string) []string {
	rep := replace(r)
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		// A Replace pattern fails only on a regexp2 timeout or stack limit, and ours are compiled with neither.
		s, err := rep.normalize(tok)
		if err != nil {
			s = tok
		}
		out[i] = s
	}
	return out
}

// byteFallbackDecoder turns each run of "<0xNN>" tokens into the text of its bytes. A run that is not valid UTF-8
// becomes one U+FFFD per byte, as in Hugging Face (tokenizers.js replaces each maximal ill-formed subsequence
// instead).
type byteFallbackDecoder struct{}

func (byteFallbackDecoder) decodeChain(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			out = append(out, string(run))
		} else {
			for range run {
				out = append(out, "\uFFFD")
			}
		}
		run = run[:0]
	}
	for _, tok := range tokens {
		if b, ok := byteToken(tok); ok {
			run = append(run, b)
			continue
		}
		flush()
		out = append(out, tok)
	}
	flush()
	return out
}

// byteToken parses a byte-fallback token "<0xNN>".
func byteToken(tok string) (byte, bool) {
	if len(tok) != 6 || !strings.HasPrefix(tok, "<0x") || tok[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(tok[3:5], 16, 8)
	return byte(v), err == nil
}

// fuseDecoder joins all tokens into one string.
type fuseDecoder struct{}

func (fuseDecoder) decodeChain(tokens []string) []string { return []string{strings.Join(tokens, "")} }

// stripDecoder removes up to start leading and up to stop trailing copies of one character from each token
// (Llama-2 strips the space that its prepended '▁' became).
type stripDecoder struct {
	content     rune
	start, stop int
}

func (st stripDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		chars := []rune(tok)
		lo := 0
		for lo < st.start && lo < len(chars) && chars[lo] == st.content {
			lo++
		}
		hi := len(chars)
		for k := 0; k < st.stop && hi > lo && chars[hi-1] == st.content; k++ {
			hi--
		}
		out[i] = string(chars[lo:hi])
	}
	return out
}

// metaspaceDecoder turns the replacement character back into ' '. In the first token, unless prepend_scheme is
// "never", every replacement character is dropped instead, as Hugging Face's Metaspace decoder does.
type metaspaceDecoder struct {
	replacement rune
	dropFirst   bool
}

func (m metaspaceDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		var b strings.Builder
		for _, r := range tok {
			switch {
			case r != m.replacement:
				b.WriteRune(r)
			case i > 0 || !m.dropFirst:
				b.WriteByte(' ')
			}
		}
		out[i] = b.String()
	}
	return out
}

// sequenceDecoder applies its decoders one after the other.
type sequenceDecoder []decoder

func (sq sequenceDecoder) decodeChain(tokens []string) []string {
	for _, d := range sq {
		tokens = d.decodeChain(tokens)
	}
	return tokens
}

type decoderJSON struct {
	Type           string            `json:"type"`
	Pattern        *patternJSON      `json:"pattern"`
	Content        json.RawMessage   `json:"content"`
	Start          int               `json:"start"`
	Stop           int               `json:"stop"`
	Replacement    *string           `json:"replacement"`
	PrependScheme  string            `json:"prepend_scheme"`
	AddPrefixSpace *bool             `json:"add_prefix_space"`
	Decoders       []json.RawMessage `json:"decoders"`
}

// parseDecoder builds the decoder described by raw; a JSON null gives nil (Decode then joins the tokens with
// spaces). Supported types: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace and Sequence.
func parseDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var dj decoderJSON
	if err := json.Unmarshal(raw, &dj); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch dj.Type {
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "Replace":
		pat, err := dj.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("decoder Replace: %w", err)
		}
		var content string
		if err := json.Unmarshal(dj.Content, &content); err != nil {
			return nil, errors.New("decoder Replace: content must be a string")
		}
		return replaceDecoder{pat, content}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		var content string
		if err := json.Unmarshal(dj.Content, &content); err != nil || utf8.RuneCountInString(content) != 1 {
			return nil, errors.New("decoder Strip: content must be one character")
		}
		if dj.Start < 0 || dj.Stop < 0 {
			return nil, fmt.Errorf("decoder Strip: negative start %d or stop %d", dj.Start, dj.Stop)
		}
		r, _ := utf8.DecodeRuneInString(content)
		return stripDecoder{r, dj.Start, dj.Stop}, nil
	case "Metaspace":
		// The decoder shares the pre-tokenizer's fields and defaults.
		m, err := parseMetaspace(preTokenizerJSON{Replacement: dj.Replacement, PrependScheme: dj.PrependScheme, AddPrefixSpace: dj.AddPrefixSpace})
		if err != nil {
			return nil, fmt.Errorf("decoder %w", err)
		}
		r, _ := utf8.DecodeRuneInString(m.replacement)
		return metaspaceDecoder{r, m.prepend != prependNever}, nil
	case "Sequence":
		seq, err := parseSequence(dj.Decoders, parseDecoder)
		if err != nil {
			return nil, fmt.Errorf("decoder %w", err)
		}
		return sequenceDecoder(seq), nil
	case "":
		return nil, errors.New("decoder without a type")
	}
	return nil, fmt.Errorf("unsupported decoder type %s", quoteCap(dj.Type))
}
