package report

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// fixtureModel describes a synthetic run: its size, and per-layer gains of attn and mlp as functions of the depth
// u = layer/(L − 1). The combined gain of each sequence is the product of its attn and mlp gains.
type fixtureModel struct {
	name           string
	params, nonemb int64
	layers, hidden int
	attn, mlp      func(u float64) float64
	noise          float64 // relative spread of the per-sequence gains around the layer gain
	nseq           int
	meta           map[string]string
}

// fixtureRun builds the run file of m. Sequence s counts 64 + 16·s tokens. Its gains are g_ℓ·(1 + noise·z_{ℓ,s}), with
// z drawn from a PCG stream seeded by the FNV-1a hash of the model name and the layer, so the fixture is the same on every
// machine and Go version (math/rand/v2's PCG and NormFloat64 are specified).
func fixtureRun(m fixtureModel) *schema.Run {
	meta := map[string]string{
		schema.MetaDataset:   "corpus:mixed",
		schema.MetaSkipFirst: "1",
		schema.MetaGELU:      "erf",
		schema.MetaBackend:   "cpu 0.1.0",
		schema.MetaVersion:   "scalefit 0.1.0",
		schema.MetaTime:      "2026-01-05T12:00:00Z",
	}
	for k, v := range m.meta {
		meta[k] = v
	}
	run := &schema.Run{Meta: meta}
	for l := 0; l < m.layers; l++ {
		u := float64(l) / float64(m.layers-1)
		rng := rand.New(rand.NewPCG(nameSeed(m.name), uint64(l)))
		for s := 0; s < m.nseq; s++ {
			a := m.attn(u) * (1 + m.noise*rng.NormFloat64())
			p := m.mlp(u) * (1 + m.noise*rng.NormFloat64())
			for _, cg := range []struct {
				c string
				g float64
			}{{"attn", a}, {"mlp", p}, {"combined", a * p}} {
				run.Rows = append(run.Rows, schema.Row{
					Model: m.name, Architecture: "gpt_neox", Backend: "cpu", NParams: m.params, NParamsNonembed: m.nonemb,
					NLayers: int32(m.layers), HiddenSize: int32(m.hidden), Layer: int32(l), Depth: u, Component: cg.c,
					Seq: int32(s), NTokens: int32(64 + 16*s), GainMean: cg.g, GainStd: 0.1 * cg.g, GainMin: 0.5 * cg.g,
					GainMax: 2 * cg.g, NormInMean: 1, NormOutMean: cg.g,
				})
			}
		}
	}
	return run
}

func fixtureProfile(t testing.TB, m fixtureModel) *layers.Profile {
	t.Helper()
	p, err := layers.NewProfile(fixtureRun(m))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// seedLike returns four models shaped like the seed note's Pythia profiles, with the exact Pythia parameter counts of
// the Pythia model cards: attention falls from near 1 to an L* around depth 0.7 and rises at the end; the MLP expands early,
// plateaus near 1, declines, and explodes at the last layer by a factor that grows with size.
func seedLike() []fixtureModel {
	shape := func(attn0, final float64) (func(float64) float64, func(float64) float64) {
		attn := func(u float64) float64 {
			if u == 1 {
				return 0.3
			}
			return 0.08 + (attn0-0.08)*math.Pow(math.Abs(u-0.72)/0.72, 1.5)
		}
		mlp := func(u float64) float64 {
			switch {
			case u == 1:
				return final
			case u < 0.2:
				return 1.3 + 0.5*math.Sin(math.Pi*u/0.2)
			case u < 0.65:
				return 1.0
			}
			return 0.88
		}
		return attn, mlp
	}
	mk := func(name string, params, nonemb int64, layers, hidden int, attn0, final float64) fixtureModel {
		a, m := shape(attn0, final)
		return fixtureModel{name: name, params: params, nonemb: nonemb, layers: layers, hidden: hidden,
			attn: a, mlp: m, noise: 0.03, nseq: 8}
	}
	return []fixtureModel{
		mk("fixture-410m", 405334016, 302311424, 24, 1024, 0.45, 2.9),
		mk("fixture-1.4b", 1414647808, 1208602624, 24, 2048, 0.53, 3.6),
		mk("fixture-2.8b", 2775208960, 2517652480, 32, 2560, 0.8, 4.8),
		mk("fixture-6.9b", 6857302016, 6444163072, 32, 4096, 0.99, 6.2),
	}
}

func nameSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
