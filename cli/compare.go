package cli

import (
	"fmt"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/report"
	ucli "github.com/urfave/cli/v2"
)

func init() {
	register(&ucli.Command{
		Name:      "compare",
		Usage:     "compare runs side by side and judge the seed note's five predictions on them",
		ArgsUsage: "RUN [RUN...]",
		Description: `Prints the verdicts on the five predictions of the seed note (the study of Pythia-1.4B and 6.9B
that scalefit grew from) for each run and across runs (universal, scale-dependent, fails), with their significance
from a sequence bootstrap of the layer gains; then, for attention, MLP and combined gains, the comparison tables:
contracting and expanding layer counts, minimum and maximum with their layer and depth, the last layer's gain and L*
(the attention minimum), one column per run with a change column after each run but the first; then each run's
phases (docs/verdicts.md). Runs are ordered by parameter count, then revision (--keep-order keeps yours). Examples:

   scalefit compare runs/pythia-1.4b.parquet runs/pythia-6.9b.parquet
   scalefit compare runs/*.parquet --mostly 0.5 --out verdicts.json
   scalefit compare runs/*.parquet --resamples 0 --component mlp --json`,
		Flags: append([]ucli.Flag{
			&ucli.StringSliceFlag{Name: "component", Usage: "components of the comparison tables (default attn, mlp, combined; repeatable or comma-separated)"},
			&ucli.BoolFlag{Name: "json", Usage: "print everything as JSON to stdout instead of the tables"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "also write everything as JSON to `FILE`"},
			&ucli.Float64Flag{Name: "mostly", Value: 0.75, Usage: "share of layers that must contract for 'the MLP mostly contracts'"},
			&ucli.IntFlag{Name: "last-layers", Value: 1, Usage: "how many final layers count as 'the last layer' for 'net expansion only at the last layer'"},
			&ucli.Float64Flag{Name: "net-tolerance", Usage: "a layer expands net when its combined gain exceeds 1 + this"},
			&ucli.StringFlag{Name: "phases", Value: "mlp", Usage: "component whose layer profile is segmented into phases (none: skip)"},
			keepOrderFlag,
		}, bootstrapFlags("bootstrap resamples of the sequences for the layer intervals and the significance (0: none)")...),
		Action: func(c *ucli.Context) error {
			opt := layers.AnalysisOptions{
				Components: splitList(c.StringSlice("component")),
				Resamples:  c.Int("resamples"), Confidence: c.Float64("confidence"), Seed: c.Uint64("seed"),
				Verdicts: layers.VerdictOptions{Mostly: c.Float64("mostly"), LastLayers: c.Int("last-layers"), NetTolerance: c.Float64("net-tolerance")},
				Phases:   layers.PhaseOptions{Component: c.String("phases")},
			}
			if err := checkCompareOptions(opt); err != nil {
				return usagef("compare: %w", err)
			}
			if err := prepareOut(c.String("out")); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			if err := checkOutputs(c.App.ErrWriter, runInputs(c.Args().Slice()), output{"--out", c.String("out")}); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			profiles, _, err := readRuns(c)
			if err != nil {
				return err
			}
			res, err := layers.Analyze(profiles, opt)
			if err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			for _, msg := range res.Warnings {
				fmt.Fprintf(c.App.ErrWriter, "scalefit: compare: warning: %s\n", msg)
			}
			if path := c.String("out"); path != "" {
				if err := writeJSONFile(path, c.App.Writer, res); err != nil {
					return fmt.Errorf("compare: --out %s: %w", path, err)
				}
			}
			if c.Bool("json") {
				return writeJSONFile("-", c.App.Writer, res)
			}
			fmt.Fprint(c.App.Writer, report.CompareText(res, outputWidth(c.App.Writer)))
			return nil
		},
	})
}

// bootstrapFlags are the flags of every command that bootstraps: --resamples, --seed and --confidence, with the same
// defaults everywhere (layers.DefaultResamples, seed 1, 95 %) so that the intervals they print for the same runs agree.
func bootstrapFlags(resamplesUsage string) []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "resamples", Value: layers.DefaultResamples, Usage: resamplesUsage},
		&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed of the bootstrap"},
		&ucli.Float64Flag{Name: "confidence", Value: 0.95, Usage: "two-sided confidence level of every interval"},
	}
}

// checkCompareOptions rejects impossible values of compare's flags before any run is read.
func checkCompareOptions(o layers.AnalysisOptions) error {
	if o.Resamples < 0 {
		return fmt.Errorf("--resamples %d: want 0 or more", o.Resamples)
	}
	return checkVerdictFlags(o.Confidence, o.Verdicts)
}

// checkVerdictFlags rejects impossible values of the flags that compare and report share: the confidence level and
// the verdict thresholds.
func checkVerdictFlags(confidence float64, v layers.VerdictOptions) error {
	if err := checkConfidence(confidence); err != nil {
		return err
	}
	if !(v.Mostly > 0 && v.Mostly <= 1) {
		return fmt.Errorf("--mostly %v: want a share in (0, 1], like 0.75", v.Mostly)
	}
	if v.LastLayers < 1 {
		return fmt.Errorf("--last-layers %d: want 1 or more", v.LastLayers)
	}
	if !(v.NetTolerance >= 0) {
		return fmt.Errorf("--net-tolerance %v: want 0 or more", v.NetTolerance)
	}
	return nil
}

// checkConfidence rejects a --confidence outside (0, 1).
func checkConfidence(c float64) error {
	if !(c > 0 && c < 1) {
		return fmt.Errorf("--confidence %v: want a level strictly between 0 and 1, like 0.95", c)
	}
	return nil
}
