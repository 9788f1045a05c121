package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// writeLayerTables writes one table per model: every layer's attn, mlp and combined gain with its bootstrap interval,
// and a mark where the interval lies wholly on one side of 1.
func writeLayerTables(p *page, r *Report) {
	p.para("Each cell is the layer gain and its %s interval. ▼ marks an interval wholly below 1 (the layer contracts "+
		"significantly), ▲ one wholly above 1 (it expands significantly); an unmarked cell is not distinguishable from "+
		"1 at this confidence.", textfmt.Level(r.Options.Confidence))
	for i, prof := range r.Profiles {
		// In markdown each model's table folds away (GitHub shows the summary line), so that the report stays short
		// to read; the sentence above the table says what it holds.
		if p.md {
			fmt.Fprintf(&p.b, "<details><summary>%s: %s</summary>\n\n", prof.Name(), textfmt.Plural(prof.NLayers, "layer"))
		} else {
			p.heading(3, prof.Name())
		}
		p.para("%s", layerSentence(p, prof, r.Bands[i]))
		t := textfmt.Table{Header: []string{"Layer", "Depth"}, Align: []byte{'r', 'r'}}
		for _, c := range layers.Components {
			t.Header = append(t.Header, c)
			t.Align = append(t.Align, 'l')
		}
		for l := 0; l < prof.NLayers; l++ {
			cells := []string{fmt.Sprintf("L%d", l), fmt.Sprintf("%.2f", prof.Depth(l))}
			for _, c := range layers.Components {
				cells = append(cells, layerCell(r.Bands[i].Get(c)[l]))
			}
			t.Add(cells...)
		}
		p.table(t)
		if p.md {
			p.b.WriteString("</details>\n\n")
		}
	}
}

// layerCell writes a layer gain with its interval and significance mark: "0.330 [0.312, 0.351] ▼".
func layerCell(iv layers.Interval) string {
	s := textfmt.Gain(iv.Gain)
	if !iv.Defined() {
		return s
	}
	s += " " + textfmt.Interval(iv.Lo, iv.Hi, textfmt.Gain)
	switch {
	case iv.Below(1):
		s += " ▼"
	case iv.Above(1):
		s += " ▲"
	}
	return s
}

// layerSentence summarises one model's profile: how many layers of each component contract, how many of them
// significantly, and where the extremes are.
func layerSentence(p *page, prof *layers.Profile, bands *layers.Bands) string {
	n := prof.NLayers
	var parts []string
	for _, c := range layers.Components {
		ivs := bands.Get(c)
		below, sigBelow, sigAbove := 0, 0, 0
		lo, hi := 0, 0
		for l, iv := range ivs {
			if iv.Gain < 1 {
				below++
			}
			if iv.Below(1) {
				sigBelow++
			}
			if iv.Above(1) {
				sigAbove++
			}
			if iv.Gain < ivs[lo].Gain {
				lo = l
			}
			if iv.Gain > ivs[hi].Gain {
				hi = l
			}
		}
		s := fmt.Sprintf("%s: %d/%d contract", p.bold(c), below, n)
		if bands.NSeq > 1 {
			s += fmt.Sprintf(", %d significantly; %d expand%s significantly", sigBelow, sigAbove, map[bool]string{true: "s", false: ""}[sigAbove == 1])
		}
		s += fmt.Sprintf("; min %s (L%d), max %s (L%d), last %s.", textfmt.Gain(ivs[lo].Gain), lo, textfmt.Gain(ivs[hi].Gain), hi, textfmt.Gain(ivs[n-1].Gain))
		parts = append(parts, s)
	}
	if bands.NSeq < 2 {
		parts = append(parts, "The run holds a single sequence, so no interval can be computed.")
	}
	return strings.Join(parts, " ")
}
