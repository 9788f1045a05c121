package checkpoint

import "encoding/json"

// SynthKey is the config.json key under which scalefit's synth records how a random-init checkpoint was made. Its
// presence marks an untrained control; transformers ignores keys it does not know.
const SynthKey = "scalefit_synth"

// SynthRecord is what synth writes under SynthKey.
type SynthRecord struct {
	Preset string `json:"preset"`
	Seed   int64  `json:"seed"`
	Init   string `json:"init"`
}

// IsSynthetic reports whether a config.json was written by synth, i.e. whether the checkpoint is a random-init
// control rather than a trained model.
func IsSynthetic(configJSON []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(configJSON, &doc) != nil {
		return false
	}
	_, ok := doc[SynthKey]
	return ok
}
