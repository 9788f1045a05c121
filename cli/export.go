package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/export"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

func init() {
	register(&ucli.Command{
		Name:      "export",
		Usage:     "write runs, or a per-layer summary of them, as Parquet, Arrow, CSV or JSON Lines",
		ArgsUsage: "RUN [RUN...]",
		Description: `Without --summary, writes the per-sequence rows of the runs as they are (every column of a run
file), one run after another; the model column tells them apart. With --summary, writes one row per (model, layer,
component): the token-weighted mean gain with its bootstrap percentile interval (gain_lo, gain_hi; empty or null
when a run has a single sequence), n_tokens, n_seqs and the training step the revision names (stepN; empty for
main). Run arguments may be directories, as a sweep writes them. The format follows the --out extension unless --format
names one; --out - writes CSV or JSON Lines to stdout. Examples:

   scalefit export runs/*.parquet --out rows.csv
   scalefit export runs/*.parquet --summary --out layers.parquet
   scalefit export sweep-out/ --summary --out checkpoints.parquet
   scalefit export runs/p160m.parquet --summary --format jsonl --out - | head`,
		Flags: append([]ucli.Flag{
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "file to write, or - for stdout (csv or jsonl)"},
			&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "parquet, arrow, csv or jsonl (default: from the --out extension; csv for stdout)"},
			&ucli.BoolFlag{Name: "summary", Usage: "one row per (model, layer, component) with a bootstrap interval, instead of the raw rows"},
			keepOrderFlag,
		}, bootstrapFlags("bootstrap resamples of the sequences for gain_lo and gain_hi (--summary)")...),
		Action: func(c *ucli.Context) error {
			paths := c.Args().Slice()
			if len(paths) == 0 {
				return usagef("export: give at least one run file (see scalefit help export)")
			}
			out := c.String("out")
			format, err := exportFormat(out, c.String("format"))
			if err != nil {
				return usagef("export: %w", err)
			}
			if err := prepareOut(out); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if err := checkOutputs(c.App.ErrWriter, runInputs(paths), output{"--out", out}); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			var tab *export.Table
			if c.Bool("summary") {
				cfg := layers.BootConfig{Resamples: c.Int("resamples"), Confidence: c.Float64("confidence"), Seed: c.Uint64("seed")}
				profiles, _, err := readRuns(c)
				if err != nil {
					return err
				}
				var rows []export.SummaryRow
				for _, p := range profiles {
					r, err := export.Summarize(p, cfg)
					if err != nil {
						return fmt.Errorf("export: %w", err)
					}
					rows = append(rows, r...)
				}
				tab = export.SummaryTable(rows, cfg)
			} else {
				runs, _, err := readRawRuns(paths)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				tab = export.RunsTable(runs)
			}
			defer tab.Release()
			if err := tab.WriteFile(out, c.App.Writer, format); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if out != "-" {
				fmt.Fprintf(c.App.Writer, "wrote %s (%s, %s)\n", out, format, textfmt.Plural(int(tab.NumRows()), "row"))
			}
			return nil
		},
	})
}

// exportFormat is the format named by --format, or else the one out's extension names; stdout defaults to CSV.
func exportFormat(out, name string) (export.Format, error) {
	switch {
	case name != "":
		return export.ParseFormat(name)
	case out == "-":
		return export.CSV, nil
	}
	return export.FormatOf(out)
}
