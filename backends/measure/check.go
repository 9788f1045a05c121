package measure

import (
	"fmt"
	"slices"
	"sort"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// CheckParams checks that the tensors stored in ck are exactly m's parameters: every stored tensor is a parameter
// of that shape, or one the model ignores (a buffer, a tied unembedding stored anyway), and no parameter is missing.
// The error is one line naming the file (the shard that holds the tensor, or for a missing one the single weight
// file or the index) and the tensor; the first such tensor in name order is reported, so it is the same on every run.
func CheckParams(ck *checkpoint.Checkpoint, m arch.Model) error {
	want := map[string][]int{}
	for _, p := range m.Params() {
		want[p.Name] = p.Shape
	}
	modelType := m.Config().ModelType
	for _, name := range ck.Names() { // sorted
		file, _ := ck.File(name)
		shape, ok := want[name]
		if !ok {
			if m.IsBuffer(name) {
				continue
			}
			return fmt.Errorf("%s: unexpected tensor %q: not a %s parameter for this config.json", file, name, modelType)
		}
		if got, _ := ck.Shape(name); !slices.Equal(got, shape) {
			return fmt.Errorf("%s: tensor %q has shape %v, but config.json implies %v", file, name, got, shape)
		}
	}
	var missing []string
	for name := range want {
		if _, ok := ck.Shape(name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	where := ck.Index
	if where == "" && len(ck.Files) > 0 {
		where = ck.Files[0]
	}
	more := ""
	if len(missing) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(missing)-1)
	}
	return fmt.Errorf("%s: tensor %q is missing%s", where, missing[0], more)
}
