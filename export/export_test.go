package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// synthRun builds a run of nLayers × 3 components × nSeq rows with gains that differ per layer, component and
// sequence, and token counts that differ per sequence, so a token-weighted mean differs from a plain one.
func synthRun(model string, nParams int64, nLayers, nSeq int) *schema.Run {
	run := &schema.Run{Meta: map[string]string{schema.MetaDataset: "synthetic", schema.MetaGELU: "erf", schema.MetaConfig: `{"model":"` + model + `"}`}}
	for l := 0; l < nLayers; l++ {
		for ci, c := range []string{"attn", "mlp", "combined"} {
			for s := 0; s < nSeq; s++ {
				g := 0.1 + 0.37*float64(ci+1) + 0.05*float64(l) + 0.013*float64((s*7+l*3)%5) + 1/3.0
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Architecture: "gpt_neox", Backend: "cpu", NParams: nParams, NParamsNonembed: nParams / 2,
					NLayers: int32(nLayers), HiddenSize: 64, Layer: int32(l), Depth: float64(l) / float64(max(nLayers-1, 1)),
					Component: c, Seq: int32(s), NTokens: int32(10 + 3*s), GainMean: g, GainStd: g / 7, GainMin: g / 2,
					GainMax: g * 1.5, NormInMean: 1.1 + float64(s), NormOutMean: g * (1.1 + float64(s)),
				})
			}
		}
	}
	return run
}

func writeTable(t *testing.T, tab *Table, format Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tab.Write(&buf, format); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rowFromCSV parses one CSV record of the run-file columns back into a schema.Row.
func rowFromCSV(t *testing.T, rec []string) schema.Row {
	t.Helper()
	i64 := func(s string) int64 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f64 := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return schema.Row{
		Model: rec[0], Revision: rec[1], Architecture: rec[2], Backend: rec[3], NParams: i64(rec[4]),
		NParamsNonembed: i64(rec[5]), NLayers: int32(i64(rec[6])), HiddenSize: int32(i64(rec[7])), Layer: int32(i64(rec[8])),
		Depth: f64(rec[9]), Component: rec[10], Seq: int32(i64(rec[11])), NTokens: int32(i64(rec[12])),
		GainMean: f64(rec[13]), GainStd: f64(rec[14]), GainMin: f64(rec[15]), GainMax: f64(rec[16]),
		NormInMean: f64(rec[17]), NormOutMean: f64(rec[18]),
	}
}

func TestRowsCSVRoundTrip(t *testing.T) {
	runs := []*schema.Run{synthRun("m-small", 1000, 3, 4), synthRun("m-big", 5000, 5, 2)}
	data := writeTable(t, RunsTable(runs), CSV)
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	if got, want := strings.Join(recs[0], ","), strings.Join(schema.ColumnNames(), ","); got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	want := append(append([]schema.Row(nil), runs[0].Rows...), runs[1].Rows...)
	if len(recs)-1 != len(want) {
		t.Fatalf("%d data rows, want %d", len(recs)-1, len(want))
	}
	for i, rec := range recs[1:] {
		if got := rowFromCSV(t, rec); got != want[i] {
			t.Fatalf("row %d reads back as %+v, want %+v", i, got, want[i])
		}
	}
}

func TestRowsJSONL(t *testing.T) {
	run := synthRun("m", 1000, 2, 3)
	data := writeTable(t, RunsTable([]*schema.Run{run}), JSONL)
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %d does not parse: %v", n+1, err)
		}
		if len(obj) != len(schema.ColumnNames()) {
			t.Fatalf("line %d has %d keys, want %d", n+1, len(obj), len(schema.ColumnNames()))
		}
		r := run.Rows[n]
		if obj["model"] != r.Model || obj["component"] != r.Component || obj["gain_mean"] != r.GainMean ||
			obj["n_params"] != float64(r.NParams) || obj["layer"] != float64(r.Layer) {
			t.Fatalf("line %d = %v, want row %+v", n+1, obj, r)
		}
		n++
	}
	if n != len(run.Rows) {
		t.Fatalf("%d lines, want %d", n, len(run.Rows))
	}
	// Columns come in table order, not sorted.
	first := string(data[:bytes.IndexByte(data, '\n')])
	if !strings.HasPrefix(first, `{"model":"m","revision":"","architecture":"gpt_neox",`) {
		t.Errorf("first line %s: columns out of order", first)
	}
}

// TestRowsBinaryRoundTrip writes one run as Parquet and as Arrow and reads it back with schema.Read: an export of a
// single run is again a run file, metadata included.
func TestRowsBinaryRoundTrip(t *testing.T) {
	run := synthRun("m", 1000, 3, 3)
	for _, ext := range []string{".parquet", ".arrow"} {
		path := filepath.Join(t.TempDir(), "rows"+ext)
		format, _ := FormatOf(path)
		if err := RunsTable([]*schema.Run{run}).WriteFile(path, nil, format); err != nil {
			t.Fatal(err)
		}
		back, err := schema.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Rows) != len(run.Rows) {
			t.Fatalf("%s: %d rows, want %d", ext, len(back.Rows), len(run.Rows))
		}
		for i := range run.Rows {
			if back.Rows[i] != run.Rows[i] {
				t.Fatalf("%s: row %d = %+v, want %+v", ext, i, back.Rows[i], run.Rows[i])
			}
		}
		for k, v := range run.Meta {
			if back.Meta[k] != v {
				t.Errorf("%s: meta %s = %q, want %q", ext, k, back.Meta[k], v)
			}
		}
	}
}

// TestRowsMetaOfSeveralRuns keeps only the metadata the runs agree on.
func TestRowsMetaOfSeveralRuns(t *testing.T) {
	a, b := synthRun("a", 1, 1, 1), synthRun("b", 2, 1, 1)
	md := RunsTable([]*schema.Run{a, b}).Schema.Metadata()
	if v, ok := md.GetValue(schema.MetaDataset); !ok || v != "synthetic" {
		t.Errorf("shared dataset metadata lost: %q, %v", v, ok)
	}
	if _, ok := md.GetValue(schema.MetaConfig); ok {
		t.Error("config metadata differs between the runs but was kept")
	}
}

// layerGainByHand is the token-weighted mean of gain_mean over the sequences of (layer, component), computed from the
// rows directly (docs/run-file.md), independently of fit.
func layerGainByHand(run *schema.Run, layer int, component string) (gain float64, tokens int64) {
	var num, den float64
	for _, r := range run.Rows {
		if int(r.Layer) == layer && r.Component == component {
			num += float64(r.NTokens) * r.GainMean
			den += float64(r.NTokens)
		}
	}
	return num / den, int64(den)
}

func TestSummary(t *testing.T) {
	run := synthRun("m", 1234, 4, 6)
	p, err := layers.NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	cfg := layers.BootConfig{Resamples: 300, Confidence: 0.9, Seed: 11}
	rows, err := Summarize(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4*3 {
		t.Fatalf("%d rows, want 12", len(rows))
	}
	gains := map[string][]float64{}
	ivs := map[string][]layers.Interval{}
	for _, c := range []string{"attn", "mlp", "combined"} {
		gains[c] = p.LayerGains(c, nil)
		ivs[c] = layers.Intervals(p, c, cfg.Resamples, cfg.Confidence, cfg.Seed)
	}
	for _, r := range rows {
		hand, tokens := layerGainByHand(run, int(r.Layer), r.Component)
		if math.Abs(r.Gain-hand) > 1e-14*hand {
			t.Errorf("layer %d %s: gain %v, by hand %v", r.Layer, r.Component, r.Gain, hand)
		}
		if r.Gain != gains[r.Component][r.Layer] {
			t.Errorf("layer %d %s: gain %v, Profile.LayerGains %v", r.Layer, r.Component, r.Gain, gains[r.Component][r.Layer])
		}
		iv := ivs[r.Component][r.Layer]
		if r.GainLo != iv.Lo || r.GainHi != iv.Hi {
			t.Errorf("layer %d %s: interval [%v, %v], layers.Intervals [%v, %v]", r.Layer, r.Component, r.GainLo, r.GainHi, iv.Lo, iv.Hi)
		}
		if !(r.GainLo < r.Gain && r.Gain < r.GainHi) {
			t.Errorf("layer %d %s: interval [%v, %v] does not surround %v", r.Layer, r.Component, r.GainLo, r.GainHi, r.Gain)
		}
		if r.NTokens != tokens || r.NSeqs != 6 || r.NParams != 1234 || r.NLayers != 4 || r.Depth != float64(r.Layer)/3 {
			t.Errorf("layer %d %s: counts %+v", r.Layer, r.Component, r)
		}
	}

	// The CSV of the summary reads back to the same numbers, exactly.
	data := writeTable(t, SummaryTable(rows, cfg), CSV)
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(recs[0], ","), strings.Join(SummaryColumns(), ","); got != want {
		t.Fatalf("header %s, want %s", got, want)
	}
	for i, rec := range recs[1:] {
		r := rows[i]
		for j, want := range []float64{r.Depth, r.Gain, r.GainLo, r.GainHi} {
			got, err := strconv.ParseFloat(rec[[]int{5, 7, 8, 9}[j]], 64)
			if err != nil || got != want {
				t.Fatalf("row %d: %v read back as %v (%v)", i, want, got, err)
			}
		}
		if rec[0] != r.Model || rec[6] != r.Component || rec[4] != strconv.Itoa(int(r.Layer)) || rec[10] != strconv.FormatInt(r.NTokens, 10) {
			t.Fatalf("row %d: %v, want %+v", i, rec, r)
		}
	}
}

// TestSummarySingleSequence: with one sequence the interval is undefined, which CSV writes as an empty field, JSON
// Lines as null, and Parquet as a null.
func TestSummarySingleSequence(t *testing.T) {
	p, err := layers.NewProfile(synthRun("one", 10, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	cfg := layers.BootConfig{Resamples: 50, Confidence: 0.95, Seed: 1}
	rows, err := Summarize(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tab := SummaryTable(rows, cfg)

	recs, err := csv.NewReader(bytes.NewReader(writeTable(t, tab, CSV))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][8] != "" || recs[1][9] != "" || recs[1][7] == "" {
		t.Errorf("csv row %v: want empty gain_lo and gain_hi, a gain", recs[1])
	}

	line, _, _ := bytes.Cut(writeTable(t, tab, JSONL), []byte("\n"))
	var obj map[string]any
	if err := json.Unmarshal(line, &obj); err != nil {
		t.Fatal(err)
	}
	if v, ok := obj["gain_lo"]; !ok || v != nil {
		t.Errorf("jsonl gain_lo = %v (present %v), want null", v, ok)
	}
	if obj["gain"] != rows[0].Gain {
		t.Errorf("jsonl gain = %v, want %v", obj["gain"], rows[0].Gain)
	}

	path := filepath.Join(t.TempDir(), "s.parquet")
	if err := tab.WriteFile(path, nil, Parquet); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != int64(len(rows)) || tbl.NumCols() != int64(len(SummaryColumns())) {
		t.Fatalf("parquet table %d×%d, want %d×%d", tbl.NumRows(), tbl.NumCols(), len(rows), len(SummaryColumns()))
	}
	lo := tbl.Column(8).Data().Chunk(0)
	if lo.NullN() != len(rows) {
		t.Errorf("parquet gain_lo has %d nulls, want %d", lo.NullN(), len(rows))
	}
	gain := tbl.Column(7).Data().Chunk(0).(*array.Float64)
	for i, r := range rows {
		if gain.Value(i) != r.Gain {
			t.Errorf("parquet gain[%d] = %v, want %v", i, gain.Value(i), r.Gain)
		}
	}
	sc, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sc.Metadata().GetValue(MetaResamples); !ok || v != "50" {
		t.Errorf("metadata %s = %q", MetaResamples, v)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		path string
		want Format
	}{{"a.parquet", Parquet}, {"a.arrow", Arrow}, {"a.FEATHER", Arrow}, {"x/y.csv", CSV}, {"a.jsonl", JSONL}, {"a.ndjson", JSONL}} {
		if got, err := FormatOf(tc.path); err != nil || got != tc.want {
			t.Errorf("FormatOf(%q) = %v, %v; want %v", tc.path, got, err, tc.want)
		}
	}
	for _, bad := range []string{"a.txt", "a", "-"} {
		if _, err := FormatOf(bad); err == nil {
			t.Errorf("FormatOf(%q) succeeded", bad)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("ParseFormat(xlsx) succeeded")
	}
	var buf bytes.Buffer
	if err := RunsTable([]*schema.Run{synthRun("m", 1, 1, 1)}).WriteFile("-", &buf, Parquet); err == nil {
		t.Error("parquet to stdout succeeded")
	}
	if err := RunsTable([]*schema.Run{synthRun("m", 1, 1, 1)}).WriteFile("-", &buf, CSV); err != nil || !strings.HasPrefix(buf.String(), "model,") {
		t.Errorf("csv to stdout: %v, %q", err, buf.String())
	}
}
