package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// writeSummary writes the executive summary: the seed note's five predictions per model with their verdicts, and the
// significance of each from the layer bootstrap (layers.Judge).
func (r *Report) writeSummary(b *strings.Builder) error {
	v := r.Verdicts
	b.WriteString("## Executive summary\n\n")
	fmt.Fprintf(b, "The seed note's five predictions, evaluated on each model. A prediction is **universal** when it holds "+
		"in every model, **scale-dependent** when it holds in some, and **fails** when it holds in none. \"Mostly\" means "+
		"at least %s of the layers; net expansion means a combined gain above %s.\n\n",
		textfmt.Level(v.Options.Mostly), textfmt.Gain(1+v.Options.NetTolerance))
	b.WriteString(renderVerdicts(v, true))
	if v.Resamples > 0 {
		b.WriteString("\nA verdict is *robust* when it still stands after every layer gain is replaced by the least " +
			"favourable end of its interval.\n\n")
	} else {
		b.WriteString("\nEvery run holds a single sequence, so there are no layer intervals: these verdicts rest on the " +
			"point estimates alone.\n\n")
	}
	return nil
}
