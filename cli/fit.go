package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/report"
	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "fit",
		Usage:     "fit a scaling law y = a·x^b across models, with intervals and predictions",
		ArgsUsage: "[RUN...]",
		Description: `Fits a power law y = a·x^b across models by least squares on (ln x, ln y) and reports the exponent
and prefactor with standard errors and Student-t intervals, R², the residuals, predictions with confidence and
prediction intervals, bootstrap intervals, and leave-one-out predictions.

Inputs, in any mix: run files from scalefit run (one model each; y is recomputed from the run), directories of
run files (a sweep's output: every .parquet, .arrow and .feather file under it), --points FILE.csv with a header
model,x,y and optional y_se and architecture columns, and --reference NAME (seed-pythia: the seed note's two models).

y is a model-level metric (--y, default final_mlp_gain); x is params, params_nonembed, layers or hidden (--x). When
the runs hold a model at several checkpoints, the law across sizes takes the last of each (main, else the highest
step). --x step fits instead one law y = a·step^b per model over its checkpoints (revisions stepN): step 0 and
revisions without a step are left out and listed, and --predict takes steps.

The headline intervals are the t intervals: at small n they are the ones whose coverage is honest (see
docs/statistics.md). With two models the exponent is exactly determined and no interval exists. exp() of a
log-space interval is an interval for the median of y at x, not its mean.

Bootstraps (--bootstrap, comma-separated; default: hierarchical when some input is a run file, then pairs and
residual when n ≥ 3): hierarchical resamples the sequences within each run (measurement uncertainty only), pairs
resamples models, residual resamples residuals. Each reports percentile, basic and BCa intervals, and counts its
degenerate resamples (all x equal), which are excluded. --seed makes them reproducible.

--predict takes numbers (175e9, 175B, 1T) or registry names (pythia-12b, gpt3-175b, llama-2-70b, ...).

--by architecture fits one law per architecture family (the runs' model_type; a --points CSV needs an
architecture column) and reports whether the exponents differ: the overlap of their t intervals and the F test of
one common exponent against one per family (docs/statistics.md). A family of one model gets no law, with a warning;
a registry name in --predict is predicted by its own family's law only.

--json prints the result as JSON to stdout instead of the tables. --out FILE.json writes the same JSON to a file;
--out FILE.parquet (or .arrow) writes the parameters table to FILE.parquet and the predictions (and leave-one-out)
table to FILE.predictions.parquet, since Parquet holds one table per file. --out may be given more than once.
Examples:

   scalefit fit runs/*.parquet --predict pythia-12b,175e9
   scalefit fit runs/*.parquet --y min_attn_gain --x params_nonembed --out fit.json --out fit.parquet
   scalefit fit --reference seed-pythia --predict pythia-12b,175e9,1e12
   scalefit fit --points sizes.csv --json
   scalefit fit runs/*.parquet --by architecture --predict llama-3.1-70b
   scalefit fit sweep-out/ --x step --predict 286000`,
		Flags: append([]ucli.Flag{
			&ucli.StringSliceFlag{Name: "points", Usage: "CSV `FILE` with columns model,x,y[,y_se][,architecture] (repeatable)"},
			&ucli.StringFlag{Name: "reference", Usage: "embedded reference dataset `NAME` (seed-pythia)"},
			&ucli.StringFlag{Name: "y", Value: "final_mlp_gain", Usage: "model-level `METRIC` to regress"},
			&ucli.StringFlag{Name: "x", Value: "params", Usage: "covariate: params, params_nonembed, layers or hidden; or step, for one law in training steps per model"},
			&ucli.StringFlag{Name: "form", Value: fit.FormPower, Usage: "power (y = a·x^b), offset (y = c + a·x^b) or both (power headline, offset compared by AIC/BIC)"},
			&ucli.StringFlag{Name: "weights", Value: fit.WeightsNone, Usage: "none, or inverse-variance (WLS with w = 1/se(ln y)², se(ln y) = y_se/y)"},
			&ucli.StringFlag{Name: "bootstrap", Value: "auto", Usage: "`METHODS`: auto, none, or a comma list of hierarchical, pairs, residual (the first is the one shown with predictions)"},
			&ucli.StringFlag{Name: "interval", Value: fit.IntervalBCa, Usage: "bootstrap interval shown with predictions: bca, percentile or basic"},
			&ucli.StringSliceFlag{Name: "predict", Usage: "predict at `X,...`: numbers (175e9, 175B) or model names (pythia-12b)"},
			&ucli.StringFlag{Name: "by", Usage: "fit one law per group and test whether their exponents differ: architecture (the model_type of each run)"},
			&ucli.BoolFlag{Name: "json", Usage: "print the result as JSON to stdout instead of the tables"},
			&ucli.StringSliceFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the result to `FILE`: .json, or .parquet|.arrow for the parameters and FILE.predictions.parquet|.arrow (repeatable)"},
			&ucli.BoolFlag{Name: "simulate-coverage", Hidden: true, Usage: "run the coverage simulation of docs/statistics.md and print its table"},
			&ucli.IntFlag{Name: "sim-datasets", Hidden: true, Value: 1000, Usage: "simulated datasets per (scenario, n)"},
			&ucli.IntFlag{Name: "sim-resamples", Hidden: true, Value: 1000, Usage: "bootstrap resamples inside the simulation"},
		}, bootstrapFlags("bootstrap resamples per method")...),
		Action: fitAction,
	})
}

func fitAction(c *ucli.Context) error {
	if c.Bool("simulate-coverage") {
		return fitSimulate(c)
	}
	metric, err := layers.MetricByName(c.String("y"))
	if err != nil {
		return usagef("fit: --y: %w", err)
	}
	xname := c.String("x")
	if !slices.Contains(layers.Covariates, xname) && xname != layers.StepCovariate {
		return usagef("fit: --x %q: want one of %s or %s", xname, strings.Join(layers.Covariates, ", "), layers.StepCovariate)
	}
	if by := c.String("by"); c.IsSet("by") && by != "architecture" {
		return usagef("fit: --by %q: want architecture", by)
	}
	if c.IsSet("by") && xname == layers.StepCovariate {
		return usagef("fit: --by architecture and --x step: --x step already fits one law per model; give one of them")
	}
	outs := splitList(c.StringSlice("out"))
	for _, out := range outs {
		if !strings.HasSuffix(strings.ToLower(out), ".json") {
			if _, err := schema.FormatOf(out); err != nil {
				return usagef("fit: --out %s: want a .json, .parquet or .arrow file", out)
			}
		}
		if err := prepareOut(out); err != nil {
			return fmt.Errorf("fit: %w", err)
		}
	}
	seed := c.Uint64("seed")
	inputs := append(runInputs(c.Args().Slice()), c.StringSlice("points")...)
	var checks []output
	for _, out := range outs {
		checks = append(checks, output{"--out", out})
		if !strings.HasSuffix(strings.ToLower(out), ".json") {
			checks = append(checks, output{"--out", fit.PredictionsPath(out)}) // WriteTables writes it beside out
		}
	}
	if err := checkOutputs(c.App.ErrWriter, inputs, checks...); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if xname == layers.StepCovariate {
		return fitSteps(c, metric, outs)
	}

	var pts []fit.Point
	var checkpointsNote string
	if paths := c.Args().Slice(); len(paths) > 0 {
		for _, p := range paths {
			if c.Bool("json") && strings.HasSuffix(strings.ToLower(p), ".json") {
				return usagef("fit: --json prints JSON to stdout and takes no file; write %s with --out %s", p, p)
			}
		}
		profiles, paths, err := readRunFiles(paths)
		if err != nil {
			return fmt.Errorf("fit: %w", err)
		}
		profiles, paths, checkpointsNote = lastCheckpoints(profiles, paths)
		p, err := fit.PointsFromProfiles(profiles, paths, metric, xname, seed)
		if err != nil {
			return fmt.Errorf("fit: %w", err)
		}
		pts = append(pts, p...)
	}
	for _, path := range c.StringSlice("points") {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("fit: --points: %w", err)
		}
		p, err := fit.ReadPointsCSV(f, path)
		f.Close()
		if err != nil {
			return fmt.Errorf("fit: --points: %w", err)
		}
		pts = append(pts, p...)
	}
	if name := c.String("reference"); name != "" {
		ref, err := fit.LookupReference(name)
		if err != nil {
			return fmt.Errorf("fit: --reference: %w", err)
		}
		p, err := fit.ReferencePoints(ref, metric.Name, xname)
		if err != nil {
			return fmt.Errorf("fit: --reference: %w", err)
		}
		pts = append(pts, p...)
	}
	if len(pts) == 0 {
		return usagef("fit: no input: give run files, --points FILE.csv or --reference seed-pythia (see scalefit help fit)")
	}
	if err := fit.DistinctModels(pts); err != nil {
		return fmt.Errorf("fit: %w", err)
	}

	targets, err := fit.ParseTargets(splitList(c.StringSlice("predict")), func(name string) (fit.Target, bool) {
		return fit.RegistryTarget(name, xname)
	})
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}

	opts := fit.Options{
		X: xname, Y: metric.Name, Form: c.String("form"), Weights: c.String("weights"),
		Confidence: c.Float64("confidence"), Bootstrap: bootstrapMethods(c), Interval: c.String("interval"),
		Resamples: c.Int("resamples"), Seed: seed, Metric: &metric, Targets: targets,
	}
	if c.IsSet("by") {
		return fitByAction(c, pts, opts, outs)
	}
	res, err := fit.PowerLaw(pts, opts)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if checkpointsNote != "" {
		res.Notes = append(res.Notes, checkpointsNote)
	}

	desc := fmt.Sprintf("y=%s x=%s form=%s weights=%s confidence=%g seed=%d", metric.Name, xname, res.Form, res.Weights, res.Confidence, seed)
	return writeFitResult(c, outs, fitOutput{res, res, res.Warnings, desc, func(w io.Writer, width int) error { return report.WriteFitText(w, res, width) }})
}

// bootstrapMethods is fit's --bootstrap: nil for none, fit.BootstrapAuto for auto (PowerLaw then runs the bootstraps
// that each law's own points allow, fit.DefaultBootstraps), else the methods listed.
func bootstrapMethods(c *ucli.Context) []string {
	switch b := strings.TrimSpace(c.String("bootstrap")); b {
	case "auto":
		return []string{fit.BootstrapAuto}
	case "none", "":
		return nil
	default:
		return splitList([]string{b})
	}
}

// fitSimulate runs the coverage simulation and prints its markdown table.
func fitSimulate(c *ucli.Context) error {
	cfg := fit.DefaultCoverageConfig()
	cfg.Datasets = c.Int("sim-datasets")
	cfg.Resamples = c.Int("sim-resamples")
	cfg.Seed = c.Uint64("seed")
	cfg.Confidence = c.Float64("confidence")
	start := time.Now()
	rows, err := fit.SimulateCoverage(cfg, func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(c.App.ErrWriter, "\rsimulating %d/%d", done, total)
		}
	})
	fmt.Fprintln(c.App.ErrWriter)
	if err != nil {
		return fmt.Errorf("fit: --simulate-coverage: %w", err)
	}
	var w io.Writer = c.App.Writer
	fmt.Fprintf(w, "%s\n", fit.CoverageMarkdown(cfg, rows))
	fmt.Fprintf(w, "(%d datasets per cell, %d resamples per bootstrap, seed %d, %.0f s)\n", cfg.Datasets, cfg.Resamples, cfg.Seed, time.Since(start).Seconds())
	return nil
}
