// Package tokenizer reads Hugging Face tokenizer.json files for BPE models and encodes text to token ids exactly as
// the Rust tokenizers library does, so as transformers' fast tokenizers do: byte-level BPE (GPT-2, GPT-NeoX,
// Llama-3, Qwen2) and SentencePiece-style BPE with '▁' and byte fallback (Llama-2, Mistral, Gemma).
//
// Encoding runs the pipeline of tokenizers' TokenizerImpl::encode:
//
//  1. added tokens that are not normalized (special tokens such as "<|endoftext|>", Gemma's runs of newlines) are
//     cut out of the raw text;
//  2. each remaining piece is normalized (normalizer: NFC, Prepend, Replace, …), then the normalized added tokens
//     (GPT-NeoX's runs of spaces, for example) are cut out of it;
//  3. the pre-tokenizer (ByteLevel, Metaspace, Split with a regex, Sequence, …) splits each piece into words;
//  4. the BPE model encodes each word, with a per-word cache;
//  5. with special tokens (EncodeSpecial, what tok.encode(text) does by default), the post-processor's special
//     tokens go around the ids: Llama's and Gemma's BOS, RoBERTa's <s> … </s>.
//
// Load also reads the tokenizer_config.json beside tokenizer.json, whose add_bos_token and add_eos_token override
// the post-processor as they do in transformers (see applyConfig). Truncation and padding settings are ignored,
// as transformers' tok.encode(text) ignores them.
//
// Supported components: normalizers NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence;
// pre-tokenizers ByteLevel, Metaspace, Split, Digits, Sequence; model BPE (merges as "a b" strings or ["a", "b"]
// pairs, ignore_merges, unk_token, fuse_unk, byte_fallback, continuing_subword_prefix, end_of_word_suffix);
// post-processors TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence; decoders ByteLevel,
// Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence. Any other type is an error that names the file and the
// type: a file is never encoded differently from Hugging Face without saying so.
//
// Split patterns are Oniguruma regexes in Hugging Face; here they run on regexp2, which agrees with it on the
// patterns tokenizers ship (lookahead, \p{L}, \p{N}, (?i:…), Unicode \s).
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tokenizer encodes text to token ids and decodes ids back to text. It is safe for concurrent use.
type Tokenizer struct {
	normalizer normalizer
	pre        preTokenizer
	model      *bpe
	added      []addedToken
	addedIDs   map[string]int32
	rawAdded   *addedMatcher // added tokens with normalized false, matched in the raw text
	normAdded  *addedMatcher // added tokens with normalized true, matched in the normalized text
	specials   specials      // what the post-processor (or tokenizer_config.json) puts around a sequence
	decoder    decoder       // nil: tokens are joined with spaces
	tokens     []string      // id → token, model vocab and added tokens; "" where no token has the id
	special    map[int32]bool
}

type fileJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// maxVocab bounds token ids, so that a corrupt file cannot make FromJSON allocate gigabytes. Real vocabularies
// have at most a few hundred thousand tokens.
const maxVocab = 1 << 24

// maxFileSize bounds the tokenizer.json and tokenizer_config.json that Load reads. The largest real ones are a few
// tens of megabytes (Gemma-3's tokenizer.json is 33 MB).
const maxFileSize = 1 << 30

// ConfigFile is the name of the file beside tokenizer.json whose add_bos_token and add_eos_token Load applies.
const ConfigFile = "tokenizer_config.json"

// Load reads a tokenizer.json file and, when there is one in the same directory, its tokenizer_config.json.
func Load(path string) (*Tokenizer, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	cfgPath := filepath.Join(filepath.Dir(path), ConfigFile)
	cfg, err := readCapped(cfgPath)
	if errors.Is(err, fs.ErrNotExist) {
		cfg, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	t, err := FromJSONConfig(data, cfg)
	if err != nil {
		if cfg != nil && strings.HasPrefix(err.Error(), ConfigFile) {
			return nil, fmt.Errorf("load tokenizer %s: %w", cfgPath, err)
		}
		return nil, fmt.Errorf("load tokenizer %s: %w", path, err)
	}
	return t, nil
}

// readCapped reads a file of at most maxFileSize bytes.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("%s: %d bytes is implausibly large for a tokenizer file (the limit is %d)", path, st.Size(), maxFileSize)
	}
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}

// FromJSON builds a tokenizer from the contents of a tokenizer.json file alone.
func FromJSON(data []byte) (*Tokenizer, error) { return FromJSONConfig(data, nil) }

// FromJSONConfig builds a tokenizer from the contents of a tokenizer.json file and of its tokenizer_config.json
// (nil when there is none).
func FromJSONConfig(data, config []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse tokenizer.json: %w", err)
	}
	t := &Tokenizer{special: make(map[int32]bool), addedIDs: make(map[string]int32)}
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
	if t.decoder, err = parseDecoder(f.Decoder); err != nil {
		return nil, err
	}
	maxID := int32(-1)
	for _, id := range t.model.vocab {
		maxID = max(maxID, id)
	}
	for i, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("added_tokens[%d] %s: negative id %d", i, quoteCap(a.Content), a.ID)
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
		if _, dup := t.addedIDs[a.Content]; !dup {
			t.addedIDs[a.Content] = a.ID
		}
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
			normErr = fmt.Errorf("normalize added token %s: %w", quoteCap(a.Content), err)
		}
		return s
	})
	if normErr != nil {
		return nil, normErr
	}
	if t.specials, err = parsePostProcessor(f.PostProcessor, len(t.tokens)); err != nil {
		return nil, err
	}
	if config != nil {
		if err := t.applyConfig(config); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Tokenizer) normalize(s string) (string, error) {
	if t.normalizer == nil {
		return s, nil
	}
	return t.normalizer.normalize(s)
}

// Encode returns the token ids of text without special tokens, as Hugging Face's
// tok.encode(text, add_special_tokens=False) does. Invalid UTF-8 in text is first replaced with U+FFFD, since
// Hugging Face only accepts valid strings.
//
// A tokenizer.json regex that backtracks catastrophically on text stops after its time limit, and Encode then returns
// nil: use TryEncode, which says why.
func (t *Tokenizer) Encode(text string) []int32 {
	ids, _ := t.TryEncode(text, false)
	return ids
}

// TryEncode is Encode, or EncodeSpecial when special is set, with the error of a tokenizer.json regex that ran out of
// time on text (the only way encoding fails).
func (t *Tokenizer) TryEncode(text string, special bool) ([]int32, error) {
	ids, err := t.encode(text)
	if err != nil {
		return nil, err
	}
	if !special {
		return ids, nil
	}
	out := make([]int32, 0, len(t.specials.prefix)+len(ids)+len(t.specials.suffix))
	out = append(out, t.specials.prefix...)
	out = append(out, ids...)
	return append(out, t.specials.suffix...), nil
}

// EncodeSpecial returns the token ids of text with the special tokens that the tokenizer adds around a sequence,
// as Hugging Face's tok.encode(text) does by default (add_special_tokens=True): Encode(text) between the prefix
// and suffix of Specials.
func (t *Tokenizer) EncodeSpecial(text string) []int32 {
	ids := t.Encode(text)
	out := make([]int32, 0, len(t.specials.prefix)+len(ids)+len(t.specials.suffix))
	out = append(out, t.specials.prefix...)
	out = append(out, ids...)
	return append(out, t.specials.suffix...)
}

// Specials returns the ids that EncodeSpecial puts before and after the tokens of a text: [1] and none for
// Llama-2's <s>, [2] and none for Gemma's <bos>, none and none for GPT-2. The caller must not modify them.
func (t *Tokenizer) Specials() (prefix, suffix []int32) { return t.specials.prefix, t.specials.suffix }

func (t *Tokenizer) encode(text string) ([]int32, error) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	pieces := t.rawAdded.split(text, nil)
	var normed []piece
	for i, p := range pieces {
		if p.id >= 0 {
			normed = append(normed, p)
			continue
		}
		s, err := t.normalize(p.text)
		if err != nil {
			return nil, fmt.Errorf("encode: normalizer: %w", err)
		}
		n := len(normed)
		normed = t.normAdded.split(s, normed)
		// The first piece of the text, and the first piece cut from its normalized form, begin at offset 0.
		if i == 0 && n == 0 && len(normed) > 0 {
			normed[0].atStart = true
		}
	}
	ids := make([]int32, 0, len(text)/3+1)
	var words []word
	for _, p := range normed {
		if p.id >= 0 {
			ids = append(ids, p.id)
			continue
		}
		words = append(words[:0], word{p.text, p.atStart})
		if t.pre != nil {
			var err error
			if words, err = t.pre.preTokenize(words); err != nil {
				return ids, fmt.Errorf("encode: pre_tokenizer: %w", err)
			}
		}
		for _, w := range words {
			ids = t.model.encodeWord(ids, w.text)
		}
	}
	return ids, nil
}

// Decode returns the text of ids, special tokens included, through tokenizer.json's decoder (for byte-level BPE,
// the tokens' bytes read as UTF-8, each ill-formed sequence becoming U+FFFD; for SentencePiece-style files, '▁'
// back to ' ' and byte-fallback tokens back to their bytes). Without a decoder the tokens are joined with spaces.
// Ids that name no token are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if tok, ok := t.Token(id); ok {
			toks = append(toks, tok)
		}
	}
	if t.decoder == nil {
		return strings.Join(toks, " ")
	}
	return strings.Join(t.decoder.decodeChain(toks), "")
}

// VocabSize returns one more than the largest token id, added tokens included: the smallest embedding matrix
// that covers every id Encode can return.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the string of token id as it is stored in tokenizer.json (for byte-level BPE, in GPT-2's byte
// alphabet: "Ġthe"; for SentencePiece-style BPE with '▁': "▁the").
func (t *Tokenizer) Token(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.tokens) || t.tokens[id] == "" {
		return "", false
	}
	return t.tokens[id], true
}

// ID returns the id of a token string (added token or model vocabulary).
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.addedIDs[token]; ok {
		return id, true
	}
	id, ok := t.model.vocab[token]
	return id, ok
}

// IsSpecial reports whether id is an added token marked special, such as "<|endoftext|>".
func (t *Tokenizer) IsSpecial(id int32) bool { return t.special[id] }

// quoteCap quotes s for an error message, cut to its first 40 characters.
func quoteCap(s string) string { return strconv.Quote(capRunes(s, 40)) }

// capRunes returns s cut to its first n characters, with "…" where it was cut.
func capRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}
