package export

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// SummaryRow is one row of the summary table: the layer-level gain of one component at one layer of one model, with
// its bootstrap percentile interval.
//
// Gain is the token-weighted mean over the run's sequences (layers.Profile.LayerGain, docs/run-file.md). [GainLo, GainHi] is
// the percentile interval of that mean over resamples of the sequences (layers.Bootstrap); both are NaN, written
// as null, when the run holds a single sequence. NTokens and NSeqs count the tokens and sequences behind Gain. Step is
// the training step that Revision names (schema/revision: step1000 is 1000) when HasStep; a revision without one
// (main, a commit, none) writes it as null.
type SummaryRow struct {
	Model     string
	Revision  string
	NParams   int64
	NLayers   int32
	Layer     int32
	Depth     float64
	Component string
	Gain      float64
	GainLo    float64
	GainHi    float64
	NTokens   int64
	NSeqs     int32
	Step      int64
	HasStep   bool
}

// Summarize returns the summary rows of p: one per (layer, component) for every component the run holds, layer by
// layer in the component order of schema.Components. All components' intervals come from the same resamples.
func Summarize(p *layers.Profile, cfg layers.BootConfig) ([]SummaryRow, error) {
	var comps []string
	for _, c := range schema.Components {
		if p.Has(c) {
			comps = append(comps, c)
		}
	}
	if len(comps) == 0 {
		return nil, fmt.Errorf("summary of %s: the run has no components", p.Name())
	}
	bands, err := layers.Bootstrap(p, comps, cfg)
	if err != nil {
		return nil, err
	}
	step, hasStep := p.Step()
	rows := make([]SummaryRow, 0, p.NLayers*len(comps))
	for l := 0; l < p.NLayers; l++ {
		for _, c := range comps {
			iv := bands.Get(c)[l]
			rows = append(rows, SummaryRow{
				Model: p.Model, Revision: p.Revision, NParams: p.NParams, NLayers: int32(p.NLayers),
				Layer: int32(l), Depth: p.Depth(l), Component: c,
				Gain: iv.Gain, GainLo: iv.Lo, GainHi: iv.Hi,
				NTokens: int64(math.Round(iv.Tokens)), NSeqs: int32(p.NSeq()), Step: step, HasStep: hasStep,
			})
		}
	}
	return rows, nil
}

var summaryFields = []arrow.Field{
	{Name: "model", Type: arrow.BinaryTypes.String},
	{Name: "revision", Type: arrow.BinaryTypes.String},
	{Name: "n_params", Type: arrow.PrimitiveTypes.Int64},
	{Name: "n_layers", Type: arrow.PrimitiveTypes.Int32},
	{Name: "layer", Type: arrow.PrimitiveTypes.Int32},
	{Name: "depth", Type: arrow.PrimitiveTypes.Float64},
	{Name: "component", Type: arrow.BinaryTypes.String},
	{Name: "gain", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gain_lo", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "gain_hi", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "n_tokens", Type: arrow.PrimitiveTypes.Int64},
	{Name: "n_seqs", Type: arrow.PrimitiveTypes.Int32},
	{Name: "step", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}

// SummaryColumns lists the columns of the summary table in order.
func SummaryColumns() []string {
	out := make([]string, len(summaryFields))
	for i, f := range summaryFields {
		out[i] = f.Name
	}
	return out
}

// Metadata keys of an exported summary table, beside the scalefit.version the caller may add.
const (
	MetaResamples  = "scalefit.summary.resamples"
	MetaConfidence = "scalefit.summary.confidence"
	MetaSeed       = "scalefit.summary.seed"
)

// SummaryTable returns rows as a table whose metadata records how the intervals were computed. An undefined bound
// (NaN) is stored as null.
func SummaryTable(rows []SummaryRow, cfg layers.BootConfig) *Table {
	md := arrow.NewMetadata(
		[]string{MetaConfidence, MetaResamples, MetaSeed},
		[]string{strconv.FormatFloat(cfg.Confidence, 'g', -1, 64), strconv.Itoa(cfg.Resamples), strconv.FormatUint(cfg.Seed, 10)},
	)
	sc := arrow.NewSchema(summaryFields, &md)
	t := &Table{Schema: sc}
	mem := memory.NewGoAllocator()
	for start := 0; start < len(rows) || start == 0; start += batchRows {
		end := min(start+batchRows, len(rows))
		b := array.NewRecordBuilder(mem, sc)
		for _, r := range rows[start:end] {
			b.Field(0).(*array.StringBuilder).Append(r.Model)
			b.Field(1).(*array.StringBuilder).Append(r.Revision)
			b.Field(2).(*array.Int64Builder).Append(r.NParams)
			b.Field(3).(*array.Int32Builder).Append(r.NLayers)
			b.Field(4).(*array.Int32Builder).Append(r.Layer)
			b.Field(5).(*array.Float64Builder).Append(r.Depth)
			b.Field(6).(*array.StringBuilder).Append(r.Component)
			b.Field(7).(*array.Float64Builder).Append(r.Gain)
			appendNullable(b.Field(8).(*array.Float64Builder), r.GainLo)
			appendNullable(b.Field(9).(*array.Float64Builder), r.GainHi)
			b.Field(10).(*array.Int64Builder).Append(r.NTokens)
			b.Field(11).(*array.Int32Builder).Append(r.NSeqs)
			if r.HasStep {
				b.Field(12).(*array.Int64Builder).Append(r.Step)
			} else {
				b.Field(12).AppendNull()
			}
		}
		t.Batches = append(t.Batches, b.NewRecordBatch())
		b.Release()
		if end == len(rows) {
			break
		}
	}
	return t
}

func appendNullable(b *array.Float64Builder, v float64) {
	if math.IsNaN(v) {
		b.AppendNull()
	} else {
		b.Append(v)
	}
}
