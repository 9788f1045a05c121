package report

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// llamaLike returns three models of another family: attention contracts everywhere as in seedLike, but the MLP
// contracts at every layer, the last included, and the last MLP gain falls with size. They run SiLU.
func llamaLike() []fixtureModel {
	mk := func(name string, params int64, layers, hidden int, final float64) fixtureModel {
		return fixtureModel{name: name, params: params, nonemb: params * 9 / 10, layers: layers, hidden: hidden,
			attn: func(u float64) float64 { return 0.5 - 0.2*u }, noise: 0.03, nseq: 8, arch: "llama",
			mlp: func(u float64) float64 {
				if u == 1 {
					return final
				}
				return 0.8 + 0.1*math.Sin(3*u)
			},
			meta: map[string]string{schema.MetaGELU: "silu", schema.MetaBOS: "128000", schema.MetaTokenizerSHA256: "0123456789abcdef"}}
	}
	return []fixtureModel{
		mk("fixture-llama-1b", 1235814400, 16, 2048, 0.9),
		mk("fixture-llama-3b", 3212749824, 28, 3072, 0.8),
		mk("fixture-llama-8b", 8030261248, 32, 4096, 0.7),
	}
}

// mixedProfiles is seedLike's four GPT-NeoX models and llamaLike's three, in the order readRuns gives them
// (layers.SizeOrder: by architecture, then size).
func mixedProfiles(t *testing.T) []*layers.Profile {
	ps := profiles(t, append(llamaLike(), seedLike()...))
	var out []*layers.Profile
	for _, i := range layers.SizeOrder(ps) {
		out = append(out, ps[i])
	}
	return out
}

// TestGoldenMixed pins the report of two architecture families side by side.
func TestGoldenMixed(t *testing.T) {
	r, err := Build(mixedProfiles(t), Options{Resamples: 200, Predict: []string{"llama-3.1-70b", "pythia-12b"}})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "mixed.md", r.Markdown())
}

// TestMixedArchitectures checks what a report of two families must say: the architecture in every table header,
// no caution for an activation that differs between families, the change columns within a family, which verdicts
// differ between the families, and one law per family with the test of equal exponents.
func TestMixedArchitectures(t *testing.T) {
	ps := mixedProfiles(t)
	if ps[0].Architecture != "gpt_neox" || ps[4].Architecture != "llama" || ps[4].NParams != 1235814400 {
		t.Fatalf("SizeOrder does not group the families: %s, %s", ps[0].Name(), ps[4].Name())
	}
	r, err := Build(ps, Options{Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	md := r.Markdown()
	for _, want := range []string{
		"|  | fixture-410m (gpt_neox) | fixture-1.4b (gpt_neox) |", // set-up
		"Within each architecture, the final-layer MLP gain scales as params^0.272 in gpt_neox (95 % CI [0.144, 0.399], n = 4) and params^-0.143 in llama",
		"Between gpt_neox and llama, four verdicts differ: MLP mostly contracts, last-layer MLP expands,",
		"| Prediction | fixture-410m (gpt_neox) |",                                // verdicts
		"| Metric | fixture-410m (gpt_neox) | fixture-1.4b (gpt_neox) | Change |", // comparison
		"<details><summary>fixture-llama-1b (llama): 16 layers</summary>",         // layer tables
		"| Activation | erf | erf | erf | erf | silu | silu | silu |",
		"**Between architectures.**",
		"**Last-layer MLP expands**: universal in gpt_neox (4/4) and fails in llama (0/3)",
		"gpt_neox: universal (rises with size); llama: fails (falls with size)",
		"### By architecture",
		"Test of equal exponents",
		"### All families pooled",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, "**Caution:**") {
		t.Error("report cautions about settings that differ only between architectures (activation, tokenizer, BOS)")
	}
	// The first llama model has no change column entry: the model before it is a GPT-NeoX model.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| Contracting |") {
			cells := strings.Split(line, "|")
			// | Contracting | m0 | m1 | Δ | m2 | Δ | m3 | Δ | l0 | Δ | ...: l0's change is cell 10.
			if got := strings.TrimSpace(cells[10]); got != "—" {
				t.Errorf("change from the last GPT-NeoX model to the first Llama one is %q, want —: %s", got, line)
			}
		}
	}
	s := r.Scaling.ByArch
	if s == nil || s.Family("llama").Result == nil || s.Family("gpt_neox").Result == nil || s.Slopes == nil {
		t.Fatalf("no law per family: %+v", s)
	}
	// The families' final MLP gains move in opposite directions: the test must see it.
	if s.Family("gpt_neox").Result.Exponent <= 0 || s.Family("llama").Result.Exponent >= 0 || !s.Significant() {
		t.Errorf("exponents %v and %v, p = %v", s.Family("gpt_neox").Result.Exponent, s.Family("llama").Result.Exponent, s.Slopes.P)
	}

	// Runs of one family that differ in activation are still flagged.
	ms := seedLike()[:2]
	ms[1].meta = map[string]string{schema.MetaGELU: "tanh"}
	r, err = Build(profiles(t, ms), Options{Resamples: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Markdown(), "**Caution:** the runs differ in Activation") {
		t.Error("no caution for two GPT-NeoX runs of different activations")
	}
}
