package llama_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

type rowSink struct{ rows []schema.Row }

func (s *rowSink) Progress(backends.Progress) {}
func (s *rowSink) Rows(r []schema.Row) error  { s.rows = append(s.rows, r...); return nil }

// TestRandomInitLoss synthesises each family's tiny preset and runs it on the CPU backend with --loss: at random
// init (weights of std 0.02, so logits of std σ ≈ 0.02·√d ≈ 0.16) the loss is ln V + σ²/2, and its mean over 110
// tokens has a spread of about σ/√110 ≈ 0.015, so it is within 0.05 of ln V.
// Every (layer, component, sequence) gets a row with finite, positive gains.
func TestRandomInitLoss(t *testing.T) {
	// Two sequences of distinct tokens: with a tied embedding, a token that predicts itself gets a logit of about
	// √d·‖e‖ ≈ 1.3, which a short sequence would feel.
	seqs := [][]int32{make([]int32, 64), make([]int32, 48)}
	for i, n := 0, int32(0); i < len(seqs); i++ {
		for j := range seqs[i] {
			n = (n + 97) % 512
			seqs[i][j] = n
		}
	}
	for _, preset := range []string{"llama-tiny", "mistral-tiny", "qwen2-tiny"} {
		t.Run(preset, func(t *testing.T) {
			dir := t.TempDir()
			m, err := synth.Synth(dir, synth.Options{Preset: preset, DType: "f32", Seed: 3}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sink := &rowSink{}
			res, err := cpu.New().Run(context.Background(), &backends.Request{ModelDir: dir, Model: preset,
				Sequences: seqs, Loss: true, Threads: 1}, sink)
			if err != nil {
				t.Fatal(err)
			}
			lnV := math.Log(float64(m.Config().Vocab))
			t.Logf("loss %.4f, ln V %.4f", res.Loss, lnV)
			if math.Abs(res.Loss-lnV) > 0.05 || res.LossTokens != 110 {
				t.Errorf("loss %.4f over %d tokens, want ln V = %.4f ± 0.05 over 110", res.Loss, res.LossTokens, lnV)
			}
			if want := m.Config().Layers * len(schema.Components) * len(seqs); len(sink.rows) != want {
				t.Fatalf("%d rows, want %d", len(sink.rows), want)
			}
			for _, r := range sink.rows {
				if r.Architecture != m.Config().ModelType || !(r.GainMean > 0) || math.IsInf(r.GainMean, 0) {
					t.Errorf("row %+v", r)
				}
			}
			// A SiLU model refuses --gelu, in one line naming the key.
			_, err = cpu.New().Run(context.Background(), &backends.Request{ModelDir: dir, Model: preset,
				Sequences: seqs, GELU: "tanh"}, &rowSink{})
			if err == nil || !strings.Contains(err.Error(), `key "hidden_act": "silu" is not a GELU`) || strings.Contains(err.Error(), "\n") {
				t.Errorf("--gelu tanh on %s: %v", preset, err)
			}
		})
	}
}
