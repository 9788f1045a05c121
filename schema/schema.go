// Package schema defines the run file: the Arrow schema of the per-(layer, component, sequence) gain rows that every
// backend produces, the schema metadata that records how a run was made, and reading and writing those rows as
// Parquet (zstd) or Arrow IPC files.
//
// The columns and metadata keys are documented in docs/run-file.md. A row summarises the per-token gains of one component of one layer
// over the counted tokens of one input sequence.
package schema

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Component names one gain component of docs/gains.md, as the component column spells it.
type Component string

// The gain components, each a ratio of per-token L2 norms (docs/gains.md).
const (
	ComponentAttn      Component = "attn"       // ‖a_out‖ / ‖a_in‖: what the attention module does to its input
	ComponentMLP       Component = "mlp"        // ‖m_out‖ / ‖m_in‖: what the MLP module does to its input
	ComponentCombined  Component = "combined"   // attn × mlp, per token
	ComponentAttnResid Component = "attn_resid" // ‖a_add‖ / ‖h‖: the attention update against the stream
	ComponentMLPResid  Component = "mlp_resid"  // ‖m_add‖ / ‖m_res‖: the MLP update against the stream it reads
	ComponentBlock     Component = "block"      // ‖h′‖ / ‖h‖: growth of the residual stream through the block
)

// Components are the names of the gain components, in the order backends emit them for a layer.
var Components = []string{string(ComponentAttn), string(ComponentMLP), string(ComponentCombined),
	string(ComponentAttnResid), string(ComponentMLPResid), string(ComponentBlock)}

// Row is one row of a run file.
type Row struct {
	Model           string
	Revision        string
	Architecture    string
	Backend         string
	NParams         int64
	NParamsNonembed int64
	NLayers         int32
	HiddenSize      int32
	Layer           int32
	Depth           float64
	Component       string
	Seq             int32
	NTokens         int32
	GainMean        float64
	GainStd         float64 // population standard deviation over the tokens (ddof = 0)
	GainMin         float64
	GainMax         float64
	NormInMean      float64
	NormOutMean     float64
}

// Metadata keys stored in the Arrow schema metadata (and the Parquet key-value metadata).
const (
	MetaConfig    = "scalefit.config"     // the model's config.json, verbatim
	MetaTokenizer = "scalefit.tokenizer"  // where the token ids came from: the model id or tokenizer file name, or "token ids"
	MetaDataset   = "scalefit.dataset"    // the input file's name or the embedded corpus ("corpus:mixed")
	MetaSkipFirst = "scalefit.skip_first" // decimal integer
	MetaGELU      = "scalefit.gelu"       // "erf" or "tanh"
	MetaBackend   = "scalefit.backend"    // backend name and version
	MetaVersion   = "scalefit.version"    // scalefit version that wrote the file
	MetaTime      = "scalefit.time"       // RFC 3339 time the run finished
	MetaLoss      = "scalefit.loss"       // mean next-token cross-entropy in nats, when --loss was given

	// Provenance: enough to run the same measurement again (docs/run-file.md).
	MetaHubID           = "scalefit.hub_id"           // the Hugging Face repo id, when the model came from the HF cache
	MetaRevision        = "scalefit.revision"         // the revision asked for (branch, tag or commit), when any
	MetaCommit          = "scalefit.commit"           // the full commit hash of the cached snapshot that was loaded
	MetaWeightDType     = "scalefit.weight_dtype"     // storage dtype of the weights: F32, F16 or BF16 (a list if mixed)
	MetaDatasetSHA256   = "scalefit.dataset_sha256"   // SHA-256 of the input file's bytes, or of the embedded corpus text
	MetaSeqLen          = "scalefit.seq_len"          // window length in tokens for text inputs (absent for --tokens)
	MetaMaxTokens       = "scalefit.max_tokens"       // cap on the total tokens; 0 when there is none
	MetaTokenizerSHA256 = "scalefit.tokenizer_sha256" // SHA-256 of the tokenizer.json used (absent for --tokens)
	MetaSynthetic       = "scalefit.synthetic"        // "true" for a scalefit synth checkpoint (an untrained control)

	// MetaBOS records the special tokens that begin every sequence, as the tokenizer's post-processor puts them
	// there: comma-separated decimal ids ("2" for Gemma's <bos>, "128000" for Llama-3's <|begin_of_text|>), "none"
	// when the sequences start without them (text encoded with --no-special-tokens, a tokenizer that adds none
	// such as GPT-2's, token ids without them), or "unknown" for token ids when the model has no tokenizer.json
	// that scalefit reads. Gemma's gains without its BOS are meaningless.
	MetaBOS = "scalefit.bos"

	// MetaOptionsHash is set by `scalefit sweep`: the SHA-256 (hex) of everything in the plan that changes the
	// run's numbers, which tells a finished task from one whose options have changed since it ran.
	MetaOptionsHash = "scalefit.options_hash"
)

// Run is a whole run file in memory: its metadata and its rows.
type Run struct {
	Meta map[string]string
	Rows []Row
}

// Arrow returns the Arrow schema of a run file carrying meta as its schema metadata.
func Arrow(meta map[string]string) *arrow.Schema {
	keys := make([]string, 0, len(meta))
	vals := make([]string, 0, len(meta))
	for _, k := range sortedKeys(meta) {
		keys = append(keys, k)
		vals = append(vals, meta[k])
	}
	md := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(fields, &md)
}

var fields = []arrow.Field{
	{Name: "model", Type: arrow.BinaryTypes.String},
	{Name: "revision", Type: arrow.BinaryTypes.String},
	{Name: "architecture", Type: arrow.BinaryTypes.String},
	{Name: "backend", Type: arrow.BinaryTypes.String},
	{Name: "n_params", Type: arrow.PrimitiveTypes.Int64},
	{Name: "n_params_nonembed", Type: arrow.PrimitiveTypes.Int64},
	{Name: "n_layers", Type: arrow.PrimitiveTypes.Int32},
	{Name: "hidden_size", Type: arrow.PrimitiveTypes.Int32},
	{Name: "layer", Type: arrow.PrimitiveTypes.Int32},
	{Name: "depth", Type: arrow.PrimitiveTypes.Float64},
	{Name: "component", Type: arrow.BinaryTypes.String},
	{Name: "seq", Type: arrow.PrimitiveTypes.Int32},
	{Name: "n_tokens", Type: arrow.PrimitiveTypes.Int32},
	{Name: "gain_mean", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gain_std", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gain_min", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gain_max", Type: arrow.PrimitiveTypes.Float64},
	{Name: "norm_in_mean", Type: arrow.PrimitiveTypes.Float64},
	{Name: "norm_out_mean", Type: arrow.PrimitiveTypes.Float64},
}

// ColumnNames lists the run-file columns in order.
func ColumnNames() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

// NewRecordBatch builds one record batch holding rows. The caller releases it.
func NewRecordBatch(mem memory.Allocator, sc *arrow.Schema, rows []Row) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for i := range rows {
		r := &rows[i]
		b.Field(0).(*array.StringBuilder).Append(r.Model)
		b.Field(1).(*array.StringBuilder).Append(r.Revision)
		b.Field(2).(*array.StringBuilder).Append(r.Architecture)
		b.Field(3).(*array.StringBuilder).Append(r.Backend)
		b.Field(4).(*array.Int64Builder).Append(r.NParams)
		b.Field(5).(*array.Int64Builder).Append(r.NParamsNonembed)
		b.Field(6).(*array.Int32Builder).Append(r.NLayers)
		b.Field(7).(*array.Int32Builder).Append(r.HiddenSize)
		b.Field(8).(*array.Int32Builder).Append(r.Layer)
		b.Field(9).(*array.Float64Builder).Append(r.Depth)
		b.Field(10).(*array.StringBuilder).Append(r.Component)
		b.Field(11).(*array.Int32Builder).Append(r.Seq)
		b.Field(12).(*array.Int32Builder).Append(r.NTokens)
		b.Field(13).(*array.Float64Builder).Append(r.GainMean)
		b.Field(14).(*array.Float64Builder).Append(r.GainStd)
		b.Field(15).(*array.Float64Builder).Append(r.GainMin)
		b.Field(16).(*array.Float64Builder).Append(r.GainMax)
		b.Field(17).(*array.Float64Builder).Append(r.NormInMean)
		b.Field(18).(*array.Float64Builder).Append(r.NormOutMean)
	}
	return b.NewRecordBatch()
}

// RowsFromRecord appends the rows of rec to dst. It checks the columns by name and type, so a file written by another
// tool with the same columns in another order still reads.
func RowsFromRecord(dst []Row, rec arrow.RecordBatch) ([]Row, error) {
	sc := rec.Schema()
	col := make([]arrow.Array, len(fields))
	for i, f := range fields {
		idx := sc.FieldIndices(f.Name)
		if len(idx) == 0 {
			return dst, fmt.Errorf("missing column %q", f.Name)
		}
		c := rec.Column(idx[0])
		if !arrow.TypeEqual(c.DataType(), f.Type) {
			return dst, fmt.Errorf("column %q has type %s, want %s", f.Name, c.DataType(), f.Type)
		}
		if c.NullN() > 0 {
			return dst, fmt.Errorf("column %q has %d nulls", f.Name, c.NullN())
		}
		col[i] = c
	}
	str := func(i int) *array.String { return col[i].(*array.String) }
	i64 := func(i int) *array.Int64 { return col[i].(*array.Int64) }
	i32 := func(i int) *array.Int32 { return col[i].(*array.Int32) }
	f64 := func(i int) *array.Float64 { return col[i].(*array.Float64) }
	dst = slices.Grow(dst, int(rec.NumRows()))
	for j := 0; j < int(rec.NumRows()); j++ {
		dst = append(dst, Row{
			Model:           str(0).Value(j),
			Revision:        str(1).Value(j),
			Architecture:    str(2).Value(j),
			Backend:         str(3).Value(j),
			NParams:         i64(4).Value(j),
			NParamsNonembed: i64(5).Value(j),
			NLayers:         i32(6).Value(j),
			HiddenSize:      i32(7).Value(j),
			Layer:           i32(8).Value(j),
			Depth:           f64(9).Value(j),
			Component:       str(10).Value(j),
			Seq:             i32(11).Value(j),
			NTokens:         i32(12).Value(j),
			GainMean:        f64(13).Value(j),
			GainStd:         f64(14).Value(j),
			GainMin:         f64(15).Value(j),
			GainMax:         f64(16).Value(j),
			NormInMean:      f64(17).Value(j),
			NormOutMean:     f64(18).Value(j),
		})
	}
	return dst, nil
}
