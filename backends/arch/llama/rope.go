package llama

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/backends/arch"
)

// The rope types that these families compute exactly, as modeling_rope_utils.py does.
const (
	ropeDefault = "default"
	ropeLinear  = "linear"
	ropeLlama3  = "llama3"
)

// rope is a model's rotary settings: the type and its parameters, wherever config.json put them. RoPE always covers
// the whole head_dim (partial_rotary_factor 1).
type rope struct {
	Type           string  // default, linear or llama3
	Theta          float64 // rope_theta
	Factor         float64 // linear, llama3: the scaling factor
	LowFreqFactor  float64 // llama3
	HighFreqFactor float64 // llama3
	OriginalMaxPos float64 // llama3: original_max_position_embeddings
}

// ropeBlock is the nested rope block: "rope_scaling" (transformers v4) or "rope_parameters" (v5, which also carries
// rope_theta). The type sits under "rope_type" or the older "type".
type ropeBlock struct {
	RopeType            *string  `json:"rope_type"`
	Type                *string  `json:"type"`
	RopeTheta           *float64 `json:"rope_theta"`
	PartialRotaryFactor *float64 `json:"partial_rotary_factor"`
	Factor              *float64 `json:"factor"`
	LowFreqFactor       *float64 `json:"low_freq_factor"`
	HighFreqFactor      *float64 `json:"high_freq_factor"`
	OriginalMaxPos      *float64 `json:"original_max_position_embeddings"`
}

// ropeKeys are the keys a rope block may hold: those of ropeBlock. A key of another rope type (yarn's beta_fast,
// longrope's short_factor, mrope_section …) is refused, since ignoring it would run a different forward.
var ropeKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeOf(ropeBlock{})
	for i := range t.NumField() {
		keys[strings.Split(t.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	return keys
}()

// parseRope collects the rotary settings: the rope block from rope_scaling, else rope_parameters (both set must
// agree); rope_theta from the block or the top level (both set must agree; 10000 when neither is); the type from
// rope_type, else type, else default. original_max_position_embeddings defaults to maxPos. Any rope type but default,
// linear and llama3, and any partial_rotary_factor but 1, is one line naming the key.
func parseRope(r *rawConfig, maxPos int) (rope, error) {
	p := rope{Type: ropeDefault, Theta: defaultRopeTheta}
	thetas := []arch.NamedFloat{{Key: "rope_theta", V: r.RopeTheta}}
	partial := []arch.NamedFloat{{Key: "partial_rotary_factor", V: r.PartialRotaryFactor}}
	var block *ropeBlock
	blockKey := ""
	for _, nested := range []struct {
		key string
		raw json.RawMessage
	}{{"rope_scaling", r.RopeScaling}, {"rope_parameters", r.RopeParameters}} {
		if arch.IsNull(nested.raw) {
			continue
		}
		b, err := decodeRopeBlock(nested.key, nested.raw)
		if err != nil {
			return p, err
		}
		if block != nil && !block.sameScaling(b) {
			return p, fmt.Errorf("keys %q and %q disagree; set one of them", blockKey, nested.key)
		}
		if block == nil {
			block, blockKey = b, nested.key
		}
		thetas = append(thetas, arch.NamedFloat{Key: nested.key + ".rope_theta", V: b.RopeTheta})
		partial = append(partial, arch.NamedFloat{Key: nested.key + ".partial_rotary_factor", V: b.PartialRotaryFactor})
	}
	if v, ok, err := arch.Agree(thetas...); err != nil {
		return p, err
	} else if ok {
		p.Theta = v
	}
	if err := arch.CheckPositive("rope_theta", p.Theta); err != nil {
		return p, err
	}
	if v, ok, err := arch.Agree(partial...); err != nil {
		return p, err
	} else if ok && v != 1 {
		return p, fmt.Errorf("key \"partial_rotary_factor\": %g is not supported: these families rotate the whole head_dim", v)
	}
	if block == nil {
		return p, nil
	}
	if block.RopeType != nil && block.Type != nil && *block.RopeType != *block.Type {
		return p, fmt.Errorf("key %q: rope_type %s and type %s disagree", blockKey, arch.Quote(*block.RopeType, 32), arch.Quote(*block.Type, 32))
	}
	p.Type = block.kind()
	need := func(name string, v *float64) (float64, error) {
		if v == nil {
			return 0, fmt.Errorf("key %q: %q is missing for rope type %q", blockKey, name, p.Type)
		}
		if err := arch.CheckPositive(blockKey+"."+name, *v); err != nil {
			return 0, err
		}
		return *v, nil
	}
	var err error
	switch p.Type {
	case ropeDefault:
	case ropeLinear:
		p.Factor, err = need("factor", block.Factor)
	case ropeLlama3:
		if p.Factor, err = need("factor", block.Factor); err != nil {
			return p, err
		}
		if p.LowFreqFactor, err = need("low_freq_factor", block.LowFreqFactor); err != nil {
			return p, err
		}
		if p.HighFreqFactor, err = need("high_freq_factor", block.HighFreqFactor); err != nil {
			return p, err
		}
		if !(p.HighFreqFactor > p.LowFreqFactor) {
			return p, fmt.Errorf("key %q: high_freq_factor %g is not above low_freq_factor %g", blockKey, p.HighFreqFactor, p.LowFreqFactor)
		}
		p.OriginalMaxPos = float64(maxPos)
		if block.OriginalMaxPos != nil {
			p.OriginalMaxPos, err = need("original_max_position_embeddings", block.OriginalMaxPos)
		}
	default:
		return p, fmt.Errorf("key %q: rope type %s is not supported (supported: %s, %s, %s)", blockKey,
			arch.Quote(p.Type, 32), ropeDefault, ropeLinear, ropeLlama3)
	}
	return p, err
}

// kind is the block's rope type as written: rope_type, else type, else default.
func (b *ropeBlock) kind() string {
	switch {
	case b.RopeType != nil:
		return *b.RopeType
	case b.Type != nil:
		return *b.Type
	}
	return ropeDefault
}

// sameScaling reports whether two blocks ask for the same scaling: the same type and the same parameters (their
// rope_theta and partial_rotary_factor are compared with the top-level keys' by the caller).
func (b *ropeBlock) sameScaling(o *ropeBlock) bool {
	x, y := *b, *o
	x.RopeType, x.Type, x.RopeTheta, x.PartialRotaryFactor = nil, nil, nil, nil
	y.RopeType, y.Type, y.RopeTheta, y.PartialRotaryFactor = nil, nil, nil, nil
	return b.kind() == o.kind() && reflect.DeepEqual(x, y)
}

// decodeRopeBlock decodes a rope block, refusing keys that no supported rope type has.
func decodeRopeBlock(key string, raw json.RawMessage) (*ropeBlock, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("key %q: not an object", key)
	}
	var unknown []string
	for k := range fields {
		if !ropeKeys[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("key %q: field %s is not supported (rope types default, linear and llama3 are)", key, arch.Quote(unknown[0], 48))
	}
	var b ropeBlock
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("key %q: %s", key, fieldError(err))
	}
	return &b, nil
}

// fieldError describes a decoding error of a nested block in one line, naming the field.
func fieldError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		return fmt.Sprintf("field %q: value of type %s is not a valid %s", te.Field, te.Value, te.Type)
	}
	return "malformed"
}

// invFreq returns the inverse frequencies of the dims/2 rotated pairs, in float32 as HF computes them: the default
// 1/θ^(2i/dims) (arch.RopeInvFreq), then for linear each divided by factor, and for llama3 each set by its wavelength
// λ = 2π/inv_freq against the original context length n (original_max_position_embeddings):
//
//	λ > n/low_freq_factor                      inv_freq / factor                   (long waves: interpolated fully)
//	λ < n/high_freq_factor                     inv_freq                            (short waves: kept)
//	otherwise, with s = (n/λ − low) / (high − low):
//	                                           (1 − s)·inv_freq/factor + s·inv_freq (smoothly in between)
//
// Each step is a float32 operation in torch's order: λ is float32(1/inv_freq)·float32(2π) (torch's reciprocal for a
// scalar over a tensor), n/λ is float32(1/λ)·float32(n), and the band limits are rounded to float32 before the
// comparisons. The explicit conversions keep the compiler from fusing a multiply and an add.
func (r rope) invFreq(dims int) []float32 {
	inv := arch.RopeInvFreq(dims, r.Theta)
	factor := float32(r.Factor)
	switch r.Type {
	case ropeLinear:
		for i := range inv {
			inv[i] /= factor
		}
	case ropeLlama3:
		twoPi := float32(2 * math.Pi)
		n := float32(r.OriginalMaxPos)
		low, lowWavelen := float32(r.LowFreqFactor), float32(r.OriginalMaxPos/r.LowFreqFactor)
		highWavelen := float32(r.OriginalMaxPos / r.HighFreqFactor)
		span := float32(r.HighFreqFactor - r.LowFreqFactor)
		for i, f := range inv {
			wavelen := float32(float32(1/f) * twoPi)
			switch {
			case wavelen > lowWavelen:
				inv[i] = f / factor
			case wavelen < highWavelen:
			default:
				s := float32(float32(float32(float32(1/wavelen)*n)-low) / span)
				interpolated := float32(float32(float32(1-s)*f) / factor)
				inv[i] = float32(interpolated + float32(s*f))
			}
		}
	}
	return inv
}
