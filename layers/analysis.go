package layers

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// Components are the components the seed note reads: the comparison tables, the verdicts and the figure's layer panels
// all use attention, MLP and their product.
var Components = []string{"attn", "mlp", "combined"}

// DefaultResamples is the number of bootstrap resamples that every scalefit command draws unless told otherwise, for
// the layer intervals here and for the scaling-law bootstraps of package fit, so that the intervals that compare,
// report, plot, export and fit print for the same runs agree.
const DefaultResamples = 2000

// AnalysisOptions configures Analyze. The zero value of a field selects its default, except Resamples: 0 means no
// layer bootstrap (so no significance).
type AnalysisOptions struct {
	// Components of the comparison tables; default attn, mlp, combined.
	Components []string
	// Resamples is the number of sequence resamples of the layer bootstrap; 0 skips it.
	Resamples int
	// Confidence is the two-sided level of the layer intervals; default 0.95.
	Confidence float64
	// Seed makes the bootstrap deterministic.
	Seed uint64
	// Verdicts holds the thresholds of the five predictions.
	Verdicts VerdictOptions
	// Phases configures the phase segmentation; Phases.Component "none" skips it (default mlp).
	Phases PhaseOptions
}

// Analysis is the seed note's analysis of a set of runs, wired once: the comparison tables, the layer bootstrap of each
// run, the verdicts on the five predictions with their significance, and the phases of each profile. Every command
// that shows any of it (compare, report, plot) gets it from Analyze, so they cannot disagree.
type Analysis struct {
	Options  AnalysisOptions `json:"options"`
	Profiles []*Profile      `json:"-"`
	// Comparison sets the models side by side, component by component.
	Comparison *Comparison `json:"comparison"`
	// Bands holds each run's layer bootstrap of the Components it has, in the order of Profiles; nil without a
	// bootstrap, and a nil entry for a run that has none of them.
	Bands []*Bands `json:"intervals,omitempty"`
	// Verdicts are the five predictions on every run; a run of one sequence has no intervals, so its verdicts rest on
	// the point estimates alone.
	Verdicts *Verdicts `json:"verdicts"`
	// Phases holds one segmentation per run that has the phase component, in the order of Profiles.
	Phases []*Segmentation `json:"phases,omitempty"`
	// Warnings says what was left out and why, one sentence each.
	Warnings []string `json:"warnings,omitempty"`
}

// Analyze runs the seed note's analysis on profiles: Compare, then Bootstrap of each run's layer gains, Judge with
// those intervals, and SegmentPhases of each run. A run that lacks a component is left out of what needs it, with a
// warning; an option out of range is an error.
func Analyze(ps []*Profile, opt AnalysisOptions) (*Analysis, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("analysis: no runs")
	}
	if opt.Resamples < 0 {
		return nil, fmt.Errorf("analysis: resamples must be 0 or more, got %d", opt.Resamples)
	}
	if opt.Confidence == 0 {
		opt.Confidence = 0.95
	}
	if !(opt.Confidence > 0 && opt.Confidence < 1) {
		return nil, fmt.Errorf("analysis: confidence must be in (0, 1), got %v", opt.Confidence)
	}
	if opt.Phases.Component == "" {
		opt.Phases.Component = "mlp"
	}
	a := &Analysis{Options: opt, Profiles: ps}
	var err error
	if a.Comparison, err = Compare(ps, opt.Components); err != nil {
		return nil, err
	}
	if opt.Resamples > 0 {
		a.Bands = make([]*Bands, len(ps))
		one := 0
		for i, p := range ps {
			comps := ComponentsOf(p)
			if len(comps) == 0 {
				continue
			}
			if p.NSeq() < 2 {
				one++
				a.Warnings = append(a.Warnings, fmt.Sprintf("%s has %s: its layer intervals are undefined, so its verdicts rest on the point estimates alone", p.Name(), textfmt.Plural(p.NSeq(), "sequence")))
			}
			cfg := BootConfig{Resamples: opt.Resamples, Confidence: opt.Confidence, Seed: opt.Seed}
			if a.Bands[i], err = Bootstrap(p, comps, cfg); err != nil {
				return nil, err
			}
		}
	}
	if a.Verdicts, err = Judge(ps, a.Bands, opt.Verdicts); err != nil {
		return nil, err
	}
	if opt.Phases.Component != "none" {
		for _, p := range ps {
			if !p.Has(opt.Phases.Component) {
				a.Warnings = append(a.Warnings, fmt.Sprintf("%s has no %s rows: no phases", p.Name(), opt.Phases.Component))
				continue
			}
			seg, err := SegmentPhases(p, opt.Phases)
			if err != nil {
				return nil, err
			}
			a.Phases = append(a.Phases, seg)
		}
	}
	return a, nil
}

// ComponentsOf lists the Components that p holds, in that order.
func ComponentsOf(p *Profile) []string {
	var out []string
	for _, c := range Components {
		if p.Has(c) {
			out = append(out, c)
		}
	}
	return out
}
