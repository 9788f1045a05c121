package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// writePhases writes each model's phase segmentation (layers.SegmentPhases) on one line: the contiguous runs of layers
// with one level of log gain, their number chosen by BIC, each labelled expanding, neutral or contracting.
func writePhases(p *page, segs []*layers.Segmentation) {
	if len(segs) == 0 {
		return
	}
	o := segs[0].Options
	p.para("The %s profile of ln g is cut into contiguous phases of constant level, the number of phases chosen by BIC "+
		"(docs/verdicts.md). A phase %s when its geometric-mean gain is above %s, %s below %s, and is neutral in "+
		"between.", o.Component, p.bold("expands"), textfmt.Gain(o.ExpandAbove), p.bold("contracts"), textfmt.Gain(o.ContractBelow))
	var items []string
	for _, s := range segs {
		items = append(items, s.Model+": "+phaseSentence(s.Phases))
	}
	p.list(items)
}

// phaseSentence lists the phases in order on one line: "4 phases: L0–6 expanding (1.62×) → L7–20 neutral (1.01×) → …".
func phaseSentence(phases []layers.Phase) string {
	parts := make([]string, len(phases))
	for i, ph := range phases {
		parts[i] = fmt.Sprintf("%s %s (%s×)", textfmt.Layers(ph.Start, ph.End), ph.Label, textfmt.Gain(ph.Gain))
	}
	return textfmt.Plural(len(phases), "phase") + ": " + strings.Join(parts, " → ")
}
