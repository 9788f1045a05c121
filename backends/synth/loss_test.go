package synth_test

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

type discard struct{}

func (discard) Progress(backends.Progress) {}
func (discard) Rows(r []schema.Row) error  { return nil }

// TestRandomInitLoss runs every family's small presets, at random init, over uniformly random tokens with --loss on
// the CPU backend. For targets drawn independently of the model, the expected loss at any position is
// logsumexp(z) − mean(z) ≥ ln V (Jensen), and it exceeds ln V by about var(z)/2 when the logits z are small, as HF's
// initialisations make them: so the loss must come out just above ln V. That checks that each family's head (final
// norm, unembedding, Gemma-2's final soft-cap) loads and runs.
func TestRandomInitLoss(t *testing.T) {
	n := 0
	for _, p := range synth.Presets() {
		s := p.Shape
		if int64(s.Layers)*int64(s.Hidden)*int64(s.Hidden) > 1<<17 || s.Vocab > 1024 {
			continue // only the test shapes
		}
		n++
		t.Run(p.Name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), p.Name)
			m, err := synth.Synth(dir, synth.Options{Preset: p.Name, DType: "F32", Seed: 11}, nil)
			if err != nil {
				t.Fatal(err)
			}
			V := m.Config().Vocab
			r := rand.New(rand.NewPCG(1, 2))
			seqs := make([][]int32, 4)
			for i := range seqs {
				seqs[i] = make([]int32, 48)
				for j := range seqs[i] {
					seqs[i][j] = int32(r.IntN(V))
				}
			}
			res, err := cpu.New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: seqs, Loss: true}, discard{})
			if err != nil {
				t.Fatal(err)
			}
			lnV := math.Log(float64(V))
			// Sampling noise over 188 predictions is about 0.01 nats at these logit scales; the upper bound allows
			// logits of standard deviation up to about 0.9.
			if res.LossTokens != 4*47 || !(res.Loss > lnV-0.03 && res.Loss < lnV+0.4) {
				t.Errorf("loss %.4f over %d tokens, want just above ln V = %.4f over %d", res.Loss, res.LossTokens, lnV, 4*47)
			}
			t.Logf("%s (%s): loss %.4f, ln V %.4f", p.Name, p.Family, res.Loss, lnV)
		})
	}
	if n < 4 {
		t.Errorf("only %d presets are test shapes", n)
	}
}
