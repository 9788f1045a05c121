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
)

func init() {
	register(&ucli.Command{
		Name:      "fit",
		Usage:     "fit a scaling law y = a·x^b across models, with intervals and predictions",
		ArgsUsage: "[RUN...]",
		Description: `Fits a power law y = a·x^b across models by least squares on (ln x, ln y) and reports the exponent
and prefactor with standard errors and Student-t intervals, R², the residuals, predictions with confidence and
prediction intervals, bootstrap intervals, and leave-one-out predictions.

Inputs, in any mix: run files from scalefit run (one model each; y is recomputed from the run), --points FILE.csv
with a header model,x,y and an optional y_se column, and --reference NAME (seed-pythia: the seed note's two models).

y is a model-level metric (--y, default final_mlp_gain); x is params, params_nonembed, layers or hidden (--x).

The headline intervals are the t intervals: at small n they are the ones whose coverage is honest (see
docs/statistics.md). With two models the exponent is exactly determined and no interval exists. exp() of a
log-space interval is an interval for the median of y at x, not its mean.

Bootstraps (--bootstrap, comma-separated; default: hierarchical when some input is a run file, then pairs and
residual when n ≥ 3): hierarchical resamples the sequences within each run (measurement uncertainty only), pairs
resamples models, residual resamples residuals. Each reports percentile, basic and BCa intervals, and counts its
degenerate resamples (all x equal), which are excluded. --seed makes them reproducible.

--predict takes numbers (175e9, 175B, 1T) or registry names (pythia-12b, gpt3-175b, llama-2-70b, ...).

--out FILE.parquet (or .arrow) writes the parameters table to FILE.parquet and the predictions (and leave-one-out)
table to FILE.predictions.parquet: Parquet holds one table per file.`,
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "points", Usage: "CSV `FILE` with columns model,x,y[,y_se] (repeatable)"},
			&ucli.StringFlag{Name: "reference", Usage: "embedded reference dataset `NAME` (seed-pythia)"},
			&ucli.StringFlag{Name: "y", Value: "final_mlp_gain", Usage: "model-level `METRIC` to regress"},
			&ucli.StringFlag{Name: "x", Value: "params", Usage: "covariate: params, params_nonembed, layers or hidden"},
			&ucli.StringFlag{Name: "form", Value: fit.FormPower, Usage: "power (y = a·x^b), offset (y = c + a·x^b) or both (power headline, offset compared by AIC/BIC)"},
			&ucli.StringFlag{Name: "weights", Value: fit.WeightsNone, Usage: "none, or inverse-variance (WLS with w = 1/se(ln y)², se(ln y) = y_se/y)"},
			&ucli.Float64Flag{Name: "confidence", Value: 0.95, Usage: "two-sided confidence `LEVEL` of every interval"},
			&ucli.StringFlag{Name: "bootstrap", Value: "auto", Usage: "`METHODS`: auto, none, or a comma list of hierarchical, pairs, residual (the first is the one shown with predictions)"},
			&ucli.StringFlag{Name: "interval", Value: fit.IntervalBCa, Usage: "bootstrap interval shown with predictions: bca, percentile or basic"},
			&ucli.IntFlag{Name: "resamples", Value: 10000, Usage: "bootstrap resamples per method"},
			&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed of the bootstraps"},
			&ucli.StringSliceFlag{Name: "predict", Usage: "predict at `X,...`: numbers (175e9, 175B) or model names (pythia-12b)"},
			&ucli.StringFlag{Name: "json", Usage: "write the result as JSON to `FILE` (- for stdout, instead of the table)"},
			&ucli.StringFlag{Name: "out", Usage: "write the parameters to `FILE`.parquet|.arrow and the predictions to FILE.predictions.parquet|.arrow"},
			&ucli.BoolFlag{Name: "simulate-coverage", Hidden: true, Usage: "run the coverage simulation of docs/statistics.md and print its table"},
			&ucli.IntFlag{Name: "sim-datasets", Hidden: true, Value: 1000, Usage: "simulated datasets per (scenario, n)"},
			&ucli.IntFlag{Name: "sim-resamples", Hidden: true, Value: 1000, Usage: "bootstrap resamples inside the simulation"},
		},
		Action: fitAction,
	})
}

func fitAction(c *ucli.Context) error {
	if c.Bool("simulate-coverage") {
		return fitSimulate(c)
	}
	metric, err := layers.MetricByName(c.String("y"))
	if err != nil {
		return fmt.Errorf("fit: --y: %w", err)
	}
	xname := c.String("x")
	if !slices.Contains(layers.Covariates, xname) {
		return fmt.Errorf("fit: --x %q: want one of %s", xname, strings.Join(layers.Covariates, ", "))
	}
	seed := c.Uint64("seed")
	inputs := append(c.Args().Slice(), c.StringSlice("points")...)
	outs := []output{{"--json", c.String("json")}}
	if out := c.String("out"); out != "" {
		outs = append(outs, output{"--out", out}, output{"--out", fit.PredictionsPath(out)})
	}
	if err := checkOutputs(c.App.ErrWriter, inputs, outs...); err != nil {
		return fmt.Errorf("fit: %w", err)
	}

	var pts []fit.Point
	if paths := c.Args().Slice(); len(paths) > 0 {
		profiles, err := readProfiles(paths)
		if err != nil {
			return fmt.Errorf("fit: %w", err)
		}
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
		return fmt.Errorf("fit: no input: give run files, --points FILE.csv or --reference seed-pythia")
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

	var methods []string
	switch b := strings.TrimSpace(c.String("bootstrap")); b {
	case "auto":
		methods = fit.DefaultBootstraps(pts)
	case "none", "":
	default:
		methods = splitList([]string{b})
	}

	res, err := fit.PowerLaw(pts, fit.Options{
		X: xname, Y: metric.Name, Form: c.String("form"), Weights: c.String("weights"),
		Confidence: c.Float64("confidence"), Bootstrap: methods, Interval: c.String("interval"),
		Resamples: c.Int("resamples"), Seed: seed, Metric: &metric, Targets: targets,
	})
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}

	jsonPath := c.String("json")
	if jsonPath != "-" {
		if err := report.WriteFitText(c.App.Writer, res); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		if err := writeJSONFile(jsonPath, c.App.Writer, res); err != nil {
			return fmt.Errorf("fit: --json: %w", err)
		}
	}
	if out := c.String("out"); out != "" {
		meta := map[string]string{
			"scalefit.version": Version,
			"scalefit.time":    time.Now().UTC().Format(time.RFC3339),
			"scalefit.fit":     fmt.Sprintf("y=%s x=%s form=%s weights=%s confidence=%g seed=%d", metric.Name, xname, res.Form, res.Weights, res.Confidence, seed),
		}
		if err := res.WriteTables(out, meta); err != nil {
			return fmt.Errorf("fit: --out: %w", err)
		}
		if jsonPath != "-" {
			fmt.Fprintf(c.App.Writer, "\nwrote %s and %s\n", out, fit.PredictionsPath(out))
		}
	}
	return nil
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
