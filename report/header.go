package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// writeTitle writes the first heading and, for untrained controls, a one-paragraph notice.
func writeTitle(p *page, r *Report) {
	title := r.Options.Title
	if title == "" {
		title = "Sublayer gains of " + joinAnd(r.names())
	}
	p.heading(1, title)
	if r.Options.Untrained {
		p.para("> %s Every model here is a random-initialised checkpoint (scalefit synth, with Pythia's "+
			"initialisation) that has not taken one training step: a baseline to compare trained models against.",
			p.bold("Untrained controls."))
	}
}

// writeSetup writes what was measured: one column per model for what differs between models (sizes, sequences,
// tokens), the measurement settings once when every run shares them (and per model, with a caution, when they
// differ), the definitions of the gains, and the figure.
func writeSetup(p *page, r *Report) {
	o := r.Options
	t := textfmt.Table{Header: append([]string{""}, r.names()...), Align: []byte{'l'}}
	for range r.Profiles {
		t.Align = append(t.Align, 'r')
	}
	row := func(label string, f func(pr *layers.Profile) string) {
		cells := []string{label}
		for _, pr := range r.Profiles {
			cells = append(cells, f(pr))
		}
		t.Add(cells...)
	}
	row("Parameters", func(pr *layers.Profile) string { return textfmt.GroupDigits(pr.NParams) })
	row("Layers × hidden size", func(pr *layers.Profile) string { return fmt.Sprintf("%d × %d", pr.NLayers, pr.HiddenSize) })
	row("Sequences, tokens counted", func(pr *layers.Profile) string {
		return fmt.Sprintf("%d, %s", pr.NSeq(), textfmt.GroupDigits(int64(pr.TotalTokens())))
	})
	if r.anyMeta(schema.MetaLoss) {
		row("Loss (nats/token)", func(pr *layers.Profile) string {
			if v, err := strconv.ParseFloat(pr.Meta[schema.MetaLoss], 64); err == nil {
				return fmt.Sprintf("%.4f", v)
			}
			return textfmt.Dash
		})
	}
	same, differ := r.settings()
	for _, s := range settingRows {
		if differ[s.label] {
			row(s.label, func(pr *layers.Profile) string { return orDash(s.value(pr)) })
		}
	}
	p.table(t)
	var shared []string
	for _, s := range same {
		shared = append(shared, lowerFirst(s.label)+" "+p.code(s.value(r.Profiles[0])))
	}
	if len(shared) > 0 {
		who := "All runs"
		if len(r.Profiles) == 1 {
			who = "The run"
		}
		p.para("%s: %s.", who, strings.Join(shared, ", "))
	}
	if diff := r.settingsThatDiffer(); len(diff) > 0 {
		p.para("%s the runs differ in %s, so comparing them mixes measurement settings.", p.bold("Caution:"), joinAnd(diff))
	}
	p.para("%s For block ℓ and each counted token, attn = ‖a_out‖ / ‖a_in‖ with a_in what the attention module "+
		"receives (after its layer norm) and a_out what it returns; mlp likewise for the MLP; combined = attn × mlp for "+
		"the same token. A layer's gain is the token-weighted mean over sequences; it %s when below 1 and %s when above "+
		"(docs/gains.md). Intervals are %s percentile intervals from a bootstrap over sequences (%d resamples, seed %d), "+
		"since tokens within a sequence are correlated.",
		p.bold("Definitions."), p.bold("contracts"), p.bold("expands"), textfmt.Level(o.Confidence), o.Resamples, o.Seed)
	if o.Figure != "" && p.md {
		p.para("![Attention, MLP and combined gain per layer, and the scaling law](%s)", o.Figure)
	}
}

// settingRow is a measurement setting read from a run's metadata; runs compared side by side should share it.
type settingRow struct {
	label string
	value func(pr *layers.Profile) string
	// informational settings (the backend) may differ without a caution: backends agree numerically.
	informational bool
}

func metaSetting(label, key string) settingRow {
	return settingRow{label: label, value: func(pr *layers.Profile) string { return pr.Meta[key] }}
}

// settingRows are the run metadata shown in the set-up, in order.
var settingRows = []settingRow{
	metaSetting("Dataset", schema.MetaDataset),
	{label: "Dataset SHA-256", value: func(pr *layers.Profile) string { return shortHash(pr.Meta[schema.MetaDatasetSHA256]) }},
	metaSetting("skip_first", schema.MetaSkipFirst),
	metaSetting("GELU", schema.MetaGELU),
	{label: "Tokenizer SHA-256", value: func(pr *layers.Profile) string { return shortHash(pr.Meta[schema.MetaTokenizerSHA256]) }},
	metaSetting("BOS", schema.MetaBOS),
	{label: "Backend", value: func(pr *layers.Profile) string { return pr.Meta[schema.MetaBackend] }, informational: true},
}

// settings splits the setting rows into those every run shares (and has) and those that differ between runs.
func (r *Report) settings() (same []settingRow, differ map[string]bool) {
	differ = map[string]bool{}
	for _, s := range settingRows {
		v0 := s.value(r.Profiles[0])
		d := false
		for _, pr := range r.Profiles[1:] {
			d = d || s.value(pr) != v0
		}
		switch {
		case d:
			differ[s.label] = true
		case v0 != "":
			same = append(same, s)
		}
	}
	return same, differ
}

// settingsThatDiffer names the measurement settings whose values are not the same in every run.
func (r *Report) settingsThatDiffer() []string {
	_, differ := r.settings()
	var out []string
	for _, s := range settingRows {
		if differ[s.label] && !s.informational {
			out = append(out, s.label)
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

func orDash(s string) string {
	if s == "" {
		return textfmt.Dash
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

// shortHash shortens a hex digest to its first 12 digits for a table; the provenance section gives it whole.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
