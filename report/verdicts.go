package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
)

// SeedNote says what "the seed note" is, in a clause for its first mention in an output.
const SeedNote = "the study of Pythia-1.4B and Pythia-6.9B that scalefit grew from, which found the final-layer MLP " +
	"gain growing as params^0.35"

// predictionComponent is the component each prediction reads, for the cell of a run that lacks it.
var predictionComponent = map[string]string{
	layers.PredAttnContracts: "attn", layers.PredMLPMostly: "mlp", layers.PredLastMLPExpands: "mlp",
	layers.PredLastMLPMax: "mlp", layers.PredNetOnlyLast: "combined",
}

// writeVerdicts writes the verdict table: one row per prediction, one cell per model holding the verdict and its
// evidence, with the layer-bootstrap significance folded in, then a column across models, and a legend that says
// once what the marks mean.
func writeVerdicts(p *page, v *layers.Verdicts) {
	multi := len(v.Models) > 1
	t := textfmt.Table{Header: append([]string{"Prediction"}, v.Models...)}
	if multi {
		t.Header = append(t.Header, "Across models")
	}
	for _, pr := range v.Predictions {
		row := []string{pr.Prediction}
		for _, m := range pr.Models {
			row = append(row, verdictCell(pr, m, v.Options))
		}
		if multi {
			row = append(row, acrossModels(pr))
		}
		t.Add(row...)
	}
	p.table(t)

	var legend []string
	legend = append(legend, "Each cell is the verdict on the measured layer gains and the count or value behind it.")
	var without []string
	boot := false
	for i, name := range v.Models {
		has := false
		for _, pr := range v.Predictions {
			has = has || pr.Models[i].Bootstrapped
		}
		if has {
			boot = true
		} else {
			without = append(without, name)
		}
	}
	if boot {
		legend = append(legend, fmt.Sprintf("† robust: the verdict still stands when every layer gain is replaced by "+
			"the least favourable end of its %s interval (a bootstrap over sequences, %d resamples).",
			textfmt.Level(v.Confidence), v.Resamples))
		legend = append(legend, "sig.: layers whose interval lies wholly on that side of 1; [lo, hi]: the interval.")
	}
	switch {
	case !boot:
		legend = append(legend, "No layer intervals, so no verdict carries a significance: they rest on the point "+
			"estimates alone.")
	case len(without) > 0:
		legend = append(legend, fmt.Sprintf("%s %s a single sequence, so no interval: %s rest on the point "+
			"estimates alone.", joinAnd(without), map[bool]string{true: "holds", false: "hold"}[len(without) == 1],
			map[bool]string{true: "its verdicts", false: "their verdicts"}[len(without) == 1]))
	}
	if multi {
		legend = append(legend, "Across models: universal when the prediction holds in every model, scale-dependent "+
			"when in some, fails when in none.")
	}
	p.para("%s", strings.Join(legend, " "))
}

// verdictCell is one model's verdict on one prediction, as "holds†: 24/24 contract (24 sig.)".
func verdictCell(pr layers.Verdict, m layers.ModelVerdict, o layers.VerdictOptions) string {
	if !m.Applicable {
		return "n/a (no " + predictionComponent[pr.ID] + " rows)"
	}
	word := "fails"
	if m.Holds {
		word = "holds"
	}
	if m.Bootstrapped && m.Robust {
		word += "†"
	}
	return word + ": " + verdictEvidence(pr.ID, m, o)
}

// verdictEvidence is the count or value behind a verdict, with its significance when the run was bootstrapped.
func verdictEvidence(id string, m layers.ModelVerdict, o layers.VerdictOptions) string {
	switch id {
	case layers.PredAttnContracts, layers.PredMLPMostly:
		s := fmt.Sprintf("%d/%d contract", m.Count, m.Layers)
		if m.Bootstrapped {
			s += fmt.Sprintf(" (%d sig.)", m.Significant)
			if m.Opposite > 0 {
				s += fmt.Sprintf(", %d sig. expand", m.Opposite)
			}
		}
		return s
	case layers.PredLastMLPExpands:
		s := fmt.Sprintf("L%d %s×", m.Layer, textfmt.Gain(m.Value))
		if m.Interval != nil {
			s += " " + textfmt.Interval(m.Interval.Lo, m.Interval.Hi, textfmt.Gain)
		}
		return s
	case layers.PredLastMLPMax:
		var s string
		if m.Holds {
			s = fmt.Sprintf("L%d, %s× the next", m.Layer, textfmt.Gain(m.Value))
		} else {
			s = fmt.Sprintf("max at L%d", m.Layer)
		}
		if m.Interval != nil && m.Rival != nil {
			switch m.Relation {
			case layers.RelationAbove:
				s += "; CI above all others"
			case layers.RelationBelow:
				s += fmt.Sprintf("; L%d's CI lies below L%d's", m.Interval.Layer, m.Rival.Layer)
			default:
				s += fmt.Sprintf("; L%d's CI overlaps L%d's", m.Interval.Layer, m.Rival.Layer)
			}
		}
		return s
	case layers.PredNetOnlyLast:
		if m.Count == 0 {
			return "no layer expands net"
		}
		s := layerRanges(m.At) + " expand net"
		if m.Count == 1 {
			s = layerRanges(m.At) + " expands net"
		}
		if m.Early > 0 {
			last := "the last layer"
			if o.LastLayers > 1 {
				last = fmt.Sprintf("the last %d", o.LastLayers)
			}
			s += fmt.Sprintf(", %d before %s", m.Early, last)
			if m.Bootstrapped {
				s += fmt.Sprintf(" (%d sig.)", m.EarlySignificant)
			}
		}
		return s
	}
	return ""
}

// acrossModels is the status of a prediction over the models, with the models it holds in when it is
// scale-dependent and the trend of its quantity in size.
func acrossModels(pr layers.Verdict) string {
	s := pr.Status
	if pr.Status == layers.StatusScaleDependent {
		var in []string
		for _, m := range pr.Models {
			if m.Applicable && m.Holds {
				in = append(in, m.Model)
			}
		}
		s += ": holds in " + joinAnd(in)
	}
	if pr.Trend == "" {
		return s
	}
	var vals []string
	for _, m := range layers.ByParams(pr.Models) {
		vals = append(vals, trendValue(pr.ID, m.Value))
	}
	words := map[string]string{layers.TrendRises: "rises with size", layers.TrendFalls: "falls with size",
		layers.TrendFlat: "is the same at every size", layers.TrendMixed: "has no monotone trend in size"}[pr.Trend]
	return fmt.Sprintf("%s; %s %s (%s)", s, pr.TrendOf, words, strings.Join(vals, " → "))
}

// trendValue formats the quantity a prediction's trend follows: a share for the counting predictions, a gain ratio
// for the others.
func trendValue(id string, v float64) string {
	switch id {
	case layers.PredLastMLPExpands, layers.PredLastMLPMax:
		return textfmt.Gain(v) + "×"
	}
	return textfmt.Percent(v)
}

// layerRanges writes sorted layers as compact ranges: "L0–4, L31".
func layerRanges(ls []int) string {
	var parts []string
	for i := 0; i < len(ls); {
		j := i
		for j+1 < len(ls) && ls[j+1] == ls[j]+1 {
			j++
		}
		parts = append(parts, textfmt.Layers(ls[i], ls[j]))
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
