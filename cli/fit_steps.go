package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/report"
	"github.com/scalefit/scalefit/schema"
)

// fitSteps is fit --x step: one law y = a·step^b per model, over that model's checkpoints among the run files.
func fitSteps(c *ucli.Context, metric layers.Metric, outs []string) error {
	if len(c.StringSlice("points")) > 0 || c.String("reference") != "" {
		return usagef("fit: --x step fits the checkpoints of run files; --points and --reference hold no training steps")
	}
	if c.Args().Len() == 0 {
		return usagef("fit: --x step: give the run files of a model's checkpoints, or the directory of a sweep (see scalefit help fit)")
	}
	ps, srcs, err := readRuns(c)
	if err != nil {
		return err
	}
	// A step is no model: --predict takes numbers of steps only.
	targets, err := fit.ParseTargets(splitList(c.StringSlice("predict")), nil)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	opts := fit.GroupOptions{Options: fit.Options{
		Form: c.String("form"), Weights: c.String("weights"), Confidence: c.Float64("confidence"),
		Bootstrap: bootstrapMethods(c), Interval: c.String("interval"), Resamples: c.Int("resamples"),
		Seed: c.Uint64("seed"), Targets: targets,
	}}
	g, err := fit.StepLaws(ps, srcs, metric, opts)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if g.Fitted() == 0 {
		var why []string
		for _, l := range g.Laws {
			why = append(why, l.Group+": "+l.NoFit)
		}
		return fmt.Errorf("fit: --x step: no model has two checkpoints at steps above 0 to fit a law to (%s)", strings.Join(why, "; "))
	}
	var warnings []string
	for _, l := range g.Laws {
		if l.Fit != nil {
			for _, w := range l.Fit.Warnings {
				warnings = append(warnings, l.Group+": "+w)
			}
		}
	}
	desc := fmt.Sprintf("y=%s x=step by=model form=%s weights=%s confidence=%g seed=%d", metric.Name, opts.Form, opts.Weights, opts.Confidence, opts.Seed)
	return writeFitResult(c, outs, fitOutput{g, g, warnings, desc, func(w io.Writer, width int) error { return report.WriteGroupedFitText(w, g, width) }})
}

// fitOutput is what fit writes of a result: its JSON, its tables, the warnings that go to standard error beside
// JSON on standard output, the options recorded in the tables' metadata, and its text.
type fitOutput struct {
	json   any
	tables interface {
		WriteTables(path string, meta map[string]string) error
	}
	warnings []string
	desc     string
	text     func(w io.Writer, width int) error
}

// writeFitResult writes r to every --out file (.json, or .parquet/.arrow tables), then prints it: as JSON with
// --json, else as text followed by the files written.
func writeFitResult(c *ucli.Context, outs []string, r fitOutput) error {
	for _, out := range outs {
		var err error
		if strings.HasSuffix(strings.ToLower(out), ".json") {
			err = writeJSONFile(out, c.App.Writer, r.json)
		} else {
			err = r.tables.WriteTables(out, map[string]string{
				schema.MetaVersion: "scalefit " + Version,
				schema.MetaTime:    time.Now().UTC().Format(time.RFC3339),
				"scalefit.fit":     r.desc,
			})
		}
		if err != nil {
			return fmt.Errorf("fit: --out %s: %w", out, err)
		}
	}
	if c.Bool("json") {
		// The tables would show the warnings; with JSON on stdout they go to stderr as well as into the JSON.
		for _, w := range r.warnings {
			fmt.Fprintf(c.App.ErrWriter, "scalefit: fit: warning: %s\n", w)
		}
		return writeJSONFile("-", c.App.Writer, r.json)
	}
	if err := r.text(c.App.Writer, outputWidth(c.App.Writer)); err != nil {
		return err
	}
	for _, out := range outs {
		if strings.HasSuffix(strings.ToLower(out), ".json") {
			fmt.Fprintf(c.App.Writer, "wrote %s\n", out)
		} else {
			fmt.Fprintf(c.App.Writer, "wrote %s and %s\n", out, fit.PredictionsPath(out))
		}
	}
	return nil
}
