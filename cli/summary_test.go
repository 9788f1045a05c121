package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/layers/layerstest"
	"github.com/scalefit/scalefit/schema"
)

// TestSummaryJSON: --json is always an array, one object per run, whatever the number of files, with typed values
// (skip_first and seq_len numbers, synthetic a boolean) and the provenance the run file records.
func TestSummaryJSON(t *testing.T) {
	runs := plotTestRuns(t, t.TempDir())
	for _, n := range []int{1, 3} {
		out := mustScalefit(t, append([]string{"summary", "--json"}, runs[:n]...)...)
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%d files: not a JSON array: %v\n%s", n, err, out[:min(len(out), 300)])
		}
		if len(got) != n {
			t.Errorf("%d files give %d objects", n, len(got))
		}
		for _, s := range got {
			if _, ok := s["n_params"].(float64); !ok {
				t.Errorf("n_params is %T", s["n_params"])
			}
			if s["skip_first"] != nil {
				if _, ok := s["skip_first"].(float64); !ok {
					t.Errorf("skip_first is %T, want a number", s["skip_first"])
				}
			}
			prov, ok := s["provenance"].(map[string]any)
			if !ok {
				t.Fatalf("no provenance object: %v", s)
			}
			if _, ok := prov["synthetic"].(bool); !ok {
				t.Errorf("provenance.synthetic is %T, want a boolean", prov["synthetic"])
			}
			for _, k := range []string{"hub_id", "commit", "weight_dtype", "dataset_sha256", "seq_len", "max_tokens", "tokenizer"} {
				if _, ok := prov[k]; !ok {
					t.Errorf("provenance lacks %q", k)
				}
			}
		}
	}
}

// TestSummaryProvenance checks that the text summary shows how a run was made.
func TestSummaryProvenance(t *testing.T) {
	run := &schema.Run{Meta: map[string]string{
		schema.MetaHubID: "EleutherAI/pythia-160m", schema.MetaRevision: "step1000", schema.MetaCommit: "abcdef1234567890",
		schema.MetaWeightDType: "F16", schema.MetaDataset: "corpus.txt", schema.MetaDatasetSHA256: "00ff",
		schema.MetaSeqLen: "512", schema.MetaMaxTokens: "0", schema.MetaTokenizer: "EleutherAI/pythia-160m tokenizer.json",
		schema.MetaSkipFirst: "1", schema.MetaGELU: "erf", schema.MetaBackend: "cpu 0.1.0", schema.MetaVersion: "scalefit 0.1.0",
	}}
	for _, r := range layerstest.SynthRun("EleutherAI/pythia-160m", 1e8, 2, map[string][]layerstest.LayerSpec{"mlp": {{Gain: 1}, {Gain: 2}}}).Rows {
		run.Rows = append(run.Rows, r)
	}
	p, err := layers.NewProfile(run)
	if err != nil {
		t.Fatal(err)
	}
	s := summarize(p, "r.parquet")
	lines := strings.Join(provenanceLines(s), "\n")
	for _, want := range []string{"model: EleutherAI/pythia-160m revision step1000 at commit abcdef1234567890; weights F16",
		"data: corpus.txt (SHA-256 00ff), windows of 512 tokens; tokenizer EleutherAI/pythia-160m tokenizer.json"} {
		if !strings.Contains(lines, want) {
			t.Errorf("provenance lacks %q:\n%s", want, lines)
		}
	}
}
