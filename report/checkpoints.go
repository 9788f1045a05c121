package report

import (
	"fmt"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// Checkpoints is the section on training checkpoints, present when the runs hold some model at more than one
// revision (layers.HasCheckpoints). Every other section then takes each model's last checkpoint (layers.Latest);
// this one follows the report's metric through training: every checkpoint of every model, in training order, and
// the law y = a·step^b of each model (fit.StepLaws).
type Checkpoints struct {
	Profiles []*layers.Profile // every run given, in the order given
	Models   []layers.ModelRuns
	Laws     *fit.Grouped // one law per model; a model without one says why (GroupLaw.NoFit)
}

// latestCheckpoints returns the profiles and sources that the sections across sizes use: all of them, or, when they
// hold checkpoints, each model's last one (layers.Latest), with the Checkpoints section of the rest.
func latestCheckpoints(ps []*layers.Profile, opt Options) ([]*layers.Profile, []string, *Checkpoints, error) {
	if !layers.HasCheckpoints(ps) {
		return ps, opt.Sources, nil, nil
	}
	metric, err := layers.MetricByName(opt.Y)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--y: %w", err)
	}
	laws, err := fit.StepLaws(ps, opt.Sources, metric, fit.GroupOptions{Options: fit.Options{
		Confidence: opt.Confidence, Resamples: opt.Resamples, Seed: opt.Seed, Bootstrap: []string{fit.BootstrapAuto},
	}})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoints: %w", err)
	}
	latest, srcs := layers.LatestRuns(ps, opt.Sources)
	return latest, srcs, &Checkpoints{Profiles: ps, Models: layers.ByModel(ps), Laws: laws}, nil
}

// writeCheckpoints writes the checkpoints section: what the other sections took, the law in steps of each model
// with its caveat, and each model's checkpoints in training order (folded away in markdown, as the layer tables).
func writeCheckpoints(p *page, r *Report) {
	c, y := r.Checkpoints, r.Options.Y
	several := layers.Checkpointed(c.Models)
	p.para("%s measured at several checkpoints (%s in all). The sections above take each model's last checkpoint "+
		"(main, else the highest step); this one follows %s through training. A checkpoint's step is the number its "+
		"revision names (%s); the law of each model is %s = a·step^b, fitted as the scaling law is, over its "+
		"checkpoints at steps above 0.", textfmt.Plural(several, "model was", "models were"), textfmt.Plural(len(c.Profiles), "run"),
		p.code(y), p.code("stepN"), p.code(y))
	writeGroupedOverview(p, c.Laws)
	p.para("Caveat: %s.", fit.StepNote)
	metric, _ := layers.MetricByName(y)
	for _, m := range c.Models {
		if len(m.Runs) < 2 {
			continue
		}
		if p.md {
			fmt.Fprintf(&p.b, "<details><summary>%s: %s</summary>\n\n", m.Model, textfmt.Plural(len(m.Runs), "checkpoint"))
		} else {
			p.heading(3, m.Model)
		}
		t := textfmt.Table{Header: []string{"Revision", "Step", y}, Align: []byte{'l', 'r', 'r'}}
		for _, i := range m.Runs {
			prof := c.Profiles[i]
			step := textfmt.Dash
			if s, ok := prof.Step(); ok {
				step = textfmt.GroupDigits(s)
			}
			v, _ := metric.Eval(prof, nil)
			t.Add(orDash(prof.Revision), step, textfmt.Num(v))
		}
		p.table(t)
		if p.md {
			p.b.WriteString("</details>\n\n")
		}
	}
}
