package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/schema"
)

// writeHeader writes the title, the untrained-control notice, the set-up table (models, data, measurement settings),
// the definitions of the gains, and the figure link.
func (r *Report) writeHeader(b *strings.Builder) error {
	o := r.Options
	title := o.Title
	if title == "" {
		title = "Sublayer gains of " + joinAnd(r.names())
	}
	fmt.Fprintf(b, "# %s\n\n", title)
	if o.Untrained {
		b.WriteString("> **Untrained controls.** Every model in this report is a random-initialised GPT-NeoX checkpoint " +
			"(scalefit synth, GPT-NeoX's Pythia initialisation): not one training step has been taken. The gains below " +
			"show what the architecture and its initialisation alone do to a token's representation, before any " +
			"learning. They are a baseline to compare trained models against, not a measurement of trained models, " +
			"and the scaling law fitted to them is the size dependence of that baseline.\n\n")
	}
	if diff := r.settingsThatDiffer(); len(diff) > 0 {
		fmt.Fprintf(b, "%s. **Caution:** the runs differ in %s, so comparing them mixes measurement settings.",
			describeModels(len(r.Profiles)), joinAnd(diff))
		b.WriteString("\n\n")
	} else if len(r.Profiles) > 1 {
		fmt.Fprintf(b, "%s, measured on the same inputs with the same settings.\n\n", describeModels(len(r.Profiles)))
	}

	t := textfmt.Table{Header: append([]string{""}, r.names()...), Align: []byte{'l'}}
	for range r.Profiles {
		t.Align = append(t.Align, 'r')
	}
	row := func(label string, f func(i int) string) {
		cells := []string{label}
		for i := range r.Profiles {
			cells = append(cells, f(i))
		}
		t.Add(cells...)
	}
	row("Architecture", func(i int) string { return r.Profiles[i].Architecture })
	row("Parameters", func(i int) string { return textfmt.GroupDigits(r.Profiles[i].NParams) })
	row("Non-embedding parameters", func(i int) string { return textfmt.GroupDigits(r.Profiles[i].NParamsNonembed) })
	row("Layers", func(i int) string { return fmt.Sprint(r.Profiles[i].NLayers) })
	row("Hidden size d", func(i int) string { return fmt.Sprint(r.Profiles[i].HiddenSize) })
	row("Sequences", func(i int) string { return fmt.Sprint(r.Profiles[i].NSeq()) })
	row("Tokens counted", func(i int) string { return textfmt.GroupDigits(int64(r.Profiles[i].TotalTokens())) })
	for _, m := range settingRows {
		row(m.label, func(i int) string { return orDash(r.Profiles[i].Meta[m.key]) })
	}
	if r.anyMeta(schema.MetaLoss) {
		row("Loss (nats/token)", func(i int) string {
			if v, ok := r.Profiles[i].Meta[schema.MetaLoss]; ok {
				var f float64
				if _, err := fmt.Sscan(v, &f); err == nil {
					return fmt.Sprintf("%.4f", f)
				}
			}
			return "—"
		})
	}
	b.WriteString(t.Markdown())
	b.WriteString("\n")

	b.WriteString("**Definitions** (DESIGN.md §3, docs/gains.md). For block ℓ and each counted token, " +
		"`attn` = ‖a_out‖ / ‖a_in‖, where a_in = LN₁(h) is what the attention module receives and a_out what it adds to " +
		"the residual stream (after the dense projection and its bias); `mlp` = ‖m_out‖ / ‖m_in‖ likewise, with " +
		"m_in = LN₂(h) for a parallel residual and LN₂(h + a_out) for a sequential one; `combined` = `attn` × `mlp` for " +
		"the same token, the seed's net column. Norms are L2 over the hidden dimension, accumulated in float64 from " +
		"float32 compute. A layer's gain is the token-weighted mean over sequences, g_ℓ = Σ_s n_s·ḡ_ℓ,s / Σ_s n_s. " +
		"A layer **contracts** when its gain is < 1 and **expands** when it is > 1. ")
	fmt.Fprintf(b, "Every interval is a %s percentile interval from a bootstrap over sequences (%d resamples, seed %d): "+
		"tokens within a sequence are correlated, so sequences are the independent draws. A layer is called "+
		"*significantly* contracting when its whole interval lies below 1.\n\n",
		textfmt.Level(o.Confidence), o.Resamples, o.Seed)
	if o.Figure != "" {
		fmt.Fprintf(b, "![Attention, MLP and combined gain per layer, and the scaling law](%s)\n\n", o.Figure)
	}
	return nil
}

// settingRows are the run metadata shown in the set-up table; they must agree across runs for a clean comparison.
var settingRows = []struct{ label, key string }{
	{"Dataset", schema.MetaDataset},
	{"skip_first", schema.MetaSkipFirst},
	{"GELU", schema.MetaGELU},
	{"Backend", schema.MetaBackend},
}

// settingsThatDiffer names the measurement settings whose values are not the same in every run.
func (r *Report) settingsThatDiffer() []string {
	var out []string
	for _, m := range settingRows {
		if m.key == schema.MetaBackend {
			continue // backends that agree numerically may differ in name and version
		}
		v0 := r.Profiles[0].Meta[m.key]
		for _, p := range r.Profiles[1:] {
			if p.Meta[m.key] != v0 {
				out = append(out, m.label)
				break
			}
		}
	}
	return out
}

func (r *Report) anyMeta(key string) bool {
	for _, p := range r.Profiles {
		if _, ok := p.Meta[key]; ok {
			return true
		}
	}
	return false
}

func describeModels(n int) string {
	if n == 1 {
		return "One model"
	}
	return fmt.Sprintf("%d models", n)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// joinAnd joins words as prose: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
