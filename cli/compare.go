package cli

import (
	"fmt"
	"io"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
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
			opt := compareOptions{
				Components: splitList(c.StringSlice("component")),
				Resamples:  c.Int("resamples"), Confidence: c.Float64("confidence"), Seed: c.Uint64("seed"),
				Verdicts: fit.VerdictOptions{Mostly: c.Float64("mostly"), LastLayers: c.Int("last-layers"), NetTolerance: c.Float64("net-tolerance")},
				Phases:   c.String("phases"),
			}
			if err := opt.check(); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			profiles, err := readProfiles(c.Args().Slice())
			if err != nil {
				return err
			}
			res, err := runCompare(profiles, opt)
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
			res.print(c.App.Writer)
			return nil
		},
	})
}

// compareOptions are the compare command's choices.
type compareOptions struct {
	Components []string // nil: attn, mlp, combined
	Resamples  int      // 0: no layer bootstrap, so no significance
	Confidence float64
	Seed       uint64
	Verdicts   fit.VerdictOptions
	Phases     string // component to segment; "none" or "": skip
}

func (o compareOptions) check() error {
	if o.Resamples < 0 {
		return fmt.Errorf("--resamples %d: want 0 or more", o.Resamples)
	}
	return checkVerdictFlags(o.Confidence, o.Verdicts)
}

// checkVerdictFlags rejects impossible values of the flags that compare and report share: the confidence level and
// the verdict thresholds.
func checkVerdictFlags(confidence float64, v fit.VerdictOptions) error {
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

// compareResult is everything compare computes, and its JSON form.
type compareResult struct {
	Comparison *fit.Comparison     `json:"comparison"`
	Verdicts   *fit.Verdicts       `json:"verdicts"`
	Phases     []*fit.Segmentation `json:"phases,omitempty"`
	Intervals  []*fit.LayerBands   `json:"intervals,omitempty"` // per run; null where the run has none of attn, mlp, combined
	Warnings   []string            `json:"warnings,omitempty"`
}

func runCompare(ps []*fit.Profile, opt compareOptions) (*compareResult, error) {
	res := &compareResult{}
	var err error
	if res.Comparison, err = fit.Compare(ps, opt.Components); err != nil {
		return nil, err
	}
	var bands []*fit.LayerBands
	if opt.Resamples > 0 {
		bands = make([]*fit.LayerBands, len(ps))
		for i, p := range ps {
			comps := layerComponentsOf(p)
			if len(comps) == 0 {
				continue
			}
			if p.NSeq() < 2 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s has one sequence: its layer intervals are undefined, so no verdict of it is significant", p.Name()))
			}
			cfg := fit.LayerBootConfig{Resamples: opt.Resamples, Confidence: opt.Confidence, Seed: opt.Seed}
			if bands[i], err = fit.BootstrapLayers(p, comps, cfg); err != nil {
				return nil, err
			}
		}
		res.Intervals = bands
	}
	if res.Verdicts, err = fit.Judge(ps, bands, opt.Verdicts); err != nil {
		return nil, err
	}
	if opt.Phases != "" && opt.Phases != "none" {
		for _, p := range ps {
			if !p.Has(opt.Phases) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s has no %s rows: no phases", p.Name(), opt.Phases))
				continue
			}
			seg, err := fit.SegmentPhases(p, fit.PhaseOptions{Component: opt.Phases})
			if err != nil {
				return nil, err
			}
			res.Phases = append(res.Phases, seg)
		}
	}
	return res, nil
}

func (r *compareResult) print(w io.Writer) {
	fmt.Fprint(w, r.Comparison.String())
	fmt.Fprintf(w, "\nVerdicts on the seed's predictions\n%s", r.Verdicts.String())
	if len(r.Phases) > 0 {
		fmt.Fprintf(w, "\nPhases (%s gain, BIC-optimal piecewise-constant fit in log gain)\n", r.Phases[0].Component)
		for _, s := range r.Phases {
			fmt.Fprint(w, s.String())
		}
	}
}
