// Package tokenizer reads Hugging Face tokenizer.json files for byte-level BPE, the tokenizer of GPT-2, GPT-NeoX
// (Pythia) and Llama-3, and encodes text to token ids the way the Rust tokenizers library does.
//
// Encoding runs the pipeline of tokenizers' TokenizerImpl::encode:
//
//  1. added tokens that are not normalized (special tokens such as "<|endoftext|>") are cut out of the raw text;
//  2. each remaining piece is normalized (normalizer: NFC, NFKC, Replace, …), then the normalized added tokens
//     (GPT-NeoX's runs of spaces, for example) are cut out of it;
//  3. the pre-tokenizer (ByteLevel, Split with a regex, Sequence, …) splits each piece into words and maps their
//     bytes to GPT-2's printable alphabet;
//  4. the BPE model encodes each word, with a per-word cache.
//
// The post_processor (BOS/EOS templates, offset trimming) is not applied: Encode returns exactly the tokens of the
// text, and a caller that wants a BOS token prepends it. Truncation and padding settings are ignored too.
//
// Supported components: normalizers NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence;
// pre-tokenizers ByteLevel, Split, Digits, Sequence; model BPE (merges as "a b" strings or ["a", "b"] pairs,
// ignore_merges, unk_token, byte_fallback, continuing_subword_prefix, end_of_word_suffix); decoder ByteLevel or
// none. Any other type is an error that names the file and the type.
//
// Split patterns are Oniguruma regexes in Hugging Face; here they run on regexp2, which agrees with it on the
// patterns tokenizers ship (lookahead, \p{L}, \p{N}, (?i:…), Unicode \s).
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// Tokenizer encodes text to token ids and decodes ids back to text. It is safe for concurrent use.
type Tokenizer struct {
	normalizer normalizer
	pre        preTokenizer
	model      *bpe
	added      []addedToken
	rawAdded   *addedMatcher // added tokens with normalized false, matched in the raw text
	normAdded  *addedMatcher // added tokens with normalized true, matched in the normalized text
	byteLevel  bool          // the decoder is ByteLevel; otherwise tokens are joined with spaces
	tokens     []string      // id → token, model vocab and added tokens; "" where no token has the id
	special    map[int32]bool
}

type fileJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"` // read but not applied: see the package comment
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// maxVocab bounds token ids, so that a corrupt file cannot make FromJSON allocate gigabytes. Real vocabularies
// have at most a few hundred thousand tokens.
const maxVocab = 1 << 24

// Load reads a tokenizer.json file.
func Load(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	t, err := FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", path, err)
	}
	return t, nil
}

// FromJSON builds a tokenizer from the contents of a tokenizer.json file.
func FromJSON(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse tokenizer.json: %w", err)
	}
	t := &Tokenizer{special: make(map[int32]bool)}
	var err error
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	if t.model, err = parseBPE(f.Model); err != nil {
		return nil, err
	}
	if t.byteLevel, err = parseDecoder(f.Decoder); err != nil {
		return nil, err
	}
	maxID := int32(-1)
	for _, id := range t.model.vocab {
		maxID = max(maxID, id)
	}
	for i, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("added_tokens[%d] %q: negative id %d", i, a.Content, a.ID)
		}
		if a.Content == "" {
			return nil, fmt.Errorf("added_tokens[%d]: empty content", i)
		}
		maxID = max(maxID, a.ID)
		if a.Special {
			t.special[a.ID] = true
		}
	}
	if maxID < 0 {
		return nil, errors.New("empty vocabulary")
	}
	if maxID >= maxVocab {
		return nil, fmt.Errorf("token id %d is implausibly large (the limit is %d)", maxID, maxVocab-1)
	}
	t.added = f.AddedTokens
	t.tokens = make([]string, maxID+1)
	for tok, id := range t.model.vocab {
		t.tokens[id] = tok
	}
	var raw, normed []addedToken
	for _, a := range t.added {
		t.tokens[a.ID] = a.Content
		if a.Normalized {
			normed = append(normed, a)
		} else {
			raw = append(raw, a)
		}
	}
	t.rawAdded = newAddedMatcher(raw, func(a addedToken) string { return a.Content })
	var normErr error
	t.normAdded = newAddedMatcher(normed, func(a addedToken) string {
		s, err := t.normalize(a.Content)
		if err != nil && normErr == nil {
			normErr = fmt.Errorf("normalize added token %q: %w", a.Content, err)
		}
		return s
	})
	if normErr != nil {
		return nil, normErr
	}
	return t, nil
}

// parseDecoder reports whether the decoder is ByteLevel; a null decoder joins tokens with spaces.
func parseDecoder(raw json.RawMessage) (byteLevel bool, err error) {
	if isNull(raw) {
		return false, nil
	}
	var d struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return false, fmt.Errorf("decoder: %w", err)
	}
	if d.Type != "ByteLevel" {
		return false, fmt.Errorf("unsupported decoder type %q", d.Type)
	}
	return true, nil
}

func (t *Tokenizer) normalize(s string) (string, error) {
	if t.normalizer == nil {
		return s, nil
	}
	return t.normalizer.normalize(s)
}

// Encode returns the token ids of text, without any BOS or EOS token. Invalid UTF-8 in text is first replaced
// with U+FFFD, since Hugging Face only accepts valid strings.
func (t *Tokenizer) Encode(text string) []int32 {
	// encode fails only when regexp2 reports a timeout or a full backtracking stack, and our regexes are compiled
	// with neither limit, so there is no error to return.
	ids, _ := t.encode(text)
	return ids
}

func (t *Tokenizer) encode(text string) ([]int32, error) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	pieces := t.rawAdded.split(text, nil)
	var normed []piece
	for _, p := range pieces {
		if p.id >= 0 {
			normed = append(normed, p)
			continue
		}
		s, err := t.normalize(p.text)
		if err != nil {
			return nil, fmt.Errorf("encode: normalizer: %w", err)
		}
		normed = t.normAdded.split(s, normed)
	}
	ids := make([]int32, 0, len(text)/3+1)
	var words []string
	for _, p := range normed {
		if p.id >= 0 {
			ids = append(ids, p.id)
			continue
		}
		words = append(words[:0], p.text)
		if t.pre != nil {
			var err error
			if words, err = t.pre.preTokenize(words); err != nil {
				return ids, fmt.Errorf("encode: pre_tokenizer: %w", err)
			}
		}
		for _, w := range words {
			ids = t.model.encodeWord(ids, w)
		}
	}
	return ids, nil
}

// Decode returns the text of ids, special tokens included. With a ByteLevel decoder the tokens' bytes are joined
// and read as UTF-8, each ill-formed sequence (a multi-byte character cut between ids) becoming U+FFFD. Ids that
// name no token are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	if !t.byteLevel {
		toks := make([]string, 0, len(ids))
		for _, id := range ids {
			if tok, ok := t.Token(id); ok {
				toks = append(toks, tok)
			}
		}
		return strings.Join(toks, " ")
	}
	buf := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		if tok, ok := t.Token(id); ok {
			buf = byteLevelDecodeToken(buf, tok)
		}
	}
	if utf8.Valid(buf) {
		return string(buf)
	}
	return string(appendLossyUTF8(nil, buf))
}

// VocabSize returns one more than the largest token id, added tokens included: the smallest embedding matrix
// that covers every id Encode can return.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the string of token id as it is stored in tokenizer.json (for byte-level BPE, in GPT-2's byte
// alphabet: "Ġthe").
func (t *Tokenizer) Token(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.tokens) || t.tokens[id] == "" {
		return "", false
	}
	return t.tokens[id], true
}

// ID returns the id of a token string (model vocabulary or added token).
func (t *Tokenizer) ID(token string) (int32, bool) {
	for _, a := range t.added {
		if a.Content == token {
			return a.ID, true
		}
	}
	id, ok := t.model.vocab[token]
	return id, ok
}

// IsSpecial reports whether id is an added token marked special, such as "<|endoftext|>".
func (t *Tokenizer) IsSpecial(id int32) bool { return t.special[id] }
