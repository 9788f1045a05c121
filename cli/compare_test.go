package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// cmpTestRun writes a run file whose layer gains are exactly gains[component][layer]: four sequences, in pairs with
// gains g·(1 ± 0.01) and equal token counts.
func cmpTestRun(t *testing.T, dir, model string, params int64, gains map[string][]float64) string {
	t.Helper()
	run := &schema.Run{Meta: map[string]string{}}
	for _, c := range schema.Components {
		g, ok := gains[c]
		if !ok {
			continue
		}
		for l, x := range g {
			for s := 0; s < 4; s++ {
				sign := 1 - 2*float64(s%2)
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Architecture: "gpt_neox", Backend: "test", NParams: params, NLayers: int32(len(g)),
					HiddenSize: 8, Layer: int32(l), Depth: float64(l) / float64(len(g)-1), Component: c, Seq: int32(s),
					NTokens: int32(10 * (1 + s/2)), GainMean: x * (1 + 0.01*sign),
				})
			}
		}
	}
	path := filepath.Join(dir, model+".parquet")
	if err := schema.Write(path, run); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	small := cmpTestRun(t, dir, "small", 1e8, map[string][]float64{
		"attn": {0.5, 0.4, 0.3, 0.4}, "mlp": {0.5, 0.6, 0.7, 3.0}, "combined": {0.3, 0.3, 0.3, 1.2},
	})
	large := cmpTestRun(t, dir, "large", 1e9, map[string][]float64{
		"attn": {0.9, 0.4, 0.2, 0.2, 0.3, 0.3}, "mlp": {1.5, 1.2, 0.9, 0.9, 0.8, 5.0}, "combined": {1.3, 0.5, 0.2, 0.2, 0.3, 1.5},
	})
	// Given large first, as a glob might: the tables still go by size.
	out := mustScalefit(t, "compare", "--resamples", "200", large, small)
	for _, want := range []string{
		"Attention gains (attn)",
		"Contracting    4/4 (100 %)       6/6 (100 %)       ≡ (+2 layers)",
		"Max gain     3.00 (L3, 1.00)   5.00 (L5, 1.00)   +67 %",
		"MLP mostly contracts (≥ 75 % of layers)  holds†: 3/4 contract (3 sig.), 1 sig. expand     fails†: 3/6 contract (3 sig.), 3 sig. expand",
		"scale-dependent: holds in small; share of MLP layers contracting falls with size (75 % → 50 %)",
		"† robust: the verdict still stands when every layer gain is replaced by the least favourable end of its 95 % interval (a bootstrap over sequences, 200 resamples)",
		"  - large: 4 phases: L0 expanding (1.50×) → L1 neutral (1.20×) → L2–4 neutral (0.865×) → L5 expanding (5.00×)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// --json - prints JSON alone; the thresholds reach the verdicts; --resamples 0 drops the significance.
	out = mustScalefit(t, "compare", "--json", "--mostly", "0.5", "--resamples", "0", "--component", "mlp", "--phases", "none", small, large)
	var res struct {
		Comparison struct {
			Components []string `json:"components"`
		} `json:"comparison"`
		Verdicts struct {
			Predictions []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Models []struct {
					Holds        bool `json:"holds"`
					Bootstrapped bool `json:"bootstrapped"`
				} `json:"models"`
			} `json:"predictions"`
		} `json:"verdicts"`
		Intervals []any `json:"intervals"`
		Phases    []any `json:"phases"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	p := res.Verdicts.Predictions[1]
	if p.ID != "mlp_mostly_contracts" || p.Status != "universal" || p.Models[1].Bootstrapped ||
		len(res.Comparison.Components) != 1 || res.Intervals != nil || res.Phases != nil {
		t.Errorf("json result %+v", res)
	}

	// --out FILE writes the JSON, creating its directory, and still prints the tables.
	path := filepath.Join(dir, "new", "c.json")
	if out = mustScalefit(t, "compare", "--out", path, "--resamples", "50", small); !strings.Contains(out, "Verdicts on the seed note's predictions") {
		t.Errorf("output with --out FILE:\n%s", out)
	}

	// --keep-order keeps large before small.
	out = mustScalefit(t, "compare", "--keep-order", "--resamples", "0", large, small)
	if !strings.Contains(out, "Metric         large             small             Change") {
		t.Errorf("--keep-order output:\n%s", out)
	}
	if data, err := os.ReadFile(path); err != nil || !json.Valid(data) {
		t.Errorf("--json %s: %v\n%s", path, err, data)
	}

	for _, args := range [][]string{
		{"compare"},
		{"compare", "--confidence", "1", small},
		{"compare", "--resamples", "-1", small},
		{"compare", "--mostly", "0", small},
		{"compare", "--last-layers", "0", small},
		{"compare", "--net-tolerance", "-1", small},
		{"compare", "--component", "block", small},
		{"compare", filepath.Join(dir, "missing.parquet")},
	} {
		if _, err := scalefit(t, args...); err == nil {
			t.Errorf("scalefit %s succeeded", strings.Join(args, " "))
		}
	}
}

// TestCompareOneSequence: a run of a single sequence has no layer intervals. compare used to feed its undefined
// intervals to the verdicts and print "up to NaN×"; now its verdicts rest on the point estimates, with a warning.
func TestCompareOneSequence(t *testing.T) {
	runs := plotTestRuns(t, t.TempDir())
	one := plotTestRun(t, t.TempDir(), "one-seq", 2e8, 8, 1, 3)
	out := mustScalefit(t, "compare", one, runs[0])
	if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
		t.Errorf("compare prints an undefined number:\n%s", out)
	}
	if !strings.Contains(out, "one-seq holds a single sequence, so no interval") {
		t.Errorf("compare does not say that one-seq has no intervals:\n%s", out)
	}
}
