package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/schema"
)

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
