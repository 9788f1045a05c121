package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/schema"
)

// writeProvenance lists where the numbers came from: the run files, the scalefit versions that wrote them, and the
// options of this report.
func (r *Report) writeProvenance(b *strings.Builder) error {
	o := r.Options
	b.WriteString("## Provenance\n\n")
	for i, p := range r.Profiles {
		src := ""
		if o.Sources != nil {
			src = fmt.Sprintf("`%s`: ", o.Sources[i])
		}
		fmt.Fprintf(b, "- %s%s, written by %s.\n", src, p.Name(), orDash(p.Meta[schema.MetaVersion]))
	}
	fmt.Fprintf(b, "- Report options: y = %s, x = %s, %d bootstrap resamples, %s confidence, seed %d.\n",
		o.Y, o.X, o.Resamples, textfmt.Level(o.Confidence), o.Seed)
	return nil
}
