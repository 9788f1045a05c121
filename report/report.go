package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// Options configures a report. The zero value of every field selects its default.
type Options struct {
	// Title is the report's first heading; default "Sublayer gains of " and the model names.
	Title string
	// Sources names the run file behind each profile, in the same order; listed under provenance when given.
	Sources []string
	// Untrained marks the runs as untrained controls (random-init checkpoints from scalefit synth); Build also sets it
	// when every run's config.json carries the synth record (checkpoint.IsSynthetic). The report then
	// says so at the top and in the scaling-law section: the numbers describe the architecture at initialisation.
	Untrained bool
	// Y is the model-level metric of the scaling law (layers.MetricByName); default final_mlp_gain, the seed's headline.
	Y string
	// X is the covariate (layers.Covariates); default params.
	X string
	// Predict lists the sizes to predict the metric at, in the covariate's units, as the fit command parses them:
	// numbers ("175e9") or Pythia model names ("pythia-12b"). Empty means the fit's defaults.
	Predict []string
	// Reference names a reference dataset whose published law is fitted and shown beside the runs' own, such as
	// "seed-pythia"; empty for none.
	Reference string
	// Resamples is the number of bootstrap resamples, for the layer intervals and the fit; default 2000.
	Resamples int
	// Confidence is the two-sided level of every interval; default 0.95.
	Confidence float64
	// Seed makes every bootstrap deterministic; default 1.
	Seed uint64
	// Verdicts holds the thresholds of the five predictions (layers.VerdictOptions defaults when zero).
	Verdicts layers.VerdictOptions
	// Phases configures the phase segmentation (layers.PhaseOptions; the MLP by default).
	Phases layers.PhaseOptions
	// Figure is the path of a figure to link, relative to the report's directory; empty for none.
	Figure string
}

// Defaults of Options.
const (
	DefaultY          = "final_mlp_gain"
	DefaultX          = "params"
	DefaultResamples  = 2000
	DefaultConfidence = 0.95
	DefaultSeed       = 1
)

// WithDefaults returns o with every zero field replaced by its default.
func (o Options) WithDefaults() Options {
	if o.Y == "" {
		o.Y = DefaultY
	}
	if o.X == "" {
		o.X = DefaultX
	}
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	return o
}

// Report is a built report: the numbers behind every section, computed once from the runs, and the markdown.
type Report struct {
	Options  Options
	Analysis *layers.Analysis // the seed note's analysis of the runs; Bands, Verdicts and Phases are its
	Profiles []*layers.Profile
	Bands    []*layers.Bands        // layer-bootstrap intervals of attn, mlp and combined, per profile
	Verdicts *layers.Verdicts       // the seed's five predictions
	Phases   []*layers.Segmentation // per profile
	Scaling  *Scaling               // the power-law fit of Options.Y against Options.X, and the reference's
	// Checkpoints follows Options.Y through training when the runs hold a model at several revisions; nil when
	// they don't. Profiles, Bands and the sections across sizes then hold each model's last checkpoint only.
	Checkpoints *Checkpoints
	markdown    string
}

// Build computes every number of the report from profiles and renders it. It fails, with the reason, when the runs
// cannot support a section (a run without attn, mlp or combined rows, an unknown metric or covariate); the scaling-law
// section alone is replaced by a note when there are too few models to fit a line.
func Build(profiles []*layers.Profile, opt Options) (*Report, error) {
	opt = opt.WithDefaults()
	if len(profiles) == 0 {
		return nil, fmt.Errorf("report: no runs")
	}
	if opt.Sources != nil && len(opt.Sources) != len(profiles) {
		return nil, fmt.Errorf("report: %d sources for %d runs", len(opt.Sources), len(profiles))
	}
	if !(opt.Confidence > 0 && opt.Confidence < 1) {
		return nil, fmt.Errorf("report: confidence must be in (0, 1), got %v", opt.Confidence)
	}
	if opt.Resamples < 1 {
		return nil, fmt.Errorf("report: resamples must be at least 1, got %d", opt.Resamples)
	}
	// A run set of training checkpoints is reported across sizes with each model's last, and followed through
	// training in a section of its own.
	profiles, sources, checkpoints, err := latestCheckpoints(profiles, opt)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	opt.Sources = sources
	// Runs of scalefit synth checkpoints say so in their metadata.
	synthetic := true
	for _, p := range profiles {
		synthetic = synthetic && p.Meta[schema.MetaSynthetic] == "true"
	}
	opt.Untrained = opt.Untrained || synthetic
	seen := map[string]bool{}
	for i, p := range profiles {
		if seen[p.Name()] {
			return nil, fmt.Errorf("report: model %s appears twice (%s); give each model once", p.Name(), sourceOf(opt, i))
		}
		seen[p.Name()] = true
		for _, c := range layers.Components {
			if !p.Has(c) {
				return nil, fmt.Errorf("report: %s: model %s has no %q rows; the report needs attn, mlp and combined", sourceOf(opt, i), p.Name(), c)
			}
		}
		if c := opt.Phases.Component; c != "" && c != "none" && !p.Has(c) {
			return nil, fmt.Errorf("report: %s: model %s has no %q rows to segment into phases (--phases)", sourceOf(opt, i), p.Name(), c)
		}
	}
	r := &Report{Options: opt, Profiles: profiles, Checkpoints: checkpoints}
	a, err := layers.Analyze(profiles, layers.AnalysisOptions{
		Components: layers.Components, Resamples: opt.Resamples, Confidence: opt.Confidence, Seed: opt.Seed,
		Verdicts: opt.Verdicts, Phases: opt.Phases,
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r.Analysis, r.Bands, r.Verdicts, r.Phases = a, a.Bands, a.Verdicts, a.Phases
	if r.Scaling, err = r.fitScaling(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	p := &page{md: true}
	writeTitle(p, r)
	p.heading(2, "Finding")
	writeFinding(p, r)
	p.heading(2, "Set-up")
	writeSetup(p, r)
	p.heading(2, "Verdicts on the seed note's predictions")
	writeVerdicts(p, r.Verdicts)
	p.heading(2, "Scaling law: "+opt.Y+" against "+opt.X)
	writeScaling(p, r)
	if r.Checkpoints != nil {
		p.heading(2, "Training checkpoints")
		writeCheckpoints(p, r)
	}
	if len(profiles) > 1 {
		p.heading(2, "Cross-model comparison")
	} else {
		p.heading(2, "Profile summary")
	}
	writeComparison(p, r.Analysis.Comparison)
	if len(r.Phases) > 0 {
		p.heading(2, "Phases of the "+r.Phases[0].Component+" gain")
		writePhases(p, r.Phases)
	}
	p.heading(2, "Layer tables")
	writeLayerTables(p, r)
	p.heading(2, "Provenance")
	writeProvenance(p, r)
	r.markdown = strings.TrimRight(p.String(), "\n") + "\n"
	return r, nil
}

// Markdown returns the report as GitHub-flavoured markdown.
func (r *Report) Markdown() string { return r.markdown }

func sourceOf(o Options, i int) string {
	if o.Sources != nil {
		return o.Sources[i]
	}
	return fmt.Sprintf("run %d", i+1)
}

// names lists the profiles' model names.
func (r *Report) names() []string {
	out := make([]string, len(r.Profiles))
	for i, p := range r.Profiles {
		out[i] = p.Name()
	}
	return out
}
