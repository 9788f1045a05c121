package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// benchRun is the run of a 24-layer model (Pythia-410M's shape) as scalefit run writes it by default: every
// component of schema.Components, 32 sequences of 511 counted tokens (16,384 tokens at seq_len 512).
func benchRun(model, rev string) *schema.Run {
	const layers, nseq = 24, 32
	run := &schema.Run{Meta: map[string]string{
		schema.MetaConfig:   `{"model_type":"gpt_neox","hidden_size":1024,"num_hidden_layers":24}`,
		schema.MetaRevision: rev,
		schema.MetaVersion:  "scalefit bench",
	}}
	run.Rows = make([]schema.Row, 0, layers*len(schema.Components)*nseq)
	for l := range layers {
		for ci, c := range schema.Components {
			for s := range nseq {
				g := 1 + 0.01*float64((l*7+s*3+ci)%11)
				run.Rows = append(run.Rows, schema.Row{
					Model: model, Revision: rev, Architecture: "gpt_neox", Backend: "cpu 0.1",
					NParams: 405334016, NParamsNonembed: 302311424, NLayers: layers, HiddenSize: 1024,
					Layer: int32(l), Depth: float64(l) / (layers - 1), Component: c, Seq: int32(s), NTokens: 511,
					GainMean: g, GainStd: 0.1, GainMin: g / 2, GainMax: 2 * g, NormInMean: 10, NormOutMean: 10 * g,
				})
			}
		}
	}
	return run
}

// BenchmarkReadSweep reads a sweep's directory of 1,000 run files of a 24-layer model (8 models × 125 checkpoints,
// laid out as OUT/ORG--NAME/stepN.parquet) into profiles, as fit, compare, report and plot do: the goal is under
// 5 s per read (docs/sweep.md). Writing the files is set-up and is not timed.
//
//	go test ./cli -run '^$' -bench ReadSweep -benchtime 3x
func BenchmarkReadSweep(b *testing.B) {
	dir := b.TempDir()
	for m := range 8 {
		model := fmt.Sprintf("EleutherAI/pythia-bench-%d", m)
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("EleutherAI--pythia-bench-%d", m)), 0o755); err != nil {
			b.Fatal(err)
		}
		for c := range 125 {
			rev := fmt.Sprintf("step%d", 1000*(c+1))
			path := filepath.Join(dir, fmt.Sprintf("EleutherAI--pythia-bench-%d", m), rev+".parquet")
			if err := schema.Write(path, benchRun(model, rev)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		ps, _, err := readRunFiles([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if len(ps) != 1000 || ps[0].NLayers != 24 {
			b.Fatalf("read %d runs of %d layers, want 1000 of 24", len(ps), ps[0].NLayers)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/sweep")
}
