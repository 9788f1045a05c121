package report

import (
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/layers/layerstest"
	"github.com/scalefit/scalefit/schema"
)

// seedProfiles are the synthetic runs shaped like the seed note's Pythia-1.4B and 6.9B (layerstest.SeedRuns).
func seedProfiles(t testing.TB) []*layers.Profile {
	t.Helper()
	small, large := layerstest.SeedRuns()
	var out []*layers.Profile
	for _, run := range []*schema.Run{small, large} {
		p, err := layers.NewProfile(run)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestComparisonTablesSeed reproduces the seed note's §1 tables (Pythia-1.4B vs 6.9B) from the synthetic seed-shaped
// runs, whose minima, maxima, last layers and counts are the note's. Where our change column differs from the note's it
// is because we compute from unrounded shares: 22/24 → 18/32 is −35.4 pp (the note subtracts the rounded 92 % and
// 56 %).
func TestComparisonTablesSeed(t *testing.T) {
	c, err := layers.Compare(seedProfiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][][]string{
		"attn": {
			{"Metric", "pythia-1.4b", "pythia-6.9b", "Change"},
			{"Contracting", "24/24 (100 %)", "32/32 (100 %)", "≡ (+8 layers)"},
			{"Expanding", "0/24 (0 %)", "0/32 (0 %)", "≡"},
			{"Min gain", "0.083 (L20, 0.87)", "0.079 (L23, 0.74)", "-5 %"},
			{"Max gain", "0.527 (L0, 0.00)", "0.999 (L0, 0.00)", "+90 %"},
			{"Last layer", "0.370", "0.270", "-27 %"},
			{"L* (attn min)", "L20 (0.87)", "L23 (0.74)", "+3 (depth -0.13)"},
		},
		"mlp": {
			{"Metric", "pythia-1.4b", "pythia-6.9b", "Change"},
			{"Contracting", "22/24 (92 %)", "18/32 (56 %)", "-35 pp (-4 layers)"},
			{"Expanding", "2/24 (8 %)", "14/32 (44 %)", "+35 pp (+12 layers)"},
			{"Min gain", "0.261 (L1, 0.04)", "0.262 (L1, 0.03)", "≡"},
			{"Max gain", "3.60 (L23, 1.00)", "6.24 (L31, 1.00)", "+73 %"},
			{"Last layer", "3.60", "6.24", "+73 %"},
		},
		"combined": {
			{"Metric", "pythia-1.4b", "pythia-6.9b", "Change"},
			{"Contracting", "23/24 (96 %)", "30/32 (94 %)", "-2 pp (+7 layers)"},
			{"Expanding", "1/24 (4 %)", "2/32 (6 %)", "+2 pp (+1 layer)"},
			// Not in the note; from the synthetic profiles: 1.4B L20 0.083 × 0.670 = 0.0556 (mlp L20 interpolated
			// between 0.3 at L11 and 0.8 at L22 in log), 6.9B L23 0.079 × 0.933 = 0.0737; 0.0737/0.0556 = 1.33.
			{"Min gain", "0.056 (L20, 0.87)", "0.074 (L23, 0.74)", "+33 %"},
			{"Max gain", "1.34 (L23, 1.00)", "1.71 (L31, 1.00)", "+28 %"},
			{"Last layer", "1.34", "1.71", "+28 %"},
		},
	}
	for comp, rows := range want {
		got, err := comparisonTable(c, comp)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Errorf("%s: %d rows, want %d", comp, len(got), len(rows))
			continue
		}
		for i := range rows {
			if strings.Join(got[i], " | ") != strings.Join(rows[i], " | ") {
				t.Errorf("%s row %d:\n got %q\nwant %q", comp, i, got[i], rows[i])
			}
		}
	}
	pm := &page{md: true}
	writeComparison(pm, c)
	md := pm.String()
	if !strings.Contains(md, "### Attention gains (attn)\n\n| Metric | pythia-1.4b | pythia-6.9b | Change |\n|---|---|---|---|\n| Contracting | 24/24 (100 %) | 32/32 (100 %) | ≡ (+8 layers) |\n") {
		t.Errorf("markdown:\n%s", md)
	}
	if !strings.Contains(md, "### MLP gains (mlp)") || !strings.Contains(md, "### Combined (net) gains (combined)") {
		t.Errorf("markdown lacks a section:\n%s", md)
	}
	pt := &page{}
	writeComparison(pt, c)
	if s := pt.String(); !strings.Contains(s, "MLP gains (mlp)") || !strings.Contains(s, "Max gain     3.60 (L23, 1.00)") {
		t.Errorf("text:\n%s", s)
	}
}

// TestCompareThree checks the change columns with three models (each against the one before it) and a component
// missing from one run.
func TestComparisonTablesThree(t *testing.T) {
	mk := func(name string, mlp []float64, withAttn bool) *layers.Profile {
		comps := map[string][]layerstest.LayerSpec{"mlp": nil}
		for _, g := range mlp {
			comps["mlp"] = append(comps["mlp"], layerstest.LayerSpec{Gain: g, Spread: 0.1})
		}
		if withAttn {
			for range mlp {
				comps["attn"] = append(comps["attn"], layerstest.LayerSpec{Gain: 0.5, Spread: 0.1})
			}
		}
		p, err := layers.NewProfile(layerstest.SynthRun(name, 1, 4, comps))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ps := []*layers.Profile{
		mk("a", []float64{0.5, 2}, true),
		mk("b", []float64{0.5, 0.8, 4}, false),
		mk("c", []float64{1.5, 0.5, 0.5, 0.9, 4}, true),
	}
	c, err := layers.Compare(ps, []string{"mlp", "attn"})
	if err != nil {
		t.Fatal(err)
	}
	mlp, _ := comparisonTable(c, "mlp")
	want := [][]string{
		{"Metric", "a", "b", "Change", "c", "Change"},
		{"Contracting", "1/2 (50 %)", "2/3 (67 %)", "+17 pp (+1 layer)", "3/5 (60 %)", "-7 pp (+1 layer)"},
		{"Expanding", "1/2 (50 %)", "1/3 (33 %)", "-17 pp", "2/5 (40 %)", "+7 pp (+1 layer)"},
		{"Min gain", "0.500 (L0, 0.00)", "0.500 (L0, 0.00)", "≡", "0.500 (L1, 0.25)", "≡"},
		{"Max gain", "2.00 (L1, 1.00)", "4.00 (L2, 1.00)", "+100 %", "4.00 (L4, 1.00)", "≡"},
		{"Last layer", "2.00", "4.00", "+100 %", "4.00", "≡"},
	}
	for i := range want {
		if strings.Join(mlp[i], " | ") != strings.Join(want[i], " | ") {
			t.Errorf("mlp row %d:\n got %q\nwant %q", i, mlp[i], want[i])
		}
	}
	attn, _ := comparisonTable(c, "attn")
	if got := strings.Join(attn[3], " | "); got != "Min gain | 0.500 (L0, 0.00) | — | — | 0.500 (L0, 0.00) | —" {
		t.Errorf("attn min row with b missing: %q", got)
	}
	if got := strings.Join(attn[6], " | "); got != "L* (attn min) | L0 (0.00) | — | — | L0 (0.00) | —" {
		t.Errorf("L* row with b missing: %q", got)
	}
	if _, err := comparisonTable(c, "block"); err == nil {
		t.Error("table of a component not compared")
	}
}

// TestVerdictsRender checks the verdict table of the seed-shaped runs: one cell per model with the evidence and its
// significance folded in, the robust mark said once in the legend.
func TestVerdictsRender(t *testing.T) {
	ps := seedProfiles(t)
	var bands []*layers.Bands
	for _, p := range ps {
		b, err := layers.Bootstrap(p, layers.Components, layers.BootConfig{Resamples: 2000, Confidence: 0.95, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		bands = append(bands, b)
	}
	v, err := layers.Judge(ps, bands, layers.VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pm := &page{md: true}
	writeVerdicts(pm, v)
	md := pm.String()
	for _, s := range []string{
		"| Prediction | pythia-1.4b | pythia-6.9b | Across models |\n|---|---|---|---|\n",
		"| Attention always contracts | holds†: 24/24 contract (24 sig.) | holds: 32/32 contract (31 sig.) | universal; share of attention layers contracting is the same at every size (100 % → 100 %) |",
		"| MLP mostly contracts (≥ 75 % of layers) | holds†: 22/24 contract (21 sig.), 2 sig. expand | fails†: 18/32 contract (17 sig.), 12 sig. expand | scale-dependent: holds in pythia-1.4b; share of MLP layers contracting falls with size (92 % → 56 %) |",
		"| Last-layer MLP expands | holds†: L23 3.60× [",
		"| Last layer holds the MLP maximum | holds†: L23, 3.27× the next; CI above all others |",
		"| Net expansion only at the last layer | holds†: L23 expands net | fails†: L0, L31 expand net, 1 before the last layer (1 sig.) |",
		"† robust: the verdict still stands when every layer gain is replaced by the least favourable end of its 95 % interval (a bootstrap over sequences, 2000 resamples).",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if n := strings.Count(md, "robust"); n != 1 {
		t.Errorf("\"robust\" said %d times, want once:\n%s", n, md)
	}
	pt := &page{width: 80}
	writeVerdicts(pt, v)
	for _, line := range strings.Split(pt.String(), "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("text line wider than 80 columns: %q", line)
		}
	}
	if !strings.Contains(pt.String(), "holds†: 24/24") {
		t.Errorf("text at 80 columns lost the cells:\n%s", pt.String())
	}

	v, err = layers.Judge(ps, nil, layers.VerdictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pm = &page{md: true}
	writeVerdicts(pm, v)
	if md := pm.String(); strings.Contains(md, "†") || strings.Contains(md, "sig.") || !strings.Contains(md, "rest on the point estimates alone") {
		t.Errorf("verdicts without a bootstrap:\n%s", md)
	}
}

// TestPhasesRender checks the phase line of the seed note's 6.9B MLP profile.
func TestPhasesRender(t *testing.T) {
	s, err := layers.SegmentGains(layerstest.Seed69MLP(), layers.PhaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Model = "pythia-6.9b"
	p := &page{md: true}
	writePhases(p, []*layers.Segmentation{s})
	if md := p.String(); !strings.Contains(md, "- pythia-6.9b: 7 phases: L0–1 expanding (1.38×) → L2–5 expanding") || !strings.Contains(md, "→ L31 expanding (6.24×)") {
		t.Errorf("markdown:\n%s", md)
	}
}
