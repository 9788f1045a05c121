package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
)

// tokenizerConfigJSON holds the keys of tokenizer_config.json that change the ids transformers' fast tokenizers
// give for one text.
type tokenizerConfigJSON struct {
	AddBOS         *bool           `json:"add_bos_token"`
	AddEOS         *bool           `json:"add_eos_token"`
	BOS            json.RawMessage `json:"bos_token"`
	EOS            json.RawMessage `json:"eos_token"`
	SplitSpecial   *bool           `json:"split_special_tokens"`
	AddPrefixSpace *bool           `json:"add_prefix_space"`
}

// applyConfig applies tokenizer_config.json the way transformers (v5) builds a fast tokenizer:
//
//   - when add_bos_token or add_eos_token is given, the post-processor is replaced by the template
//     [bos_token if add_bos_token] $A [eos_token if add_eos_token], a missing key counting as false and a null
//     bos_token or eos_token dropping its side (Llama-2, Mistral and Gemma configs give both keys, and the
//     template they ask for is the one in their tokenizer.json);
//   - split_special_tokens true (added tokens encoded as plain text) is refused;
//   - add_prefix_space is refused where it contradicts tokenizer.json, because transformers would then rebuild the
//     pre-tokenizer, which scalefit does not do.
//
// Other keys (chat_template, model_max_length, padding and truncation settings, …) change no id of tok.encode(text).
func (t *Tokenizer) applyConfig(data []byte) error {
	var c tokenizerConfigJSON
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("parse tokenizer_config.json: %w", err)
	}
	if c.SplitSpecial != nil && *c.SplitSpecial {
		return errors.New("tokenizer_config.json: split_special_tokens true is not supported")
	}
	if c.AddPrefixSpace != nil && *c.AddPrefixSpace != t.addsPrefixSpace() {
		return fmt.Errorf("tokenizer_config.json: add_prefix_space %v contradicts tokenizer.json, which transformers would rebuild; not supported", *c.AddPrefixSpace)
	}
	if c.AddBOS == nil && c.AddEOS == nil {
		return nil
	}
	var sp specials
	for _, side := range []struct {
		key, tokKey string
		add         *bool
		raw         json.RawMessage
		dst         *[]int32
	}{
		{"add_bos_token", "bos_token", c.AddBOS, c.BOS, &sp.prefix},
		{"add_eos_token", "eos_token", c.AddEOS, c.EOS, &sp.suffix},
	} {
		if side.add == nil || !*side.add {
			continue
		}
		tok, ok, err := configToken(side.raw)
		if err != nil {
			return fmt.Errorf("tokenizer_config.json: %s: %w", side.tokKey, err)
		}
		if !ok {
			continue // transformers turns add_bos_token off when there is no bos_token
		}
		id, found := t.ID(tok)
		if !found {
			return fmt.Errorf("tokenizer_config.json: %s %s is not in tokenizer.json's vocabulary", side.tokKey, quoteCap(tok))
		}
		*side.dst = []int32{id}
	}
	t.specials = sp
	return nil
}

// configToken reads a special token of tokenizer_config.json: a string, an AddedToken object {"content": …}, or
// null (ok false).
func configToken(raw json.RawMessage) (tok string, ok bool, err error) {
	if isNull(raw) {
		return "", false, nil
	}
	if json.Unmarshal(raw, &tok) == nil {
		return tok, true, nil
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Content == nil {
		return "", false, errors.New("want a string or an object with a content string")
	}
	return *obj.Content, true, nil
}

// addsPrefixSpace reports whether the tokenizer puts a space (or '▁') in front of a text that starts without one:
// a ByteLevel pre-tokenizer with add_prefix_space, a Metaspace whose prepend_scheme is not "never", or a Prepend
// normalizer.
func (t *Tokenizer) addsPrefixSpace() bool {
	var pre func(p preTokenizer) bool
	pre = func(p preTokenizer) bool {
		switch p := p.(type) {
		case *byteLevel:
			return p.addPrefixSpace
		case *metaspace:
			return p.prepend != prependNever
		case sequencePre:
			for _, q := range p {
				if pre(q) {
					return true
				}
			}
		}
		return false
	}
	var norm func(n normalizer) bool
	norm = func(n normalizer) bool {
		switch n := n.(type) {
		case prepend:
			return true
		case sequenceNorm:
			for _, m := range n {
				if norm(m) {
					return true
				}
			}
		}
		return false
	}
	return pre(t.pre) || norm(t.normalizer)
}
