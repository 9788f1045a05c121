package fit

import (
	"encoding/json"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type familyJSON struct {
	Family string   `json:"architecture"`
	N      int      `json:"n"`
	Models []string `json:"models"`
	Fit    *Result  `json:"fit"` // null when the family has no law
	Note   string   `json:"note,omitempty"`
}

type slopeTestJSON struct {
	Families      []string `json:"architectures"`
	N             int      `json:"n"`
	DF1           int      `json:"df1"`
	DF2           int      `json:"df2"`
	F             fitNum   `json:"f"`
	P             fitNum   `json:"p"`
	RSSFull       fitNum   `json:"rss_separate_slopes"`
	RSSRestricted fitNum   `json:"rss_common_slope"`
	Common        fitNum   `json:"common_exponent"`
	CommonSE      fitNum   `json:"common_exponent_se"`
	CommonCI      Bounds   `json:"common_exponent_ci"`
	Significant   bool     `json:"significant"`
}

type familyResultJSON struct {
	By         string            `json:"by"`
	X          string            `json:"x"`
	Y          string            `json:"y"`
	Form       string            `json:"form"`
	Formula    string            `json:"formula"`
	Weights    string            `json:"weights"`
	Confidence float64           `json:"confidence"`
	Families   []familyJSON      `json:"families"`
	Overlaps   []ExponentOverlap `json:"exponent_intervals"`
	Slopes     *slopeTestJSON    `json:"equal_exponents_test"`
	NoTest     string            `json:"no_test,omitempty"`
	Warnings   []string          `json:"warnings"`
	Notes      []string          `json:"notes"`
}

// MarshalJSON writes the fit by architecture: "families" holds each family's law as a single fit writes it (null
// when it has none), "exponent_intervals" the pairwise overlaps, and "equal_exponents_test" the F test (null when it
// cannot be made, with "no_test" saying why). Undefined numbers are null.
func (fr *FamilyResult) MarshalJSON() ([]byte, error) {
	j := familyResultJSON{By: "architecture", X: fr.X, Y: fr.Y, Form: fr.Form, Formula: fr.Formula(), Weights: fr.Weights,
		Confidence: fr.Confidence, Overlaps: fr.Overlaps, NoTest: fr.NoTest, Warnings: fr.Warnings, Notes: fr.Notes}
	for _, f := range fr.Families {
		j.Families = append(j.Families, familyJSON{Family: f.Family, N: len(f.Models), Models: f.Models, Fit: f.Result, Note: f.Note})
	}
	if s := fr.Slopes; s != nil {
		j.Slopes = &slopeTestJSON{Families: s.Groups, N: s.N, DF1: s.DF1, DF2: s.DF2, F: fitNum(s.F), P: fitNum(s.P),
			RSSFull: fitNum(s.RSSFull), RSSRestricted: fitNum(s.RSSRestricted), Common: fitNum(s.Common),
			CommonSE: fitNum(s.CommonSE), CommonCI: s.CommonCI, Significant: fr.Significant()}
	}
	if j.Overlaps == nil {
		j.Overlaps = []ExponentOverlap{}
	}
	if j.Warnings == nil {
		j.Warnings = []string{}
	}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	return json.Marshal(j)
}

// MarshalJSON writes an overlap as {"a", "b", "relation"}.
func (e ExponentOverlap) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		A        string `json:"a"`
		B        string `json:"b"`
		Relation string `json:"relation"`
	}{e.A, e.B, e.Relation})
}

// The tables of a fit by architecture, as WriteTables writes them: the single fit's tables (see tables.go) with an
// "architecture" column first, one family after another; the parameters table gains the F test's rows and three
// columns for them:
//
//	architecture: utf8 — the family, or "all" for the test's rows
//	p_value: float64 — the F test's p-value on its row (parameter "equal_exponents", method "f-test", estimate F)
//	df1, df2: int64 — its degrees of freedom
//
// and the row parameter "common_exponent", method "t": the shared exponent of the test's restricted model with its t
// interval (N − k − 1 degrees of freedom).
var (
	familyParamsSchema = arrow.NewSchema(append(append([]arrow.Field{{Name: "architecture", Type: arrow.BinaryTypes.String}},
		paramsSchema.Fields()...),
		arrow.Field{Name: "p_value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "df1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "df2", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), nil)
	familyPredsSchema = arrow.NewSchema(append([]arrow.Field{{Name: "architecture", Type: arrow.BinaryTypes.String}},
		predsSchema.Fields()...), nil)
)

// WriteTables writes the parameters table to path and the predictions table to PredictionsPath(path), as Parquet
// (zstd) or Arrow IPC by the extension, each atomically, with meta as their schema metadata.
func (fr *FamilyResult) WriteTables(path string, meta map[string]string) error {
	mem := memory.NewGoAllocator()
	params := fr.ParametersRecord(mem)
	defer params.Release()
	preds := fr.PredictionsRecord(mem)
	defer preds.Release()
	return writeTablePair(path, params, preds, meta)
}

// ParametersRecord builds the parameters table of every family with a law, then the F test's rows. The caller
// releases it.
func (fr *FamilyResult) ParametersRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, familyParamsSchema)
	defer b.Release()
	arch := b.Field(0).(*array.StringBuilder)
	last := len(familyParamsSchema.Fields())
	pv, d1, d2 := b.Field(last-3).(*array.Float64Builder), b.Field(last-2).(*array.Int64Builder), b.Field(last-1).(*array.Int64Builder)
	for _, f := range fr.Families {
		if f.Result == nil {
			continue
		}
		for range appendLabelled(b, f.Family, f.Result, (*Result).appendParameters) {
			pv.AppendNull()
			d1.AppendNull()
			d2.AppendNull()
		}
	}
	if s := fr.Slopes; s != nil {
		r := &Result{X: fr.X, Y: fr.Y, N: s.N, Confidence: fr.Confidence}
		row := func(param, method, interval string, est, se float64, ci Bounds, p float64, df1, df2 int) {
			arch.Append("all")
			r.appendParamRow(b, 1, FormPower, param, method, interval, est, se, ci, nil)
			fitAppendF(pv, p)
			fitAppendI(d1, df1, df1 > 0)
			fitAppendI(d2, df2, df2 > 0)
		}
		row("equal_exponents", "f-test", "", s.F, math.NaN(), undefinedBounds, s.P, s.DF1, s.DF2)
		row("common_exponent", "t", "t", s.Common, s.CommonSE, s.CommonCI, math.NaN(), 0, s.N-len(s.Groups)-1)
	}
	return b.NewRecordBatch()
}

// PredictionsRecord builds the predictions table of every family with a law. The caller releases it.
func (fr *FamilyResult) PredictionsRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, familyPredsSchema)
	defer b.Release()
	for _, f := range fr.Families {
		if f.Result != nil {
			appendLabelled(b, f.Family, f.Result, (*Result).appendPredictions)
		}
	}
	return b.NewRecordBatch()
}
