package cli

import (
	"fmt"
	"io"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/fit"
	"github.com/scalefit/scalefit/report"
)

// fitByAction is fit --by: one law per architecture family (fit.ByArchitecture), written to --out and printed as
// fitAction prints a single law. A family too small for a law is among the warnings.
func fitByAction(c *ucli.Context, pts []fit.Point, opts fit.Options, outs []string) error {
	fr, err := fit.ByArchitecture(pts, opts)
	if err != nil {
		return fmt.Errorf("fit: --by architecture: %w", err)
	}
	desc := fmt.Sprintf("by=architecture y=%s x=%s form=%s weights=%s confidence=%g seed=%d",
		fr.Y, fr.X, fr.Form, fr.Weights, fr.Confidence, opts.Seed)
	return writeFitResult(c, outs, fitOutput{fr, fr, fr.Warnings, desc, func(w io.Writer, width int) error {
		return report.WriteFitByText(w, fr, width)
	}})
}
