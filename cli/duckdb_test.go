package cli

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestParquetReadByDuckDB writes a real run file with synth + run, reads it with DuckDB (an independent Parquet
// reader, through Node.js), and checks every layer-level gain against scalefit summary --json.
func TestParquetReadByDuckDB(t *testing.T) {
	modules := duckdbModules(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	mustScalefit(t, "synth", "--preset", "tiny", "--out", model, "--seed", "7")
	tokens := filepath.Join(dir, "seqs.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4,5,6,7,8,9,10]\n[20,21,22,23,24,25]\n[100,5,7,300,2,2,2,9,9,1,0,4]\n"), 0o644)
	run := filepath.Join(dir, "tiny.parquet")
	mustScalefit(t, "run", "--model", model, "--tokens", tokens, "--skip-first", "1", "--out", run, "--quiet")

	var summaries []runSummary // always an array, one object per run
	if err := json.Unmarshal([]byte(mustScalefit(t, "summary", "--json", run)), &summaries); err != nil || len(summaries) != 1 {
		t.Fatalf("summary --json: %v (%d objects)", err, len(summaries))
	}
	summary := summaries[0]

	script, _ := filepath.Abs("../testdata/node/duckdb_layers.mjs")
	cmd := exec.Command("node", script, run)
	cmd.Dir = filepath.Dir(modules)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	var rows []struct {
		Layer     int     `json:"layer"`
		Component string  `json:"component"`
		Gain      float64 `json:"gain"`
		NTokens   string  `json:"n_tokens"`
		NRows     string  `json:"n_rows"`
		Model     string  `json:"model"`
		NParams   string  `json:"n_params"`
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output: %v\n%s", err, out)
	}
	if want := summary.NLayers * 6; len(rows) != want {
		t.Fatalf("duckdb sees %d (layer, component) groups, want %d", len(rows), want)
	}
	for _, r := range rows {
		want := summary.Layers[r.Layer].Gains[r.Component]
		if want == nil || math.Abs(r.Gain-*want) > 1e-12*math.Abs(*want) {
			t.Errorf("layer %d %s: duckdb %v, summary %v", r.Layer, r.Component, r.Gain, want)
		}
		// 3 sequences of 10, 6 and 12 tokens, less the first of each.
		if r.NTokens != "25" || r.NRows != "3" {
			t.Errorf("layer %d %s: %s tokens in %s rows, want 25 in 3", r.Layer, r.Component, r.NTokens, r.NRows)
		}
		if r.Model != summary.Model || r.NParams != strconv.FormatInt(summary.NParams, 10) {
			t.Errorf("layer %d %s: model %q with %s params, summary says %q with %d", r.Layer, r.Component, r.Model, r.NParams, summary.Model, summary.NParams)
		}
	}
}
