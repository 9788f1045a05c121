package layers

import "slices"

// Architectures lists the distinct architecture families (Profile.Architecture, HF's model_type) of ps in name
// order; a run that records none counts as "".
func Architectures(ps []*Profile) []string {
	var out []string
	for _, p := range ps {
		if !slices.Contains(out, p.Architecture) {
			out = append(out, p.Architecture)
		}
	}
	slices.Sort(out)
	return out
}

// ArchLabels returns the names of a table's models as its header shows them: each name followed by its architecture
// in parentheses, "pythia-160m (gpt_neox)", when archs holds more than one architecture, and the bare names when it
// holds one, since the header then has nothing to tell apart. names and archs are in the same order.
func ArchLabels(names, archs []string) []string {
	out := append([]string(nil), names...)
	mixed := false
	for _, a := range archs {
		mixed = mixed || a != archs[0]
	}
	if !mixed {
		return out
	}
	for i, a := range archs {
		if a == "" {
			a = "architecture unknown"
		}
		out[i] += " (" + a + ")"
	}
	return out
}
