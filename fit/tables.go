package fit

import (
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scalefit/scalefit/internal/arrowio"
	"github.com/scalefit/scalefit/schema"
)

// The fit's tables. Parquet holds one table per file, so a fit written to fit.parquet puts its parameters there and
// its predictions beside it in fit.predictions.parquet (likewise for .arrow).
//
// Parameters, one row per (form, parameter, method, interval):
//
//	x, y, form, parameter, method, interval: utf8 — parameter is exponent, prefactor, offset, r2, aic or bic;
//	    method is t (the headline), nls (the offset form), or a bootstrap method; interval is t, percentile, basic,
//	    bca, or empty for a point value
//	estimate, se, lo, hi, confidence: float64 (null when undefined)
//	n, resamples, used, degenerate, invalid: int64 (null where they do not apply)
//
// Predictions, one row per prediction target and per leave-one-out model:
//
//	kind (prediction | loo), label, source: utf8
//	x, observed, predicted, ci_lo, ci_hi, pi_lo, pi_hi, boot_lo, boot_hi, log_error, confidence: float64
//	covered: bool (null when the prediction interval does not exist)
var (
	paramsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.BinaryTypes.String}, {Name: "y", Type: arrow.BinaryTypes.String},
		{Name: "form", Type: arrow.BinaryTypes.String}, {Name: "parameter", Type: arrow.BinaryTypes.String},
		{Name: "method", Type: arrow.BinaryTypes.String}, {Name: "interval", Type: arrow.BinaryTypes.String},
		{Name: "estimate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "se", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "lo", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "hi", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "confidence", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "resamples", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "used", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "degenerate", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "invalid", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	predsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "kind", Type: arrow.BinaryTypes.String}, {Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "observed", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "predicted", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ci_lo", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ci_hi", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "pi_lo", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "pi_hi", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "boot_lo", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "boot_hi", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "log_error", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "confidence", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "covered", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
)

// PredictionsPath is where WriteTables puts the predictions table for a parameters file at path:
// "fit.parquet" → "fit.predictions.parquet".
func PredictionsPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".predictions" + ext
}

// WriteTables writes the parameters table to path and the predictions table to PredictionsPath(path), as Parquet
// (zstd) or Arrow IPC by the extension, each atomically. meta becomes the schema metadata of both.
func (r *Result) WriteTables(path string, meta map[string]string) error {
	mem := memory.NewGoAllocator()
	params := r.ParametersRecord(mem)
	defer params.Release()
	preds := r.PredictionsRecord(mem)
	defer preds.Release()
	return writeTablePair(path, params, preds, meta)
}

// writeTablePair writes params to path and preds to PredictionsPath(path) in the format of path's extension.
func writeTablePair(path string, params, preds arrow.RecordBatch, meta map[string]string) error {
	format, err := schema.FormatOf(path)
	if err != nil {
		return err
	}
	if err := fitWriteRecord(path, format, params, meta); err != nil {
		return err
	}
	return fitWriteRecord(PredictionsPath(path), format, preds, meta)
}

func fitWriteRecord(path string, format schema.Format, rec arrow.RecordBatch, meta map[string]string) error {
	keys, vals := make([]string, 0, len(meta)), make([]string, 0, len(meta))
	for k, v := range meta {
		keys, vals = append(keys, k), append(vals, v)
	}
	md := arrow.NewMetadata(keys, vals)
	sc := arrow.NewSchema(rec.Schema().Fields(), &md)
	rec = array.NewRecordBatch(sc, rec.Columns(), rec.NumRows())
	defer rec.Release()
	return schema.WriteAtomic(path, func(w io.Writer) error {
		if format == schema.Parquet {
			return arrowio.WriteParquet(w, sc, rec)
		}
		return arrowio.WriteIPC(w, sc, rec)
	})
}

func fitAppendF(b *array.Float64Builder, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.AppendNull()
		return
	}
	b.Append(v)
}

func fitAppendI(b *array.Int64Builder, v int, ok bool) {
	if !ok {
		b.AppendNull()
		return
	}
	b.Append(int64(v))
}

// ParametersRecord builds the parameters table (see the package's table layout above). The caller releases it.
func (r *Result) ParametersRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, paramsSchema)
	defer b.Release()
	r.appendParameters(b, 0)
	return b.NewRecordBatch()
}

// appendParameters appends the parameters table's rows to b, whose fields from off on are those of paramsSchema.
func (r *Result) appendParameters(b *array.RecordBuilder, off int) {
	row := func(form, param, method, interval string, est, se float64, ci Bounds, bs *Bootstrap) {
		r.appendParamRow(b, off, form, param, method, interval, est, se, ci, bs)
	}
	row(r.Form, "exponent", "t", "t", r.Exponent, r.ExponentSE, r.ExponentCI, nil)
	row(r.Form, "prefactor", "t", "t", r.Prefactor, r.PrefactorSE, r.PrefactorCI, nil)
	row(r.Form, "r2", "", "", r.R2, math.NaN(), undefinedBounds, nil)
	for _, bs := range r.Bootstraps {
		for _, kind := range []string{IntervalPercentile, IntervalBasic, IntervalBCa} {
			row(FormPower, "exponent", bs.Method, kind, bs.Exponent.Estimate, bs.Exponent.SE, bs.Exponent.Pick(kind), bs)
			row(FormPower, "prefactor", bs.Method, kind, math.Exp(bs.Intercept.Estimate), math.NaN(), bs.Intercept.Pick(kind).Exp(), bs)
		}
	}
	if o := r.Offset; o != nil && r.Form != FormOffset {
		q := olsTQuantile(o.DF, r.Confidence)
		row(FormOffset, "exponent", "nls", "t", o.B, o.SE[2], o.ExponentCI(r.Confidence), nil)
		row(FormOffset, "prefactor", "nls", "t", o.A, o.SE[1], Bounds{o.A - q*o.SE[1], o.A + q*o.SE[1]}, nil)
		row(FormOffset, "offset", "nls", "t", o.C, o.SE[0], Bounds{o.C - q*o.SE[0], o.C + q*o.SE[0]}, nil)
	} else if o != nil {
		q := olsTQuantile(o.DF, r.Confidence)
		row(FormOffset, "offset", "nls", "t", o.C, o.SE[0], Bounds{o.C - q*o.SE[0], o.C + q*o.SE[0]}, nil)
	}
	for _, s := range r.Comparison {
		row(s.Form, "aic", "y-scale least squares", "", s.AIC, math.NaN(), undefinedBounds, nil)
		row(s.Form, "bic", "y-scale least squares", "", s.BIC, math.NaN(), undefinedBounds, nil)
	}
}

// appendParamRow appends one row of the parameters table to b, whose fields from off on are those of paramsSchema:
// r's x, y and n, and the confidence when the row has an interval; bs, when not nil, the bootstrap behind the row.
func (r *Result) appendParamRow(b *array.RecordBuilder, off int, form, param, method, interval string, est, se float64, ci Bounds, bs *Bootstrap) {
	str := func(i int, s string) { b.Field(off + i).(*array.StringBuilder).Append(s) }
	f := func(i int, v float64) { fitAppendF(b.Field(off+i).(*array.Float64Builder), v) }
	in := func(i, v int, ok bool) { fitAppendI(b.Field(off+i).(*array.Int64Builder), v, ok) }
	for i, s := range []string{r.X, r.Y, form, param, method, interval} {
		str(i, s)
	}
	f(6, est)
	f(7, se)
	f(8, ci.Lo)
	f(9, ci.Hi)
	conf := r.Confidence
	if interval == "" {
		conf = math.NaN()
	}
	f(10, conf)
	in(11, r.N, true)
	if bs != nil {
		in(12, bs.Resamples, true)
		in(13, bs.Used, true)
		in(14, bs.Degenerate, true)
		in(15, bs.Invalid, true)
	} else {
		for i := 12; i <= 15; i++ {
			in(i, 0, false)
		}
	}
}

// PredictionsRecord builds the predictions table: the prediction targets, then the leave-one-out models. The caller
// releases it.
func (r *Result) PredictionsRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, predsSchema)
	defer b.Release()
	r.appendPredictions(b, 0)
	return b.NewRecordBatch()
}

// appendPredictions appends the predictions table's rows to b, whose fields from off on are those of predsSchema.
func (r *Result) appendPredictions(b *array.RecordBuilder, off int) {
	str := func(i int, s string) { b.Field(off + i).(*array.StringBuilder).Append(s) }
	f := func(i int, v float64) { fitAppendF(b.Field(off+i).(*array.Float64Builder), v) }
	cov := b.Field(off + 14).(*array.BooleanBuilder)
	row := func(kind, label, source string, vals [11]float64, covered *bool) {
		str(0, kind)
		str(1, label)
		str(2, source)
		for i, v := range vals {
			f(3+i, v)
		}
		if covered == nil {
			cov.AppendNull()
		} else {
			cov.Append(*covered)
		}
	}
	nan := math.NaN()
	for _, p := range r.Predictions {
		var c *bool
		row("prediction", p.Label, p.Source, [11]float64{p.X, nan, p.Y, p.CI.Lo, p.CI.Hi, p.PI.Lo, p.PI.Hi, p.Boot.Lo,
			p.Boot.Hi, nan, r.Confidence}, c)
	}
	for _, l := range r.LOO {
		row("loo", l.Model, "leave-one-out", [11]float64{l.X, l.Y, l.Predicted, nan, nan, l.PI.Lo, l.PI.Hi, nan, nan,
			l.LogError, r.Confidence}, l.Covered)
	}
}
