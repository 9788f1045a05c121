package cpu

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/synth"
)

// BenchmarkForwardPythia160m runs 4 sequences of 512 tokens through a random-init checkpoint of the Pythia-160M shape
// (12 layers, d 768, f32, about 650 MB written to a temporary directory), measuring the gains only, and reports
// tokens per second. One iteration takes tens of seconds on two cores; run it with -benchtime 1x.
func BenchmarkForwardPythia160m(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "pythia-160m")
	m, err := synth.Synth(dir, synth.Options{Preset: "pythia-160m", DType: "F32", Seed: 1}, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	seqs := make([][]int32, 4)
	for s := range seqs {
		seqs[s] = make([]int32, 512)
		for t := range seqs[s] {
			seqs[s][t] = int32(rng.IntN(m.Config().Vocab))
		}
	}
	req := &backends.Request{ModelDir: dir, Sequences: seqs}
	tokens := 0
	for b.Loop() {
		if _, err := New().Run(context.Background(), req, &memSink{}); err != nil {
			b.Fatal(err)
		}
		tokens += 4 * 512
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}
