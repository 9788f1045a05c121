package arch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// RopeInvFreq returns the inverse frequencies of default rotary embeddings over dims rotated dims with base θ, as HF
// computes them in float32:
//
//	inv_freq[i] = 1 / θ^(2i/dims),  i < dims/2,
//
// where 2i/dims is a float32 quotient (arange(0, dims, 2).float() / dims), the power is rounded to float32 and so is
// its reciprocal. Families with scaled rope (llama3, …) start from these.
func RopeInvFreq(dims int, base float64) []float32 {
	inv := make([]float32, dims/2)
	for i := range inv {
		e := float32(2*i) / float32(dims)
		inv[i] = float32(1 / float64(float32(math.Pow(base, float64(e)))))
	}
	return inv
}

// RopeBlock is one nested block of rotary settings in config.json: "rope_parameters" (newer transformers releases) or
// "rope_scaling". Type is its rope_type, else its older "type", else "default"; Theta and PartialRotaryFactor are nil
// where the block does not set them; Raw is the block verbatim, for the keys of a scaled type.
type RopeBlock struct {
	Key                 string // "rope_parameters" or "rope_scaling"
	Type                string
	Theta               *float64
	PartialRotaryFactor *float64
	Raw                 json.RawMessage
}

// RopeBlocks decodes the blocks of ropeParameters and ropeScaling (the raw values of those keys) that are present and
// not null, in that order. A block that is not a JSON object of such keys is an error naming its key.
func RopeBlocks(ropeParameters, ropeScaling json.RawMessage) ([]RopeBlock, error) {
	var out []RopeBlock
	for _, b := range []struct {
		key string
		raw json.RawMessage
	}{{"rope_parameters", ropeParameters}, {"rope_scaling", ropeScaling}} {
		if IsNull(b.raw) {
			continue
		}
		var rp struct {
			RopeType            *string  `json:"rope_type"`
			Type                *string  `json:"type"`
			RopeTheta           *float64 `json:"rope_theta"`
			PartialRotaryFactor *float64 `json:"partial_rotary_factor"`
		}
		if err := json.Unmarshal(b.raw, &rp); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				return nil, fmt.Errorf("key %q: field %q: value of type %s is not a valid %s", b.key, te.Field, te.Value, te.Type)
			}
			return nil, fmt.Errorf("key %q: not an object of rope settings", b.key)
		}
		block := RopeBlock{Key: b.key, Type: "default", Theta: rp.RopeTheta, PartialRotaryFactor: rp.PartialRotaryFactor, Raw: b.raw}
		if rp.RopeType != nil {
			block.Type = *rp.RopeType
		} else if rp.Type != nil {
			block.Type = *rp.Type
		}
		out = append(out, block)
	}
	return out, nil
}
