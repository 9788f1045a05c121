package arch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Limits beyond which a family refuses a config.json as absurd. They sit far above any released model and exist so
// that a corrupt or hostile config cannot make a backend allocate terabytes.
const (
	MaxHidden    = 65536
	MaxLayers    = 1024
	MaxHeads     = 65536
	MaxHeadDim   = 4096
	MaxVocab     = 10_000_000
	MaxFFN       = 1_000_000
	MaxPositions = 1 << 24
	MaxParams    = 1_000_000_000_000
)

// DecodeConfig unmarshals config.json into v, a struct whose fields are pointers so that an absent key stays nil.
// A value of the wrong type is one line naming the key; anything else that is not JSON is "malformed JSON".
func DecodeConfig(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("key %q: value of type %s is not a valid %s", te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}

// Size is one integer config key with the largest value a family accepts.
type Size struct {
	Key   string
	V     *int // nil when the key is absent
	Limit int
}

// RequireSizes returns each size's value, checking that the key is present and that 0 < value ≤ Limit. The error
// names the first key that fails.
func RequireSizes(sizes ...Size) ([]int, error) {
	out := make([]int, len(sizes))
	for i, s := range sizes {
		if s.V == nil {
			return nil, fmt.Errorf("key %q is missing", s.Key)
		}
		if err := CheckSize(s.Key, *s.V, s.Limit); err != nil {
			return nil, err
		}
		out[i] = *s.V
	}
	return out, nil
}

// CheckSize refuses a size that is not positive or exceeds limit, naming key.
func CheckSize(key string, v, limit int) error {
	if v <= 0 {
		return fmt.Errorf("key %q: %d is not positive", key, v)
	}
	if v > limit {
		return fmt.Errorf("key %q: %d exceeds the limit %d", key, v, limit)
	}
	return nil
}

// CheckPositive refuses a float config value that is not a positive finite number, naming key.
func CheckPositive(key string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("key %q: %g is not a positive finite number", key, v)
	}
	return nil
}

// CheckEps refuses a norm epsilon outside (0, 1), naming key.
func CheckEps(key string, v float64) error {
	if !(v > 0) || v >= 1 {
		return fmt.Errorf("key %q: %g is outside (0, 1)", key, v)
	}
	return nil
}

// CheckParams refuses a model whose total parameter count exceeds MaxParams; the sizes it names are the usual
// culprits.
func CheckParams(total int64) error {
	if total > MaxParams {
		return fmt.Errorf("the sizes give %d parameters, beyond the limit %d (check hidden_size, num_hidden_layers, intermediate_size, vocab_size)", total, int64(MaxParams))
	}
	return nil
}

// NamedFloat is a float config key that may be spelled several ways; V is nil when that spelling is absent.
type NamedFloat struct {
	Key string
	V   *float64
}

// Agree returns the value that every present spelling shares and whether any was present. Two spellings with
// different values are an error naming both keys.
func Agree(keys ...NamedFloat) (float64, bool, error) {
	var first *NamedFloat
	for i := range keys {
		k := &keys[i]
		if k.V == nil {
			continue
		}
		if first == nil {
			first = k
			continue
		}
		if *k.V != *first.V {
			return 0, false, fmt.Errorf("keys %q (%g) and %q (%g) disagree", first.Key, *first.V, k.Key, *k.V)
		}
	}
	if first == nil {
		return 0, false, nil
	}
	return *first.V, true, nil
}

// IsNull reports whether a raw JSON value is absent or null.
func IsNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// RenderConfig renders a config.json document: the keys of base, then those of extra over them, sorted as
// transformers writes them, indented by two spaces, with a final newline.
func RenderConfig(base, extra map[string]any) ([]byte, error) {
	doc := make(map[string]any, len(base)+len(extra))
	for k, v := range base {
		doc[k] = v
	}
	for k, v := range extra {
		doc[k] = v
	}
	b, err := json.MarshalIndent(doc, "", "  ") // encoding/json sorts map keys
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
