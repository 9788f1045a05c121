package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/scalefit/scalefit/internal/quote"
	"maps"
	"slices"
)

// specials are the ids that tokenizer.json's post_processor puts around the tokens of a single sequence when
// special tokens are added, as Hugging Face's encode(text) does by default (add_special_tokens=True): Llama-2's
// and Gemma's <s>/<bos> before, RoBERTa's </s> after. With add_special_tokens=False every post-processor leaves the
// ids alone. The other effects of post-processors (type ids, offsets, pairs of sequences) change no id of a single
// sequence, so they are not modelled.
type specials struct {
	prefix, suffix []int32
}

// wrap returns the specials of applying s first and then outer, as a Sequence post-processor does.
func (s specials) wrap(outer specials) specials {
	return specials{
		prefix: append(slices.Clone(outer.prefix), s.prefix...),
		suffix: append(slices.Clone(s.suffix), outer.suffix...),
	}
}

type postProcessorJSON struct {
	Type          string                 `json:"type"`
	Single        []map[string]pieceJSON `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int64 `json:"ids"`
	} `json:"special_tokens"`
	CLS        json.RawMessage   `json:"cls"`
	SEP        json.RawMessage   `json:"sep"`
	Processors []json.RawMessage `json:"processors"`
}

// pieceJSON is one item of a TemplateProcessing template: {"SpecialToken": {"id": "<s>"}} or
// {"Sequence": {"id": "A"}}.
type pieceJSON struct {
	ID string `json:"id"`
}

// parsePostProcessor reads tokenizer.json's post_processor. Supported types: TemplateProcessing, ByteLevel (which
// changes only offsets), RobertaProcessing, BertProcessing and Sequence; a JSON null adds nothing. Ids are checked
// against vocabSize, one more than the largest token id.
func parsePostProcessor(raw json.RawMessage, vocabSize int) (specials, error) {
	var none specials
	if isNull(raw) {
		return none, nil
	}
	var pj postProcessorJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return none, fmt.Errorf("post_processor: %w", err)
	}
	checkID := func(what string, id int64) (int32, error) {
		if id < 0 || id >= int64(vocabSize) {
			return 0, fmt.Errorf("post_processor %s: %s has id %d outside the vocabulary of %d tokens", pj.Type, what, id, vocabSize)
		}
		return int32(id), nil
	}
	switch pj.Type {
	case "TemplateProcessing":
		var sp specials
		seen := false
		for i, item := range pj.Single {
			if len(item) != 1 {
				return none, fmt.Errorf("post_processor TemplateProcessing: single[%d] must be one SpecialToken or Sequence", i)
			}
			if seq, ok := item["Sequence"]; ok {
				if seq.ID != "A" || seen {
					return none, fmt.Errorf("post_processor TemplateProcessing: the single template must hold the sequence $A once (single[%d] is $%s)", i, quote.Line(seq.ID, 20))
				}
				seen = true
				continue
			}
			tok, ok := item["SpecialToken"]
			if !ok {
				kind := slices.Collect(maps.Keys(item))[0]
				return none, fmt.Errorf("post_processor TemplateProcessing: single[%d]: unsupported piece %s", i, quoteCap(kind))
			}
			st, ok := pj.SpecialTokens[tok.ID]
			if !ok || len(st.IDs) == 0 {
				return none, fmt.Errorf("post_processor TemplateProcessing: special token %s has no ids in special_tokens", quoteCap(tok.ID))
			}
			for _, id := range st.IDs {
				id32, err := checkID(quoteCap(tok.ID), id)
				if err != nil {
					return none, err
				}
				if seen {
					sp.suffix = append(sp.suffix, id32)
				} else {
					sp.prefix = append(sp.prefix, id32)
				}
			}
		}
		if !seen {
			return none, errors.New("post_processor TemplateProcessing: the single template has no $A")
		}
		return sp, nil
	case "ByteLevel":
		return none, nil
	case "RobertaProcessing", "BertProcessing":
		// cls and sep are [token, id]: a single sequence becomes cls, A, sep.
		var sp specials
		for _, f := range []struct {
			name string
			raw  json.RawMessage
			dst  *[]int32
		}{{"cls", pj.CLS, &sp.prefix}, {"sep", pj.SEP, &sp.suffix}} {
			var pair []json.RawMessage
			var id int64
			if json.Unmarshal(f.raw, &pair) != nil || len(pair) != 2 || json.Unmarshal(pair[1], &id) != nil {
				return none, fmt.Errorf("post_processor %s: %s must be [token, id]", pj.Type, f.name)
			}
			id32, err := checkID(f.name, id)
			if err != nil {
				return none, err
			}
			*f.dst = []int32{id32}
		}
		return sp, nil
	case "Sequence":
		var sp specials
		for i, r := range pj.Processors {
			inner, err := parsePostProcessor(r, vocabSize)
			if err != nil {
				return none, fmt.Errorf("Sequence[%d]: %w", i, err)
			}
			sp = sp.wrap(inner)
		}
		return sp, nil
	case "":
		return none, errors.New("post_processor without a type")
	}
	return none, fmt.Errorf("unsupported post_processor type %s", quoteCap(pj.Type))
}
