package cli

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/export"
	"github.com/scalefit/scalefit/layers"
)

// TestExportReadByDuckDB exports a summary as Parquet, CSV and JSON Lines and reads each back with DuckDB, an
// independent reader: the gains and intervals must be the exported float64s exactly, and the undefined interval of a
// single-sequence run must read as NULL in all three.
func TestExportReadByDuckDB(t *testing.T) {
	modules := duckdbModules(t)
	dir := t.TempDir()
	runs := []string{
		plotTestRun(t, dir, "many", 1_000_000, 4, 7, 3),
		plotTestRun(t, dir, "single", 2_000_000, 3, 1, 4),
	}
	profiles, err := readProfiles(runs)
	if err != nil {
		t.Fatal(err)
	}
	cfg := layers.BootConfig{Resamples: 200, Confidence: 0.9, Seed: 5}
	type key struct {
		model, component string
		layer            int
	}
	want := map[key]export.SummaryRow{}
	for _, p := range profiles {
		rows, err := export.Summarize(p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			want[key{r.Model, r.Component, int(r.Layer)}] = r
		}
	}

	script := `
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
const r = await conn.runAndReadAll(process.argv[1]);
process.stdout.write(JSON.stringify(r.getRowObjectsJson()));`
	for _, tc := range []struct{ ext, reader string }{
		{"parquet", "read_parquet"}, {"csv", "read_csv"}, {"jsonl", "read_json_auto"},
	} {
		out := filepath.Join(dir, "summary."+tc.ext)
		mustScalefit(t, append(append([]string{"export"}, runs...), "--summary", "--resamples", "200", "--confidence", "0.9", "--seed", "5", "--out", out)...)
		query := "select model, component, layer::INTEGER as layer, gain, gain_lo, gain_hi, n_tokens::BIGINT as n_tokens from " + tc.reader + "('" + out + "')"
		cmd := exec.Command("node", "--input-type=module", "-e", script, query)
		cmd.Dir = filepath.Dir(modules)
		data, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: duckdb: %v", tc.ext, err)
		}
		var got []struct {
			Model     string   `json:"model"`
			Component string   `json:"component"`
			Layer     int      `json:"layer"`
			Gain      float64  `json:"gain"`
			GainLo    *float64 `json:"gain_lo"`
			GainHi    *float64 `json:"gain_hi"`
			NTokens   string   `json:"n_tokens"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s: %v\n%s", tc.ext, err, data)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: duckdb reads %d rows, want %d", tc.ext, len(got), len(want))
		}
		for _, g := range got {
			w, ok := want[key{g.Model, g.Component, g.Layer}]
			if !ok || g.Gain != w.Gain {
				t.Fatalf("%s: row %+v, want gain %v", tc.ext, g, w.Gain)
			}
			if g.Model == "single" {
				if g.GainLo != nil || g.GainHi != nil {
					t.Errorf("%s: single-sequence row %+v: want NULL bounds", tc.ext, g)
				}
				continue
			}
			if g.GainLo == nil || g.GainHi == nil || *g.GainLo != w.GainLo || *g.GainHi != w.GainHi {
				t.Errorf("%s: row %+v, want [%v, %v]", tc.ext, g, w.GainLo, w.GainHi)
			}
		}
	}
}
