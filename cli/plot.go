package cli

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"gonum.org/v1/plot/vg"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/plot"
)

func init() {
	register(&ucli.Command{
		Name:      "plot",
		Usage:     "draw the layer profiles and the scaling law of one or more runs as PNG, SVG or PDF",
		ArgsUsage: "RUN [RUN...]",
		Description: `Draws four panels: (a) attention, (b) MLP and (c) combined gain per layer, one line per model with
its bootstrap band on a log axis, and (d) the --y metric against --x on log-log axes with the fitted power law, its
confidence band and any --predict targets. --reference draws a published law beside the runs' own in panel (d),
dashed, with its points. --panel draws one panel alone. The format follows the --out extension.

Run arguments may be directories (a sweep's output: every run file under it). When the runs hold a model at several
checkpoints, the figure across sizes takes the last of each. --x step draws instead the --y metric of every
checkpoint against its training step (revisions stepN) on log–log axes, one line per model with its bootstrap band;
step 0 and revisions without a step are left out with a warning. Examples:

   scalefit plot runs/*.parquet --out figure.png
   scalefit plot runs/*.parquet --depth --out profiles.pdf
   scalefit plot runs/*.parquet --panel scaling --y final_mlp_gain --predict pythia-12b,175B --out law.svg
   scalefit plot runs/*.parquet --reference seed-pythia --out figure.png
   scalefit plot sweep-out/ --x step --out dynamics.png`,
		Flags: append([]ucli.Flag{
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "figure to write: .png, .svg or .pdf"},
			&ucli.StringFlag{Name: "panel", Usage: "draw one panel only: attn, mlp, combined or scaling"},
			&ucli.BoolFlag{Name: "depth", Usage: "put normalised depth layer/(L-1) on the x axis of the layer panels (always, for runs of several architectures)"},
			&ucli.StringFlag{Name: "y", Value: "final_mlp_gain", Usage: "metric of the scaling panel (see scalefit summary)"},
			&ucli.StringFlag{Name: "x", Value: "params", Usage: "size covariate: params, params_nonembed, layers or hidden; or step, for the metric against training step, one line per model"},
			&ucli.StringSliceFlag{Name: "predict", Usage: "x values to predict at: model names like pythia-12b, or numbers like 12e9 or 12B (repeatable)"},
			&ucli.StringFlag{Name: "reference", Usage: "published results whose law is drawn beside the runs' own in the scaling panel, e.g. seed-pythia (see scalefit datasets)"},
			&ucli.StringFlag{Name: "title", Usage: "title above the panels"},
			&ucli.Float64Flag{Name: "width", Usage: "page width in inches (default 10, or 7 for one panel)"},
			&ucli.Float64Flag{Name: "height", Usage: "page height in inches (default 8, or 5 for one panel)"},
			&ucli.IntFlag{Name: "dpi", Value: plot.DefaultDPI, Usage: "resolution of a PNG"},
			keepOrderFlag,
		}, bootstrapFlags("bootstrap resamples of the sequences for the bands and error bars (0: none)")...),
		Action: func(c *ucli.Context) error {
			opt := plotOptions{
				Y: c.String("y"), X: c.String("x"), Predict: c.StringSlice("predict"), Reference: c.String("reference"), Depth: c.Bool("depth"),
				Resamples: c.Int("resamples"), Seed: c.Uint64("seed"), Confidence: c.Float64("confidence"),
			}
			if opt.Resamples < 0 {
				return usagef("plot: --resamples %d: want 0 or more", opt.Resamples)
			}
			if err := checkConfidence(opt.Confidence); err != nil {
				return usagef("plot: %w", err)
			}
			if opt.X == layers.StepCovariate {
				for _, f := range []string{"panel", "predict", "reference", "depth"} {
					if c.IsSet(f) {
						return usagef("plot: --x step draws one panel, the metric against training step: --%s does not apply", f)
					}
				}
			}
			if name := c.String("panel"); name != "" {
				p, err := plot.ParsePanel(name)
				if err != nil {
					return usagef("plot: --panel: %w", err)
				}
				if p == plot.PanelSteps {
					// The steps panel is the whole figure of --x step, which takes no --panel.
					return usagef("plot: --panel steps: draw the metric against training step with --x step")
				}
				opt.Panels = []plot.Panel{p}
			}
			if _, err := plot.FormatOf(c.String("out")); err != nil {
				return usagef("plot: --out %w", err)
			}
			if err := checkOutputs(c.App.ErrWriter, runInputs(c.Args().Slice()), output{"--out", c.String("out")}); err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			if opt.Reference != "" {
				if _, err := fit.LookupReference(opt.Reference); err != nil {
					return usagef("plot: --reference: %w", err)
				}
			}
			if err := prepareOut(c.String("out")); err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			profiles, runs, err := readRuns(c)
			if err != nil {
				return err
			}
			var fig *plot.Figure
			var warnings []string
			var models string // what the figure shows, for the last line
			if opt.X == layers.StepCovariate {
				fig, warnings, err = buildStepFigure(profiles, runs, opt)
				models = fmt.Sprintf("%s, %s", textfmt.Plural(len(layers.ByModel(profiles)), "model"), textfmt.Plural(len(profiles), "checkpoint"))
			} else {
				var note string
				profiles, runs, note = lastCheckpoints(profiles, runs)
				fig, warnings, err = buildFigure(profiles, runs, opt)
				if note != "" {
					warnings = append([]string{note}, warnings...)
				}
				models = textfmt.Plural(len(profiles), "model")
			}
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			for _, w := range warnings {
				fmt.Fprintf(c.App.ErrWriter, "scalefit: plot: warning: %s\n", w)
			}
			fig.Title = c.String("title")
			fig.Width, fig.Height = vg.Length(c.Float64("width"))*vg.Inch, vg.Length(c.Float64("height"))*vg.Inch
			fig.DPI = c.Int("dpi")
			if err := fig.Save(c.String("out")); err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			fmt.Fprintf(c.App.Writer, "wrote %s (%s)\n", c.String("out"), models)
			return nil
		},
	})
}

// plotOptions are the plot command's choices that shape the figure's data.
type plotOptions struct {
	Y, X      string
	Predict   []string
	Depth     bool
	Reference string      // reference set (fit.LookupReference) whose law panel (d) draws too; "" for none
	RefFit    *fit.Result // Reference's law when the caller has fitted it already; nil: fit it here
	Fit       *fit.Result // the runs' law of Y against X when the caller has fitted it already; nil: fit it here
	// Bands are the layer bootstraps of attn, mlp and combined, one per profile in the order given to buildFigure,
	// when the caller has computed them with Resamples, Confidence and Seed; nil: bootstrap here.
	Bands      []*layers.Bands
	Panels     []plot.Panel // nil: all four
	Resamples  int          // 0: no bootstrap bands or error bars
	Seed       uint64
	Confidence float64
}

func (o plotOptions) wants(p plot.Panel) bool {
	return o.Panels == nil || slices.Contains(o.Panels, p)
}

// buildFigure maps fit's results for profiles into the figure's plain inputs: one series per model and component with
// its layer-bootstrap band, and the scaling panel with the power-law fit. Models are drawn in the order given, which
// the commands make the order of size (readRuns), so the colours run from the smallest to the largest unless
// --keep-order says otherwise; opt.Bands, when given, follow the same order. It returns warnings worth telling the
// user.
func buildFigure(profiles []*layers.Profile, sources []string, opt plotOptions) (*plot.Figure, []string, error) {
	ps, srcs := profiles, sources

	// Two runs of the same model (other data, other settings) get their file names, so their styles differ.
	labels := make([]string, len(ps))
	count := map[string]int{}
	for _, p := range ps {
		count[p.Name()]++
	}
	for i, p := range ps {
		labels[i] = p.Name()
		if count[p.Name()] > 1 {
			labels[i] += " [" + filepath.Base(srcs[i]) + "]"
		}
	}

	// Runs of several architectures: each label names its family, and the layer panels put every model on
	// normalised depth, since the families' depths differ.
	archs := make([]string, len(ps))
	for i, p := range ps {
		archs[i] = p.Architecture
	}
	labels = layers.ArchLabels(labels, archs)
	mixed := len(layers.Architectures(ps)) > 1

	fig := &plot.Figure{Depth: opt.Depth || mixed, Panels: opt.Panels}
	bands := make([]*layers.Bands, len(ps))
	for i, p := range ps {
		comps := layers.ComponentsOf(p)
		if len(comps) == 0 {
			return nil, nil, fmt.Errorf("%s: the run has none of the components attn, mlp, combined", srcs[i])
		}
		switch {
		case opt.Resamples > 0 && opt.Bands != nil:
			bands[i] = opt.Bands[i]
		case opt.Resamples > 0:
			b, err := layers.Bootstrap(p, comps, layers.BootConfig{Resamples: opt.Resamples, Confidence: opt.Confidence, Seed: opt.Seed})
			if err != nil {
				return nil, nil, err
			}
			bands[i] = b
		}
		for _, c := range comps {
			s := plot.Series{Label: labels[i]}
			ivs := bands[i].Get(c)
			defined := ivs != nil
			for l := 0; l < p.NLayers; l++ {
				x := float64(l)
				if fig.Depth {
					x = p.Depth(l)
				}
				s.X = append(s.X, x)
				s.Y = append(s.Y, p.LayerGain(c, l, nil))
				if ivs != nil {
					s.Lo, s.Hi = append(s.Lo, ivs[l].Lo), append(s.Hi, ivs[l].Hi)
					defined = defined && ivs[l].Defined()
				}
			}
			if !defined { // a single sequence: no band
				s.Lo, s.Hi = nil, nil
			}
			switch c {
			case "attn":
				fig.Attn = append(fig.Attn, s)
			case "mlp":
				fig.MLP = append(fig.MLP, s)
			case "combined":
				fig.Combined = append(fig.Combined, s)
			}
		}
	}

	var warnings []string
	if opt.wants(plot.PanelScaling) {
		sp, w, err := buildScalingPanel(ps, srcs, bands, opt)
		if err != nil {
			return nil, nil, fmt.Errorf("scaling panel: %w", err)
		}
		fig.Scaling, warnings = sp, w
	}
	return fig, warnings, nil
}

// plotCovariateLabels are the x-axis titles of the covariates of layers.Covariates.
var plotCovariateLabels = map[string]string{
	"params":          "parameters",
	"params_nonembed": "non-embedding parameters",
	"layers":          "layers",
	"hidden":          "hidden size",
}

// buildScalingPanel fits the power law of opt.Y against opt.X over the models and lays it out for the figure.
//
// A point's error bar is the layer-bootstrap interval of the gain the metric was read from (the last layer's mlp
// gain for final_mlp_gain), which is the bootstrap interval of y itself whenever y is a layer gain; metrics that are
// not a single layer's gain (fractions, depths) get no bar. The line and band are the fit's median curve and its
// t confidence band, solid over the models it was fitted to and dashed where it is extrapolated; a prediction's bar
// is its prediction interval. The law's exponent and interval go in the legend. When the data cannot carry a law on
// log–log axes (a metric that is 0 in some model, every model of one size) the panel says why instead of failing,
// and the layer panels are drawn all the same.
func buildScalingPanel(ps []*layers.Profile, srcs []string, bands []*layers.Bands, opt plotOptions) (*plot.ScalingPanel, []string, error) {
	metric, err := layers.MetricByName(opt.Y)
	if err != nil {
		return nil, nil, err
	}
	points, err := fit.PointsFromProfiles(ps, srcs, metric, opt.X, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	xLabel := plotCovariateLabels[opt.X]
	level := textfmt.Level(opt.Confidence)
	sp := &plot.ScalingPanel{
		XLabel: xLabel, YLabel: metric.Label, Title: metric.Label + " vs " + xLabel,
		BandLegend: level + " confidence band",
	}
	var warnings []string
	var notPositive []string
	var drawn []fit.Point
	for i, pt := range points {
		if !(pt.Y > 0) || math.IsInf(pt.Y, 0) {
			notPositive = append(notPositive, fmt.Sprintf("%s in %s", textfmt.Gain(pt.Y), pt.Model))
			continue
		}
		drawn = append(drawn, pt)
		q := plot.Point{Label: pt.Model, X: pt.X, Y: pt.Y, YLo: math.NaN(), YHi: math.NaN()}
		if ivs := bands[i].Get(metric.Component); ivs != nil && pt.Layer >= 0 && pt.Layer < len(ivs) {
			if iv := ivs[pt.Layer]; iv.Defined() && iv.Gain == pt.Y {
				q.YLo, q.YHi = iv.Lo, iv.Hi
			}
		}
		sp.Points = append(sp.Points, q)
		if q.HasInterval() {
			sp.PointsLegend = fmt.Sprintf("measured (%s CI)", level)
		}
	}
	if len(notPositive) > 0 {
		where := strings.Join(notPositive, ", ")
		if len(notPositive) > 2 {
			where = fmt.Sprintf("≤ 0 in %d of the %d models", len(notPositive), len(points))
		}
		sp.Empty = fmt.Sprintf("No scaling law: %s is %s, and log–log axes need y > 0.", metric.Label, where)
		warnings = append(warnings, fmt.Sprintf("the scaling panel has no law: %s is %s; a log–log panel needs y > 0 (choose another --y)",
			metric.Name, strings.Join(notPositive, ", ")))
		return sp, warnings, nil
	}

	targets, err := fit.ParseTargets(opt.Predict, func(name string) (fit.Target, bool) { return fit.RegistryTarget(name, opt.X) })
	if err != nil {
		return nil, nil, err
	}
	if len(drawn) < 2 && len(targets) > 0 {
		warnings = append(warnings, "--predict ignored: a fit needs at least 2 models")
		targets = nil
	}
	refName, ref, err := plotReferenceFit(opt)
	if err != nil {
		return nil, nil, fmt.Errorf("--reference: %w", err)
	}

	// Every line spans the whole x range of the panel, from the smallest to the largest of the models, the
	// prediction targets and the reference's models, so that the laws can be compared by eye anywhere; each is
	// solid only over the models it was fitted to.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range drawn {
		lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
	}
	sp.FitLo, sp.FitHi = lo, hi
	for _, t := range targets {
		lo, hi = math.Min(lo, t.X), math.Max(hi, t.X)
	}
	if ref != nil {
		for _, p := range ref.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	const samples = 60
	xs := make([]float64, samples)
	for i := range xs {
		xs[i] = lo * math.Pow(hi/lo, float64(i)/(samples-1))
	}
	if ref != nil {
		sp.References = append(sp.References, plotReferenceSeries(refName, ref, xs))
	}
	if len(drawn) < 2 {
		return sp, warnings, nil
	}
	res := opt.Fit
	if res == nil {
		if res, err = fit.PowerLaw(drawn, fit.Options{X: opt.X, Y: opt.Y, Confidence: opt.Confidence, Seed: opt.Seed, Metric: &metric, Targets: targets}); err != nil {
			sp.Empty = "no law: " + err.Error()
			warnings = append(warnings, "the scaling panel has no law: "+err.Error())
			return sp, warnings, nil
		}
	}
	warnings = append(warnings, res.Warnings...)
	median, bandLo, bandHi := res.Curve(xs)
	sp.LineX, sp.LineY = xs, median
	if !math.IsNaN(bandLo[0]) {
		sp.BandLo, sp.BandHi = bandLo, bandHi
	}
	for _, pr := range res.Predictions {
		sp.Predictions = append(sp.Predictions, plot.Point{Label: pr.Label + " (pred.)", X: pr.X, Y: pr.Y, YLo: pr.PI.Lo, YHi: pr.PI.Hi})
		if pr.PI.Defined() {
			sp.PredictionsLegend = fmt.Sprintf("prediction (%s PI)", level)
		}
	}
	sp.LineLegend = "power law, " + lawText(res)
	return sp, warnings, nil
}

// lawText is a law's exponent with its interval for a legend, every number at the precision of textfmt.Num:
// "b = 0.272 [0.144, 0.399], n = 4", or "b = 0.348 (n = 2, no interval)".
func lawText(f *fit.Result) string {
	if f.ExponentCI.Defined() {
		return fmt.Sprintf("b = %s %s, n = %d", textfmt.Num(f.Exponent), textfmt.Interval(f.ExponentCI.Lo, f.ExponentCI.Hi, textfmt.Num), f.N)
	}
	return fmt.Sprintf("b = %s (n = %d, no interval)", textfmt.Num(f.Exponent), f.N)
}

// plotReferenceFit returns the name of the reference set opt.Reference and the power law of its published values of
// opt.Y against opt.X: opt.RefFit when the caller has it, else a fit of fit.ReferencePoints. It returns a nil law
// without a reference. The fit makes no predictions (those belong to the runs' law) and its warnings are not passed
// on: a reference of two models has an exact exponent and no interval, which the panel's note says.
func plotReferenceFit(opt plotOptions) (string, *fit.Result, error) {
	if opt.Reference == "" {
		return "", nil, nil
	}
	ref, err := fit.LookupReference(opt.Reference)
	if err != nil {
		return "", nil, err
	}
	if opt.RefFit != nil {
		return ref.Name, opt.RefFit, nil
	}
	pts, err := fit.ReferencePoints(ref, opt.Y, opt.X)
	if err != nil {
		return "", nil, err
	}
	if len(pts) < 2 {
		return "", nil, fmt.Errorf("%s has %d model(s): a law needs two", ref.Name, len(pts))
	}
	res, err := fit.PowerLaw(pts, fit.Options{X: opt.X, Y: opt.Y, Confidence: opt.Confidence})
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", ref.Name, err)
	}
	return ref.Name, res, nil
}

// plotReferenceSeries lays out the reference law rf (of the reference set name) for the scaling panel: its published
// points, labelled with their model names, and its line over xs, with its confidence band when it has one, solid
// between its own models and extrapolated beyond them. Reference sets hold published measurements of released,
// trained checkpoints, and the legend says so, since the runs beside them may be untrained controls; it also gives
// the law's exponent.
func plotReferenceSeries(name string, rf *fit.Result, xs []float64) plot.ScalingSeries {
	s := plot.ScalingSeries{Label: name + " (trained), " + lawText(rf)}
	s.FitLo, s.FitHi = math.Inf(1), math.Inf(-1)
	for _, p := range rf.Points {
		s.Points = append(s.Points, plot.Point{Label: p.Model, X: p.X, Y: p.Y})
		s.FitLo, s.FitHi = math.Min(s.FitLo, p.X), math.Max(s.FitHi, p.X)
	}
	median, lo, hi := rf.Curve(xs)
	s.LineX, s.LineY = xs, median
	if !math.IsNaN(lo[0]) {
		s.BandLo, s.BandHi = lo, hi
	}
	return s
}
