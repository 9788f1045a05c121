package report

import (
	"github.com/scalefit/scalefit/layers"
)

// CompareText is the compare command's output for the analysis a, as plain text wrapped at width columns (0: no
// limit): the verdicts on the seed note's predictions with their significance, the comparison tables and the phases,
// the same sections as the report's.
func CompareText(a *layers.Analysis, width int) string {
	p := &page{width: width}
	p.heading(2, "Verdicts on the seed note's predictions")
	p.para("The five predictions of the seed note (%s).", SeedNote)
	writeVerdicts(p, a.Verdicts)
	p.heading(2, "Cross-model comparison")
	writeComparison(p, a.Comparison)
	if len(a.Phases) > 0 {
		p.heading(2, "Phases of the "+a.Phases[0].Component+" gain")
		writePhases(p, a.Phases)
	}
	return p.String()
}
