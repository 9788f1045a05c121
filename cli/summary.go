package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "summary",
		Usage:     "print a run's per-layer gains, its model-level metrics and how it was made",
		ArgsUsage: "RUN [RUN...]",
		Description: `For each run file: the model and how it was measured (its provenance: snapshot commit, dataset and
its SHA-256, sequence length, weight dtype, tokenizer; docs/run-file.md), one row per layer with the token-weighted
mean gain of every component, then the model-level metrics (the numbers scalefit fit regresses; docs/gains.md).
Runs are ordered by parameter count, then revision (--keep-order keeps yours). --json prints the same for machines:
always a JSON array with one object per run. Examples:

   scalefit summary runs/pythia-1.4b.parquet
   scalefit summary runs/*.parquet --json | jq '.[].metrics.final_mlp_gain.value'`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON to stdout instead of tables: an array with one object per run"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "also write the JSON to `FILE`"},
			keepOrderFlag,
		},
		Action: func(c *ucli.Context) error {
			if err := prepareOut(c.String("out")); err != nil {
				return fmt.Errorf("summary: %w", err)
			}
			profiles, paths, err := readRuns(c)
			if err != nil {
				return err
			}
			summaries := make([]runSummary, len(profiles))
			for i, p := range profiles {
				summaries[i] = summarize(p, paths[i])
			}
			if out := c.String("out"); out != "" {
				if err := writeJSONFile(out, c.App.Writer, summaries); err != nil {
					return fmt.Errorf("summary: --out %s: %w", out, err)
				}
			}
			if c.Bool("json") {
				return writeJSONFile("-", c.App.Writer, summaries)
			}
			width := outputWidth(c.App.Writer)
			for i, s := range summaries {
				if i > 0 {
					fmt.Fprintln(c.App.Writer)
				}
				printSummary(c.App.Writer, s, width)
			}
			return nil
		},
	})
}

// runSummary is what scalefit summary prints, and its JSON form. Numbers are JSON numbers, absent values null.
type runSummary struct {
	File            string                `json:"file"`
	Model           string                `json:"model"`
	Revision        string                `json:"revision"`
	Architecture    string                `json:"architecture"`
	Backend         string                `json:"backend"`
	NParams         int64                 `json:"n_params"`
	NParamsNonembed int64                 `json:"n_params_nonembed"`
	NLayers         int                   `json:"n_layers"`
	HiddenSize      int                   `json:"hidden_size"`
	Sequences       int                   `json:"sequences"`
	Tokens          int64                 `json:"tokens"`
	SkipFirst       *int64                `json:"skip_first"`
	GELU            string                `json:"gelu"`
	Dataset         string                `json:"dataset"`
	Loss            *float64              `json:"loss"`
	Provenance      provenance            `json:"provenance"`
	Layers          []layerSummary        `json:"layers"`
	Metrics         map[string]metricJSON `json:"metrics"`
	metricOrder     []string
}

// provenance is what a run file records about how it was made (docs/run-file.md), typed.
type provenance struct {
	HubID           string `json:"hub_id"`
	Revision        string `json:"revision"`
	Commit          string `json:"commit"`
	WeightDType     string `json:"weight_dtype"`
	Dataset         string `json:"dataset"`
	DatasetSHA256   string `json:"dataset_sha256"`
	SeqLen          *int64 `json:"seq_len"`
	MaxTokens       *int64 `json:"max_tokens"`
	Tokenizer       string `json:"tokenizer"`
	TokenizerSHA256 string `json:"tokenizer_sha256"`
	Synthetic       bool   `json:"synthetic"`
	Backend         string `json:"backend"`
	Version         string `json:"version"`
	Time            string `json:"time"`
}

type layerSummary struct {
	Layer int                 `json:"layer"`
	Depth float64             `json:"depth"`
	Gains map[string]*float64 `json:"gains"`
}

type metricJSON struct {
	Value *float64 `json:"value"`
	Layer *int     `json:"layer"`
}

func summarize(p *layers.Profile, file string) runSummary {
	m := p.Meta
	s := runSummary{
		File: file, Model: p.Model, Revision: p.Revision, Architecture: p.Architecture, Backend: p.Backend,
		NParams: p.NParams, NParamsNonembed: p.NParamsNonembed, NLayers: p.NLayers, HiddenSize: p.HiddenSize,
		Sequences: p.NSeq(), Tokens: int64(p.TotalTokens()),
		SkipFirst: metaInt(m, schema.MetaSkipFirst), GELU: m[schema.MetaGELU], Dataset: m[schema.MetaDataset],
		Loss:    metaFloat(m, schema.MetaLoss),
		Metrics: map[string]metricJSON{},
		Provenance: provenance{
			HubID: m[schema.MetaHubID], Revision: m[schema.MetaRevision], Commit: m[schema.MetaCommit],
			WeightDType: m[schema.MetaWeightDType], Dataset: m[schema.MetaDataset], DatasetSHA256: m[schema.MetaDatasetSHA256],
			SeqLen: metaInt(m, schema.MetaSeqLen), MaxTokens: metaInt(m, schema.MetaMaxTokens),
			Tokenizer: m[schema.MetaTokenizer], TokenizerSHA256: m[schema.MetaTokenizerSHA256],
			Synthetic: m[schema.MetaSynthetic] == "true", Backend: m[schema.MetaBackend], Version: m[schema.MetaVersion],
			Time: m[schema.MetaTime],
		},
	}
	gains := map[string][]float64{}
	for _, c := range schema.Components {
		if p.Has(c) {
			gains[c] = p.LayerGains(c, nil)
		}
	}
	for l := 0; l < p.NLayers; l++ {
		ls := layerSummary{Layer: l, Depth: p.Depth(l), Gains: map[string]*float64{}}
		for c, g := range gains {
			ls.Gains[c] = finite(g[l])
		}
		s.Layers = append(s.Layers, ls)
	}
	for _, mv := range layers.ComputeMetrics(p) {
		mj := metricJSON{Value: finite(mv.Value)}
		if mv.Layer >= 0 {
			l := mv.Layer
			mj.Layer = &l
		}
		s.Metrics[mv.Name] = mj
		s.metricOrder = append(s.metricOrder, mv.Name)
	}
	return s
}

// metaInt reads an integer metadata value, or nil when it is absent or not an integer.
func metaInt(m map[string]string, key string) *int64 {
	v, err := strconv.ParseInt(m[key], 10, 64)
	if err != nil {
		return nil
	}
	return &v
}

// metaFloat reads a number metadata value, or nil when it is absent or not a finite number.
func metaFloat(m map[string]string, key string) *float64 {
	v, err := strconv.ParseFloat(m[key], 64)
	if err != nil {
		return nil
	}
	return finite(v)
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func printSummary(w io.Writer, s runSummary, width int) {
	name := s.Model
	if s.Revision != "" {
		name += "@" + s.Revision
	}
	fmt.Fprintf(w, "%s  (%s, %s parameters, %s non-embedding, %s, d = %d)\n", name, s.Architecture,
		textfmt.GroupDigits(s.NParams), textfmt.GroupDigits(s.NParamsNonembed), textfmt.Plural(s.NLayers, "layer"), s.HiddenSize)
	fmt.Fprintf(w, "%s, %s counted\n", textfmt.Plural(s.Sequences, "sequence"), textfmt.Plural(int(s.Tokens), "token"))
	for _, line := range provenanceLines(s) {
		fmt.Fprintln(w, textfmt.Wrap(line, width, 2))
	}
	fmt.Fprintln(w)
	var comps []string
	for _, c := range schema.Components {
		if _, ok := s.Layers[0].Gains[c]; ok {
			comps = append(comps, c)
		}
	}
	t := textfmt.Table{Header: append([]string{"layer", "depth"}, comps...)}
	for _, l := range s.Layers {
		row := []string{strconv.Itoa(l.Layer), fmt.Sprintf("%.3f", l.Depth)}
		for _, c := range comps {
			row = append(row, summaryGain(l.Gains[c]))
		}
		t.Add(row...)
	}
	fmt.Fprint(w, t.TextWidth(width))
	fmt.Fprintln(w)
	mt := textfmt.Table{Header: []string{"metric", "value", "layer"}}
	for _, name := range s.metricOrder {
		m := s.Metrics[name]
		layer := ""
		if m.Layer != nil {
			layer = fmt.Sprintf("L%d", *m.Layer)
		}
		mt.Add(name, summaryGain(m.Value), layer)
	}
	fmt.Fprint(w, mt.TextWidth(width))
}

// provenanceLines says how the run was made, one line per topic, leaving out what the file does not record.
func provenanceLines(s runSummary) []string {
	p := s.Provenance
	var out []string
	model := "model: "
	switch {
	case p.HubID != "":
		model += p.HubID
		if p.Revision != "" {
			model += " revision " + p.Revision
		}
		if p.Commit != "" {
			model += " at commit " + p.Commit
		}
	default:
		model += s.Model + " (a local directory)"
	}
	if p.Synthetic {
		model += ", an untrained scalefit synth control"
	}
	if p.WeightDType != "" {
		model += "; weights " + p.WeightDType
	}
	out = append(out, model)
	data := "data: " + orUnknown(p.Dataset)
	if p.DatasetSHA256 != "" {
		data += " (SHA-256 " + p.DatasetSHA256 + ")"
	}
	if p.SeqLen != nil {
		data += fmt.Sprintf(", windows of %d tokens", *p.SeqLen)
	}
	if p.MaxTokens != nil && *p.MaxTokens > 0 {
		data += fmt.Sprintf(", capped at %s tokens", textfmt.GroupDigits(*p.MaxTokens))
	}
	if p.Tokenizer != "" {
		data += "; tokenizer " + p.Tokenizer
		if p.TokenizerSHA256 != "" {
			data += " (SHA-256 " + p.TokenizerSHA256 + ")"
		}
	}
	out = append(out, data)
	settings := "measured: skip_first "
	if s.SkipFirst != nil {
		settings += strconv.FormatInt(*s.SkipFirst, 10)
	} else {
		settings += "unknown"
	}
	settings += ", GELU " + orUnknown(s.GELU) + ", backend " + orUnknown(p.Backend)
	if s.Loss != nil {
		settings += fmt.Sprintf(", loss %.4f nats/token", *s.Loss)
	}
	out = append(out, settings)
	written := "written by " + orUnknown(p.Version)
	if p.Time != "" {
		written += " at " + p.Time
	}
	if s.File != "" {
		written += " to " + s.File
	}
	return append(out, written)
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

func summaryGain(v *float64) string {
	if v == nil {
		return textfmt.Dash
	}
	return fmt.Sprintf("%.4f", *v)
}
