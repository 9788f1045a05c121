package fit

import (
	"slices"

	"github.com/scalefit/scalefit/layers"
)

// StepNote is the caveat of every law in training steps, which StepLaws adds to each law's notes.
const StepNote = "the checkpoints of one model lie on one training run, so their deviations from the law are correlated: " +
	"the t intervals and the pairs and residual bootstraps, which take them as independent, are too narrow, and the " +
	"hierarchical bootstrap measures the noise of the measurement alone (docs/statistics.md)"

// StepLaws fits, for every model of profiles, the law y = a·step^b of metric over that model's checkpoints: x is
// the training step its revision names (layers.Profile.Step), one law per model (docs/statistics.md, "Laws in
// training steps"). A checkpoint at step 0 cannot enter a log–log fit (ln 0 = −∞), and a revision that names no
// step (main, a commit) has no x: both are left out, and each law lists them. Models come in the order of their
// first run in profiles; sources, if not nil, names the file behind each profile.
func StepLaws(profiles []*layers.Profile, sources []string, metric layers.Metric, opts GroupOptions) (*Grouped, error) {
	var keep []*layers.Profile
	var srcs []string
	var order []string
	left := map[string][]LeftOut{}
	for i, p := range profiles {
		if !slices.Contains(order, p.Model) {
			order = append(order, p.Model)
		}
		step, ok := p.Step()
		switch {
		case !ok:
			left[p.Model] = append(left[p.Model], LeftOut{p.Name(), "the revision names no training step"})
			continue
		case step == 0:
			left[p.Model] = append(left[p.Model], LeftOut{p.Name(), "step 0 cannot enter a log–log fit (ln 0 = −∞)"})
			continue
		}
		keep = append(keep, p)
		if sources != nil {
			srcs = append(srcs, sources[i])
		}
	}
	pts, err := PointsFromProfiles(keep, srcs, metric, layers.StepCovariate, opts.Seed)
	if err != nil {
		return nil, err
	}
	opts.By, opts.X, opts.Y, opts.Metric = "model", layers.StepCovariate, metric.Name, &metric
	opts.Group = func(p Point) string { return p.Profile.Model }
	g, err := ByGroup(pts, opts)
	if err != nil {
		return nil, err
	}
	// Every model gets its place, in the order of its first run, with the checkpoints it had to leave out.
	laws := make([]GroupLaw, 0, len(order))
	for _, m := range order {
		law := GroupLaw{Group: m, NoFit: "no checkpoint with a training step above 0"}
		if i := slices.IndexFunc(g.Laws, func(l GroupLaw) bool { return l.Group == m }); i >= 0 {
			law = g.Laws[i]
		}
		law.Left = left[m]
		laws = append(laws, law)
	}
	g.Laws = laws
	for _, l := range g.Laws {
		if l.Fit != nil {
			l.Fit.Notes = append(l.Fit.Notes, StepNote)
		}
	}
	return g, nil
}
