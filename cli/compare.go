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
		Usage:     "compare runs side by side and judge the seed's five predictions on them",
		ArgsUsage: "RUN [RUN...]",
		Description: `Prints, for attention, MLP and combined gains, the seed note's comparison tables: contracting and
expanding layer counts, minimum and maximum with their layer and depth, the last layer's gain and L* (the attention
minimum), one column per run in the order given with a change column after each run but the first. Then the verdicts
on the seed's five predictions for each run and across runs (universal, scale-dependent, fails) with their
significance from a sequence bootstrap of the layer gains, and each run's phases (docs/verdicts.md). Examples:

   scalefit compare runs/pythia-1.4b.parquet runs/pythia-6.9b.parquet
   scalefit compare --mostly 0.5 --json verdicts.json runs/*.parquet
   scalefit compare --resamples 0 --component mlp --json - runs/*.parquet

Flags go before the run files.`,
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "component", Usage: "components of the comparison tables (default attn, mlp, combined; repeatable or comma-separated)"},
			&ucli.StringFlag{Name: "json", Usage: "also write everything as JSON to `FILE`; - writes JSON alone to stdout"},
			&ucli.Float64Flag{Name: "confidence", Value: 0.95, Usage: "confidence level of the layer intervals"},
			&ucli.IntFlag{Name: "resamples", Value: 2000, Usage: "bootstrap resamples of the sequences for the significance (0: none)"},
			&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed of the bootstrap"},
			&ucli.Float64Flag{Name: "mostly", Value: 0.75, Usage: "share of layers that must contract for 'the MLP mostly contracts'"},
			&ucli.IntFlag{Name: "last-layers", Value: 1, Usage: "how many final layers count as 'the last layer' for 'net expansion only at the last layer'"},
			&ucli.Float64Flag{Name: "net-tolerance", Usage: "a layer expands net when its combined gain exceeds 1 + this"},
			&ucli.StringFlag{Name: "phases", Value: "mlp", Usage: "component whose layer profile is segmented into phases (none: skip)"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("compare: give at least one run file")
			}
			opt := layers.AnalysisOptions{
				Components: splitList(c.StringSlice("component")),
				Resamples:  c.Int("resamples"), Confidence: c.Float64("confidence"), Seed: c.Uint64("seed"),
				Verdicts: layers.VerdictOptions{Mostly: c.Float64("mostly"), LastLayers: c.Int("last-layers"), NetTolerance: c.Float64("net-tolerance")},
				Phases:   layers.PhaseOptions{Component: c.String("phases")},
			}
			if err := checkCompareOptions(opt); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			if err := checkOutputs(c.App.ErrWriter, c.Args().Slice(), output{"--json", c.String("json")}); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			profiles, err := readProfiles(c.Args().Slice())
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
			if path := c.String("json"); path != "" {
				if err := writeJSONFile(path, c.App.Writer, res); err != nil {
					return fmt.Errorf("compare: --json %s: %w", path, err)
				}
				if path == "-" {
					return nil
				}
			}
			fmt.Fprint(c.App.Writer, report.CompareText(res))
			return nil
		},
	})
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
