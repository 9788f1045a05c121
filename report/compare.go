package report

import (
	"strings"
)

// writeComparison writes the seed's §1 tables (layers.Compare): for attention, MLP and combined gains, the counts of
// contracting and expanding layers, the extremes with their layers and normalised depths layer/(L − 1), the last
// layer and L*, model beside model with the change from each model to the next.
func (r *Report) writeComparison(b *strings.Builder) error {
	c := r.Analysis.Comparison
	b.WriteString("## Cross-model comparison\n\n")
	if len(r.Profiles) > 1 {
		b.WriteString("Models in the order given. Depth is layer/(L − 1), so models of different depth line up; each Change " +
			"column compares a model with the one before it (pp: percentage points).\n\n")
	} else {
		b.WriteString("Depth is layer/(L − 1), so models of different depth line up.\n\n")
	}
	b.WriteString(renderComparison(c, true))
	b.WriteString("\n")
	return nil
}
