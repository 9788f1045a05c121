package cli

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "summary",
		Usage:     "print a run's per-layer gains and its model-level metrics",
		ArgsUsage: "RUN [RUN...]",
		Description: `For each run file: one row per layer with the token-weighted mean gain of every component, then
the model-level metrics of DESIGN.md §5 (the numbers scalefit fit regresses). --json prints the same for machines.`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON instead of tables"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("summary: give at least one run file")
			}
			profiles, err := readProfiles(c.Args().Slice())
			if err != nil {
				return err
			}
			summaries := make([]runSummary, len(profiles))
			for i, p := range profiles {
				summaries[i] = summarize(p)
			}
			if c.Bool("json") {
				if len(summaries) == 1 {
					return writeJSONFile("-", c.App.Writer, summaries[0])
				}
				return writeJSONFile("-", c.App.Writer, summaries)
			}
			for i, s := range summaries {
				if i > 0 {
					fmt.Fprintln(c.App.Writer)
				}
				printSummary(c.App.Writer, s)
			}
			return nil
		},
	})
}

// runSummary is what scalefit summary prints, and its JSON form.
type runSummary struct {
	Model           string                `json:"model"`
	Revision        string                `json:"revision"`
	Architecture    string                `json:"architecture"`
	Backend         string                `json:"backend"`
	NParams         int64                 `json:"n_params"`
	NParamsNonembed int64                 `json:"n_params_nonembed"`
	NLayers         int                   `json:"n_layers"`
	HiddenSize      int                   `json:"hidden_size"`
	Sequences       int                   `json:"sequences"`
	Tokens          float64               `json:"tokens"`
	SkipFirst       string                `json:"skip_first"`
	GELU            string                `json:"gelu"`
	Dataset         string                `json:"dataset"`
	Loss            *float64              `json:"loss"`
	Layers          []layerSummary        `json:"layers"`
	Metrics         map[string]metricJSON `json:"metrics"`
	metricOrder     []string
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

func summarize(p *layers.Profile) runSummary {
	s := runSummary{
		Model: p.Model, Revision: p.Revision, Architecture: p.Architecture, Backend: p.Backend,
		NParams: p.NParams, NParamsNonembed: p.NParamsNonembed, NLayers: p.NLayers, HiddenSize: p.HiddenSize,
		Sequences: p.NSeq(), Tokens: p.TotalTokens(),
		SkipFirst: p.Meta[schema.MetaSkipFirst], GELU: p.Meta[schema.MetaGELU], Dataset: p.Meta[schema.MetaDataset],
		Metrics: map[string]metricJSON{},
	}
	if l, ok := p.Meta[schema.MetaLoss]; ok {
		var v float64
		if _, err := fmt.Sscan(l, &v); err == nil {
			s.Loss = &v
		}
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
	for _, m := range layers.ComputeMetrics(p) {
		mj := metricJSON{Value: finite(m.Value)}
		if m.Layer >= 0 {
			l := m.Layer
			mj.Layer = &l
		}
		s.Metrics[m.Name] = mj
		s.metricOrder = append(s.metricOrder, m.Name)
	}
	return s
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func printSummary(w io.Writer, s runSummary) {
	name := s.Model
	if s.Revision != "" {
		name += "@" + s.Revision
	}
	fmt.Fprintf(w, "%s  (%s, %s parameters, %s non-embedding, %d layers, d=%d)\n", name, s.Architecture,
		textfmt.GroupDigits(s.NParams), textfmt.GroupDigits(s.NParamsNonembed), s.NLayers, s.HiddenSize)
	fmt.Fprintf(w, "%d sequences, %.0f tokens counted, skip_first=%s, gelu=%s, backend %s, input %s\n",
		s.Sequences, s.Tokens, s.SkipFirst, s.GELU, s.Backend, s.Dataset)
	if s.Loss != nil {
		fmt.Fprintf(w, "loss %.4f nats/token\n", *s.Loss)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var comps []string
	for _, c := range schema.Components {
		if _, ok := s.Layers[0].Gains[c]; ok {
			comps = append(comps, c)
		}
	}
	fmt.Fprintf(tw, "layer\tdepth\t%s\t\n", strings.Join(comps, "\t"))
	for _, l := range s.Layers {
		fmt.Fprintf(tw, "%d\t%.3f\t", l.Layer, l.Depth)
		for _, c := range comps {
			fmt.Fprintf(tw, "%s\t", fmtGain(l.Gains[c]))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\tlayer")
	for _, name := range s.metricOrder {
		m := s.Metrics[name]
		layer := ""
		if m.Layer != nil {
			layer = fmt.Sprintf("L%d", *m.Layer)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, fmtGain(m.Value), layer)
	}
	tw.Flush()
}

func fmtGain(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.4f", *v)
}
