package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// writeLayers writes one table per model: every layer's attn, mlp and combined gain with its bootstrap interval, and a
// mark where the interval lies wholly on one side of 1.
func (r *Report) writeLayers(b *strings.Builder) error {
	b.WriteString("## Layer-wise gains\n\n")
	fmt.Fprintf(b, "Each cell is the layer gain and its %s interval. ▼ marks an interval wholly below 1 (the layer "+
		"contracts significantly), ▲ one wholly above 1 (it expands significantly); an unmarked cell is not "+
		"distinguishable from 1 at this confidence.\n\n", textfmt.Level(r.Options.Confidence))
	for i, p := range r.Profiles {
		fmt.Fprintf(b, "### %s\n\n", p.Name())
		bands := r.Bands[i]
		b.WriteString(r.layerSentence(i))
		b.WriteString("\n\n")
		t := textfmt.Table{Header: []string{"Layer", "Depth"}, Align: []byte{'r', 'r'}}
		for _, c := range layers.Components {
			t.Header = append(t.Header, c)
			t.Align = append(t.Align, 'l')
		}
		for l := 0; l < p.NLayers; l++ {
			cells := []string{fmt.Sprintf("L%d", l), fmt.Sprintf("%.2f", p.Depth(l))}
			for _, c := range layers.Components {
				cells = append(cells, fmtCell(bands.Get(c)[l]))
			}
			t.Add(cells...)
		}
		b.WriteString(t.Markdown())
		b.WriteString("\n")
	}
	return nil
}

// fmtCell writes a layer gain with its interval and significance mark: "0.330 [0.312, 0.351] ▼".
func fmtCell(iv layers.Interval) string {
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

// layerSentence summarises model i's profile in one paragraph: how many layers of each component contract, how many
// of them significantly, and where the extremes are.
func (r *Report) layerSentence(i int) string {
	p := r.Profiles[i]
	n := p.NLayers
	var parts []string
	for _, c := range layers.Components {
		ivs := r.Bands[i].Get(c)
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
		s := fmt.Sprintf("**%s**: %d/%d contract", c, below, n)
		if r.Bands[i].NSeq > 1 {
			s += fmt.Sprintf(", %d significantly; %d expand significantly", sigBelow, sigAbove)
		}
		s += fmt.Sprintf("; min %s (L%d), max %s (L%d), last %s.", textfmt.Gain(ivs[lo].Gain), lo, textfmt.Gain(ivs[hi].Gain), hi, textfmt.Gain(ivs[n-1].Gain))
		parts = append(parts, s)
	}
	if r.Bands[i].NSeq < 2 {
		parts = append(parts, "The run holds a single sequence, so no interval can be computed.")
	}
	return strings.Join(parts, " ")
}
