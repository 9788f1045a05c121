package cli

import (
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/report"
	"github.com/scalefit/scalefit/schema"
)

// fitByAction is fit --by: one law per architecture family (fit.ByArchitecture), written to --out and printed as
// fitAction prints a single law.
func fitByAction(c *ucli.Context, pts []fit.Point, opts fit.Options, outs []string) error {
	if by := c.String("by"); by != "architecture" {
		return usagef("fit: --by %q: want architecture", by)
	}
	if strings.TrimSpace(c.String("bootstrap")) == "auto" {
		// Each family runs the bootstraps its own points allow.
		opts.Bootstrap = []string{fit.BootstrapAuto}
	}
	fr, err := fit.ByArchitecture(pts, opts)
	if err != nil {
		return fmt.Errorf("fit: --by architecture: %w", err)
	}
	for _, out := range outs {
		var err error
		if strings.HasSuffix(strings.ToLower(out), ".json") {
			err = writeJSONFile(out, c.App.Writer, fr)
		} else {
			meta := map[string]string{
				schema.MetaVersion: "scalefit " + Version,
				schema.MetaTime:    time.Now().UTC().Format(time.RFC3339),
				"scalefit.fit": fmt.Sprintf("by=architecture y=%s x=%s form=%s weights=%s confidence=%g seed=%d",
					fr.Y, fr.X, fr.Form, fr.Weights, fr.Confidence, opts.Seed),
			}
			err = fr.WriteTables(out, meta)
		}
		if err != nil {
			return fmt.Errorf("fit: --out %s: %w", out, err)
		}
	}
	if c.Bool("json") {
		// The text would show the warnings (a family too small for a law among them); with JSON on stdout they go
		// to stderr as well as into the JSON.
		for _, w := range fr.Warnings {
			fmt.Fprintf(c.App.ErrWriter, "scalefit: fit: warning: %s\n", w)
		}
		return writeJSONFile("-", c.App.Writer, fr)
	}
	if err := report.WriteFitByText(c.App.Writer, fr, outputWidth(c.App.Writer)); err != nil {
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
