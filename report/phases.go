package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// writePhases writes each model's phase segmentation (layers.SegmentPhases): the contiguous runs of layers with one
// level of log gain, their number chosen by BIC, each labelled expanding, neutral or contracting.
func (r *Report) writePhases(b *strings.Builder) error {
	if len(r.Phases) == 0 {
		return nil
	}
	o := r.Phases[0].Options
	fmt.Fprintf(b, "## Phases of the %s gain\n\n", o.Component)
	fmt.Fprintf(b, "The layer profile of ln g is split into contiguous phases of constant level by exact dynamic "+
		"programming on the squared error, with the number of phases chosen by BIC (each phase costs a mean and a "+
		"breakpoint). A phase is *expanding* when its geometric-mean gain is above %s, *contracting* below %s, and "+
		"*neutral* in between.\n\n", textfmt.Gain(o.ExpandAbove), textfmt.Gain(o.ContractBelow))
	for _, seg := range r.Phases {
		fmt.Fprintf(b, "### %s\n\n", seg.Model)
		b.WriteString(phaseSentence(seg.Phases))
		b.WriteString("\n\n")
		b.WriteString(phasesMarkdown(seg))
		b.WriteString("\n")
	}
	return nil
}

// phaseSentence lists the phases in order on one line: "4 phases: L0–6 expanding (1.62×) → L7–20 neutral (1.01×) → …".
func phaseSentence(phases []layers.Phase) string {
	parts := make([]string, len(phases))
	for i, ph := range phases {
		layers := fmt.Sprintf("L%d–%d", ph.Start, ph.End)
		if ph.Start == ph.End {
			layers = fmt.Sprintf("L%d", ph.Start)
		}
		parts[i] = fmt.Sprintf("%s %s (%s×)", layers, ph.Label, textfmt.Gain(ph.Gain))
	}
	noun := "phases"
	if len(phases) == 1 {
		noun = "phase"
	}
	return fmt.Sprintf("%d %s: %s.", len(phases), noun, strings.Join(parts, " → "))
}
