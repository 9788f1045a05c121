package llama

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"

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

// ropeScaling is the part of a rope block (arch.RopeBlock) that a scaled type reads.
type ropeScaling struct {
	Factor         *float64 `json:"factor"`
	LowFreqFactor  *float64 `json:"low_freq_factor"`
	HighFreqFactor *float64 `json:"high_freq_factor"`
	OriginalMaxPos *float64 `json:"original_max_position_embeddings"`
}

// ropeKeys are the keys a rope block may hold: those arch.RopeBlocks reads and those of ropeScaling. A key of another
// rope type (yarn's beta_fast, longrope's short_factor, mrope_section …) is refused, since ignoring it would run a
// different forward.
var ropeKeys = map[string]bool{
	"rope_type": true, "type": true, "rope_theta": true, "partial_rotary_factor": true,
	"factor": true, "low_freq_factor": true, "high_freq_factor": true, "original_max_position_embeddings": true,
}

// parseRope collects the rotary settings: the rope block from rope_parameters or rope_scaling (both set must ask for
// the same scaling); rope_theta from the block or the top level (both set must agree; 10000 when neither is); the
// type from rope_type, else type (rope_type wins, as in HF), else default. original_max_position_embeddings defaults to maxPos. Any rope type
// but default, linear and llama3, and any partial_rotary_factor but 1, is one line naming the key.
func parseRope(r *rawConfig, maxPos int) (rope, error) {
	p := rope{Type: ropeDefault, Theta: defaultRopeTheta}
	blocks, err := arch.RopeBlocks(r.RopeParameters, r.RopeScaling)
	if err != nil {
		return p, err
	}
	thetas := []arch.NamedFloat{{Key: "rope_theta", V: r.RopeTheta}}
	partial := []arch.NamedFloat{{Key: "partial_rotary_factor", V: r.PartialRotaryFactor}}
	var scaling []ropeScaling
	for i, b := range blocks {
		thetas = append(thetas, arch.NamedFloat{Key: b.Key + ".rope_theta", V: b.Theta})
		partial = append(partial, arch.NamedFloat{Key: b.Key + ".partial_rotary_factor", V: b.PartialRotaryFactor})
		s, err := decodeScaling(b)
		if err != nil {
			return p, err
		}
		if i > 0 && (b.Type != blocks[0].Type || !reflect.DeepEqual(s, scaling[0])) {
			return p, fmt.Errorf("keys %q and %q disagree; set one of them", blocks[0].Key, b.Key)
		}
		scaling = append(scaling, s)
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
	if len(blocks) == 0 {
		return p, nil
	}
	key, s := blocks[0].Key, scaling[0]
	p.Type = blocks[0].Type
	need := func(name string, v *float64) (float64, error) {
		if v == nil {
			return 0, fmt.Errorf("key %q: %q is missing for rope type %q", key, name, p.Type)
		}
		if err := arch.CheckPositive(key+"."+name, *v); err != nil {
			return 0, err
		}
		return *v, nil
	}
	switch p.Type {
	case ropeDefault:
	case ropeLinear:
		p.Factor, err = need("factor", s.Factor)
	case ropeLlama3:
		if p.Factor, err = need("factor", s.Factor); err != nil {
			return p, err
		}
		if p.LowFreqFactor, err = need("low_freq_factor", s.LowFreqFactor); err != nil {
			return p, err
		}
		if p.HighFreqFactor, err = need("high_freq_factor", s.HighFreqFactor); err != nil {
			return p, err
		}
		if !(p.HighFreqFactor > p.LowFreqFactor) {
			return p, fmt.Errorf("key %q: high_freq_factor %g is not above low_freq_factor %g", key, p.HighFreqFactor, p.LowFreqFactor)
		}
		p.OriginalMaxPos = float64(maxPos)
		if s.OriginalMaxPos != nil {
			p.OriginalMaxPos, err = need("original_max_position_embeddings", s.OriginalMaxPos)
		}
	default:
		return p, fmt.Errorf("key %q: rope type %s is not supported (supported: %s, %s, %s)", key,
			arch.Quote(p.Type, 32), ropeDefault, ropeLinear, ropeLlama3)
	}
	return p, err
}

// decodeScaling reads a rope block's scaling keys, refusing keys that no supported rope type has.
func decodeScaling(b arch.RopeBlock) (ropeScaling, error) {
	var s ropeScaling
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b.Raw, &fields); err != nil {
		return s, fmt.Errorf("key %q: not an object", b.Key)
	}
	var unknown []string
	for k := range fields {
		if !ropeKeys[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return s, fmt.Errorf("key %q: field %s is not supported (rope types default, linear and llama3 are)", b.Key, arch.Quote(unknown[0], 48))
	}
	if err := json.Unmarshal(b.Raw, &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return s, fmt.Errorf("key %q: field %q: value of type %s is not a valid %s", b.Key, te.Field, te.Value, te.Type)
		}
		return s, fmt.Errorf("key %q: malformed", b.Key)
	}
	return s, nil
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
