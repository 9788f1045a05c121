package layers

import (
	"slices"

	"github.com/scalefit/scalefit/schema/revision"
)

// StepCovariate is the x of a law in training steps, y = a·step^b over one model's checkpoints (Covariate): not a
// size, so it is not among Covariates.
const StepCovariate = "step"

// Step returns the training step that p's revision names (package schema/revision: "step1000" is step 1000,
// OLMo's "step1000-tokens4B" and DeepSpeed's "global_step1000" too) and whether it names one; a branch such as
// "main", a commit hash or no revision at all has none.
func (p *Profile) Step() (int64, bool) { return revision.Step(p.Revision) }

// ModelRuns is one model's runs in a run set: the indices of its profiles, in training order.
type ModelRuns struct {
	Model string
	Runs  []int
}

// ByModel groups ps by model id. Models come in the order of their first run in ps (the order of size when ps is in
// SizeOrder), and each model's runs in training order, revision.Compare's: revisions with a step by step, then the
// others (main) by name.
func ByModel(ps []*Profile) []ModelRuns {
	var out []ModelRuns
	at := map[string]int{}
	for i, p := range ps {
		j, ok := at[p.Model]
		if !ok {
			j = len(out)
			at[p.Model] = j
			out = append(out, ModelRuns{Model: p.Model})
		}
		out[j].Runs = append(out[j].Runs, i)
	}
	for _, m := range out {
		slices.SortStableFunc(m.Runs, func(a, b int) int { return revision.Compare(ps[a].Revision, ps[b].Revision) })
	}
	return out
}

// HasCheckpoints reports whether ps hold some model at more than one revision: a set of training checkpoints rather
// than one run per model.
func HasCheckpoints(ps []*Profile) bool {
	seen := map[string]string{}
	for _, p := range ps {
		if rev, ok := seen[p.Model]; ok && rev != p.Revision {
			return true
		}
		seen[p.Model] = p.Revision
	}
	return false
}

// Latest returns the indices of the last run of every model in training order (ByModel), in the order of ps. A law
// across model sizes takes one run per model, and a model's last checkpoint (main, when it was measured, else the
// highest step) is the trained model; its earlier checkpoints are the same model at other points of training and
// belong to a law in steps instead.
func Latest(ps []*Profile) []int {
	var out []int
	for _, m := range ByModel(ps) {
		out = append(out, m.Runs[len(m.Runs)-1])
	}
	slices.Sort(out)
	return out
}

// LatestRuns returns the runs that Latest picks, in the order of ps, and their sources when srcs, which names the
// file behind each of ps, is not nil.
func LatestRuns(ps []*Profile, srcs []string) ([]*Profile, []string) {
	var kept []*Profile
	var keptSrcs []string
	for _, i := range Latest(ps) {
		kept = append(kept, ps[i])
		if srcs != nil {
			keptSrcs = append(keptSrcs, srcs[i])
		}
	}
	return kept, keptSrcs
}

// Checkpointed counts the models of ms that have more than one run.
func Checkpointed(ms []ModelRuns) int {
	n := 0
	for _, m := range ms {
		if len(m.Runs) > 1 {
			n++
		}
	}
	return n
}
