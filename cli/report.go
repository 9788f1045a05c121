package cli

import (
	"fmt"
	"io"
	"path/filepath"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/plot"
	"github.com/scalefit/scalefit/report"
	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "report",
		Usage:     "write a markdown report of runs: verdicts, comparison, layer profiles, phases and the scaling law",
		ArgsUsage: "RUN [RUN...]",
		Description: `Writes, as markdown, the analysis of the seed note (the study of Pythia-1.4B and 6.9B that scalefit
grew from) for your own runs: a finding in a few sentences, the set-up, the verdicts on the note's five predictions
with their significance, the scaling law of --y against --x with its intervals, predictions, bootstraps and
leave-one-out, the cross-model comparison tables, the phases of the MLP profile, and every model's layer table with
bootstrap intervals. Every number is computed from the runs, ordered by parameter count and then revision
(--keep-order keeps yours). See docs/report.md. Examples:

   scalefit report runs/pythia-1.4b.parquet runs/pythia-6.9b.parquet --out report.md
   scalefit report runs/*.parquet --predict pythia-12b,175e9 --reference seed-pythia --figure figure.png --out report.md
   scalefit report runs/*.parquet --untrained --out controls.md`,
		Flags: append([]ucli.Flag{
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "markdown file to write (- for stdout)"},
			&ucli.StringFlag{Name: "title", Usage: "first heading (default: \"Sublayer gains of\" and the model names)"},
			&ucli.StringFlag{Name: "y", Value: report.DefaultY, Usage: "metric of the scaling law (see scalefit summary)"},
			&ucli.StringFlag{Name: "x", Value: report.DefaultX, Usage: "size covariate: params, params_nonembed, layers or hidden"},
			&ucli.StringSliceFlag{Name: "predict", Usage: "sizes to predict at: numbers (175e9, 12B) or model names (pythia-12b); repeatable or comma-separated"},
			&ucli.StringFlag{Name: "reference", Usage: "reference results to fit beside the runs, e.g. seed-pythia (see scalefit datasets); the --figure draws the law too"},
			&ucli.StringFlag{Name: "figure", Usage: "also draw the 4-panel figure to this .png, .svg or .pdf and link it from the report"},
			&ucli.BoolFlag{Name: "untrained", Usage: "label the runs as untrained controls (automatic when every run is of a scalefit synth checkpoint)"},
			&ucli.Float64Flag{Name: "mostly", Value: 0.75, Usage: "share of layers that must contract for 'the MLP mostly contracts'"},
			&ucli.IntFlag{Name: "last-layers", Value: 1, Usage: "how many final layers count as 'the last layer' for 'net expansion only at the last layer'"},
			&ucli.Float64Flag{Name: "net-tolerance", Usage: "a layer expands net when its combined gain exceeds 1 + this"},
			&ucli.StringFlag{Name: "phases", Value: "mlp", Usage: "component whose layer profile is segmented into phases (none: skip)"},
			&ucli.Float64Flag{Name: "expand-above", Value: 1.25, Usage: "a phase whose geometric-mean gain is above this is expanding"},
			&ucli.Float64Flag{Name: "contract-below", Value: 0.8, Usage: "a phase whose geometric-mean gain is below this is contracting"},
			keepOrderFlag,
		}, bootstrapFlags("bootstrap resamples for the layer intervals and the fit")...),
		Action: func(c *ucli.Context) error {
			out := c.String("out")
			opt := report.Options{
				Title: c.String("title"), Untrained: c.Bool("untrained"),
				Y: c.String("y"), X: c.String("x"), Predict: splitList(c.StringSlice("predict")), Reference: c.String("reference"),
				Resamples: c.Int("resamples"), Seed: c.Uint64("seed"), Confidence: c.Float64("confidence"),
				Verdicts: layers.VerdictOptions{Mostly: c.Float64("mostly"), LastLayers: c.Int("last-layers"), NetTolerance: c.Float64("net-tolerance")},
				Phases:   layers.PhaseOptions{Component: c.String("phases"), ExpandAbove: c.Float64("expand-above"), ContractBelow: c.Float64("contract-below")},
			}
			if err := checkReportOptions(opt, c.String("figure")); err != nil {
				return usagef("report: %w", err)
			}
			if err := checkOutputs(c.App.ErrWriter, runInputs(c.Args().Slice()), output{"--out", out}, output{"--figure", c.String("figure")}); err != nil {
				return fmt.Errorf("report: %w", err)
			}
			for _, path := range []string{out, c.String("figure")} {
				if err := prepareOut(path); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			profiles, runs, err := readRuns(c)
			if err != nil {
				return err
			}
			opt.Sources = runs
			r, err := writeReport(profiles, opt, out, c.String("figure"), c.App.Writer)
			if err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(c.App.Writer, "wrote %s (%s)\n", out, textfmt.Plural(len(r.Profiles), "model"))
			}
			return nil
		},
	})
}

// checkReportOptions rejects impossible flag values before any run is read.
func checkReportOptions(o report.Options, figure string) error {
	if o.Resamples < 1 {
		return fmt.Errorf("--resamples %d: want 1 or more", o.Resamples)
	}
	if err := checkVerdictFlags(o.Confidence, o.Verdicts); err != nil {
		return err
	}
	if !(o.Phases.ContractBelow > 0 && o.Phases.ContractBelow <= o.Phases.ExpandAbove) {
		return fmt.Errorf("--contract-below %v and --expand-above %v: want 0 < contract-below ≤ expand-above", o.Phases.ContractBelow, o.Phases.ExpandAbove)
	}
	if figure != "" {
		if _, err := plot.FormatOf(figure); err != nil {
			return fmt.Errorf("--figure %w", err)
		}
	}
	return nil
}

// writeReport builds the report of profiles and writes it to out ("-": w), atomically. With figure non-empty it also
// draws the 4-panel figure there, before writing the report, and links it from the report by its path relative to
// the report's directory.
func writeReport(profiles []*layers.Profile, opt report.Options, out, figure string, w io.Writer) (*report.Report, error) {
	if figure != "" {
		link := figure
		if out != "-" {
			if rel, err := filepath.Rel(filepath.Dir(out), figure); err == nil {
				link = filepath.ToSlash(rel)
			}
		}
		opt.Figure = link
	}
	r, err := report.Build(profiles, opt)
	if err != nil {
		return nil, err
	}
	if figure != "" {
		if err := drawReportFigure(r, figure); err != nil {
			return nil, err
		}
	}
	if out == "-" {
		_, err = io.WriteString(w, r.Markdown())
		return r, err
	}
	if err := schema.WriteAtomic(out, func(f io.Writer) error { _, err := io.WriteString(f, r.Markdown()); return err }); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

// drawReportFigure draws the plot command's 4-panel figure of the report r's models (each model's last checkpoint
// when the runs hold several: r.Profiles). The figure reuses the
// report's numbers rather than computing them again: its bands are the report's layer bootstraps, its scaling panel
// draws the report's fit of the runs and, when the report fitted a reference's law (RefFit), that same law beside it;
// a reference the report could not fit is left out of the figure, as the report says why. Prediction targets named
// after registered models are passed to the figure as their sizes and labelled with their names. The fit's warnings
// are not printed: the report states them.
func drawReportFigure(r *report.Report, path string) error {
	opt, s := r.Options, r.Scaling
	popt := plotOptions{
		Y: opt.Y, X: opt.X, Predict: opt.Predict, Resamples: opt.Resamples, Seed: opt.Seed, Confidence: opt.Confidence,
		Bands: r.Bands,
	}
	if s != nil {
		popt.Fit = s.Fit
		if s.Reference != nil && s.RefFit != nil {
			popt.Reference, popt.RefFit = s.Reference.Name, s.RefFit
		}
	}
	fig, _, err := buildFigure(r.Profiles, opt.Sources, popt)
	if err != nil {
		return fmt.Errorf("report: --figure: %w", err)
	}
	if err := fig.Save(path); err != nil {
		return fmt.Errorf("report: --figure: %w", err)
	}
	return nil
}
