package report

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/schema"
)

// writeProvenance lists where the numbers came from: each run file with the model, snapshot and data behind it and
// the scalefit version that wrote it, and the options of this report.
func writeProvenance(p *page, r *Report) {
	o := r.Options
	var items []string
	for i, pr := range r.Profiles {
		s := ""
		if o.Sources != nil {
			s = p.code(o.Sources[i]) + ": "
		}
		s += pr.Name()
		m := pr.Meta
		if id := m[schema.MetaHubID]; id != "" {
			s += " (" + id
			if c := m[schema.MetaCommit]; c != "" {
				s += " at commit " + c
			}
			s += ")"
		}
		if d := m[schema.MetaDataset]; d != "" {
			s += "; data " + d
			if h := m[schema.MetaDatasetSHA256]; h != "" {
				s += " (SHA-256 " + h + ")"
			}
		}
		if dt := m[schema.MetaWeightDType]; dt != "" {
			s += "; weights " + dt
		}
		s += "; written by " + orDash(m[schema.MetaVersion])
		items = append(items, s+".")
	}
	items = append(items, fmt.Sprintf("Report options: y = %s, x = %s, %d bootstrap resamples, %s confidence, seed %d.",
		o.Y, o.X, o.Resamples, textfmt.Level(o.Confidence), o.Seed))
	p.list(items)
}
