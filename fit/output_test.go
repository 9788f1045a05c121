package fit

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/scalefit/scalefit/layers"
)

func fullResult(t *testing.T) *Result {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	m, _ := layers.MetricByName("final_mlp_gain")
	var ps []*layers.Profile
	for i := range 5 {
		x := 1e8 * math.Pow(4, float64(i))
		ps = append(ps, randomProfile("m"+string(rune('a'+i)), int64(x), 3, 20, 0.002*math.Pow(x, 0.35)/1.5, 0.3, rng))
	}
	pts, err := PointsFromProfiles(ps, nil, m, "params", 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := PowerLaw(pts, Options{X: "params", Y: m.Name, Form: FormBoth, Metric: &m, Bootstrap: DefaultBootstraps(pts),
		Resamples: 500, Seed: 2, Targets: []Target{{Label: "175e9", X: 175e9, Source: "given"}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestJSONOutput(t *testing.T) {
	r := fullResult(t)
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m["n"].(float64) != 5 || m["form"] != "power" || m["x"] != "params" || m["y"] != "final_mlp_gain" {
		t.Errorf("header %v %v %v %v", m["n"], m["form"], m["x"], m["y"])
	}
	ci := m["exponent_ci"].([]any)
	if ci[0].(float64) != r.ExponentCI.Lo || ci[1].(float64) != r.ExponentCI.Hi || m["exponent"].(float64) != r.Exponent {
		t.Errorf("exponent %v %v", m["exponent"], ci)
	}
	bs := m["bootstrap"].(map[string]any)
	for _, k := range []string{"method", "resamples", "degenerate", "exponent_ci"} {
		if _, ok := bs[k]; !ok {
			t.Errorf("bootstrap has no %q", k)
		}
	}
	if bs["method"] != Hierarchical || bs["resamples"].(float64) != 500 || len(m["bootstraps"].([]any)) != 3 {
		t.Errorf("bootstrap %v", bs)
	}
	p := m["predictions"].([]any)[0].(map[string]any)
	for _, k := range []string{"label", "x", "y", "ci", "pi", "bootstrap_ci"} {
		if p[k] == nil {
			t.Errorf("prediction %q is null", k)
		}
	}
	pt := m["points"].([]any)[0].(map[string]any)
	for _, k := range []string{"model", "x", "y", "y_se"} {
		if pt[k] == nil {
			t.Errorf("point %q is null", k)
		}
	}
	if len(m["loo"].([]any)) != 5 || m["offset"] == nil || len(m["comparison"].([]any)) != 2 {
		t.Errorf("loo %v offset %v comparison %v", m["loo"], m["offset"], m["comparison"])
	}
	if !bytes.Contains(data, []byte("median")) {
		t.Errorf("json does not carry the median note")
	}
}

func TestWriteTables(t *testing.T) {
	r := fullResult(t)
	dir := t.TempDir()
	for _, ext := range []string{".parquet", ".arrow"} {
		path := filepath.Join(dir, "fit"+ext)
		if err := r.WriteTables(path, map[string]string{"scalefit.version": "test"}); err != nil {
			t.Fatal(err)
		}
		params := readTable(t, path)
		// 3 headline rows, 3 methods × 2 parameters × 3 intervals, 3 offset rows, 2 forms × (aic, bic)
		if n := params.NumRows(); n != 3+18+3+4 {
			t.Errorf("%s: %d parameter rows", ext, n)
		}
		est := params.Column(6).(*array.Float64)
		if est.Value(0) != r.Exponent || params.Column(3).(*array.String).Value(0) != "exponent" {
			t.Errorf("%s: first row %v", ext, est.Value(0))
		}
		if params.Column(8).(*array.Float64).Value(0) != r.ExponentCI.Lo || !params.Column(7).IsNull(2) {
			t.Errorf("%s: exponent lo or r2 se", ext)
		}
		preds := readTable(t, PredictionsPath(path))
		if preds.NumRows() != 1+5 {
			t.Errorf("%s: %d prediction rows", ext, preds.NumRows())
		}
		if got := preds.Column(5).(*array.Float64).Value(0); got != r.Predictions[0].Y {
			t.Errorf("%s: predicted %v, want %v", ext, got, r.Predictions[0].Y)
		}
		if !preds.Column(14).IsNull(0) || preds.Column(14).IsNull(1) {
			t.Errorf("%s: covered nulls", ext)
		}
	}
}

func readTable(t *testing.T, path string) arrow.RecordBatch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem := memory.NewGoAllocator()
	if strings.HasSuffix(path, ".arrow") {
		rd, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rd.RecordBatch(0)
		if err != nil {
			t.Fatal(err)
		}
		rec.Retain()
		return rec
	}
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tr := array.NewTableReader(tbl, -1)
	tr.Next()
	rec := tr.RecordBatch()
	rec.Retain()
	return rec
}
