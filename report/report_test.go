package report

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

var update = flag.Bool("update", false, "rewrite the golden reports under testdata/report")

const goldenDir = "../testdata/report"

// checkGolden compares got with the golden file name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(if the change is deliberate, run go test ./report -update and review the diff)", path, i+1, g, w)
			}
		}
	}
}

func profiles(t *testing.T, ms []fixtureModel) []*layers.Profile {
	var ps []*layers.Profile
	for _, m := range ms {
		ps = append(ps, fixtureProfile(t, m))
	}
	return ps
}

// TestGoldenSeedLike pins the whole report for four models shaped like the seed's Pythia profiles.
func TestGoldenSeedLike(t *testing.T) {
	ms := seedLike()
	var sources []string
	for _, m := range ms {
		sources = append(sources, "runs/"+m.name+".parquet")
	}
	r, err := Build(profiles(t, ms), Options{Sources: sources, Resamples: 400, Predict: []string{"pythia-12b", "175e9"},
		Reference: "seed-pythia", Figure: "figure.png"})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "seed-like.md", r.Markdown())
}

// TestGoldenUntrainedSingle pins the report of one untrained control measured on a single sequence: no intervals
// can be computed and no scaling law can be fitted, and the report must say both plainly.
func TestGoldenUntrainedSingle(t *testing.T) {
	m := fixtureModel{name: "synth-tiny", params: 164352, nonemb: 98816, layers: 4, hidden: 64,
		attn: func(u float64) float64 { return 0.6 - 0.2*u }, mlp: func(u float64) float64 { return 0.9 + 0.4*u },
		noise: 0.05, nseq: 1, meta: map[string]string{schema.MetaSkipFirst: "0"}}
	r, err := Build(profiles(t, []fixtureModel{m}), Options{Untrained: true, Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "untrained-single.md", r.Markdown())
}

// TestLayerTableKnown checks layer cells and counts against gains chosen by hand. With no noise every sequence has
// the layer gain, so each bootstrap interval is that gain exactly and its side of 1 is known.
func TestLayerTableKnown(t *testing.T) {
	attn := []float64{0.5, 0.25, 0.125, 0.8}
	mlp := []float64{1.5, 0.75, 0.875, 4}
	m := fixtureModel{name: "known", params: 1000, nonemb: 800, layers: 4, hidden: 8, nseq: 3,
		attn: func(u float64) float64 { return attn[int(math.Round(3*u))] },
		mlp:  func(u float64) float64 { return mlp[int(math.Round(3*u))] }}
	r, err := Build(profiles(t, []fixtureModel{m}), Options{Resamples: 50})
	if err != nil {
		t.Fatal(err)
	}
	md := r.Markdown()
	for _, want := range []string{
		"| L0 | 0.00 | 0.500 [0.500, 0.500] ▼ | 1.50 [1.50, 1.50] ▲ | 0.750 [0.750, 0.750] ▼ |",
		"| L1 | 0.33 | 0.250 [0.250, 0.250] ▼ | 0.750 [0.750, 0.750] ▼ | 0.188 [0.188, 0.188] ▼ |",
		"| L3 | 1.00 | 0.800 [0.800, 0.800] ▼ | 4.00 [4.00, 4.00] ▲ | 3.20 [3.20, 3.20] ▲ |",
		"**attn**: 4/4 contract, 4 significantly; 0 expand significantly; min 0.125 (L2), max 0.800 (L3), last 0.800.",
		"**mlp**: 2/4 contract, 2 significantly; 2 expand significantly; min 0.750 (L1), max 4.00 (L3), last 4.00.",
		"**combined**: 3/4 contract, 3 significantly; 1 expands significantly; min 0.109 (L2), max 3.20 (L3), last 3.20.",
		"| MLP mostly contracts (≥ 75 % of layers) | fails†: 2/4 contract (2 sig.), 2 sig. expand |",
		"| Net expansion only at the last layer | holds†: L3 expands net |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, "Untrained controls") {
		t.Error("report calls trained runs untrained controls")
	}
}

// TestSettingsDiffer checks that runs measured with different settings are flagged.
func TestSettingsDiffer(t *testing.T) {
	ms := seedLike()[:2]
	ms[1].meta = map[string]string{schema.MetaGELU: "tanh", schema.MetaDataset: "other.txt"}
	r, err := Build(profiles(t, ms), Options{Resamples: 50})
	if err != nil {
		t.Fatal(err)
	}
	if want := "**Caution:** the runs differ in Dataset and GELU"; !strings.Contains(r.Markdown(), want) {
		t.Errorf("report lacks %q", want)
	}
}

func TestBuildErrors(t *testing.T) {
	ms := seedLike()
	good := profiles(t, ms[:2])
	noMLP := fixtureRun(ms[2])
	var rows []schema.Row
	for _, row := range noMLP.Rows {
		if row.Component != "mlp" {
			rows = append(rows, row)
		}
	}
	noMLP.Rows = rows
	pNoMLP, err := layers.NewProfile(noMLP)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ps   []*layers.Profile
		opt  Options
		want string
	}{
		{"none", nil, Options{}, "no runs"},
		{"twice", []*layers.Profile{good[0], good[0]}, Options{}, "appears twice"},
		{"no mlp", []*layers.Profile{good[0], pNoMLP}, Options{}, `no "mlp" rows`},
		{"confidence", good, Options{Confidence: 1.5}, "confidence"},
		{"sources", good, Options{Sources: []string{"a"}}, "1 sources for 2 runs"},
		{"metric", good, Options{Y: "nope"}, "nope"},
		{"covariate", good, Options{X: "nope"}, "nope"},
	} {
		_, err := Build(tc.ps, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestJoinAnd(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a and b"}, {[]string{"a", "b", "c"}, "a, b and c"}} {
		if got := joinAnd(tc.words); got != tc.want {
			t.Errorf("joinAnd(%q) = %q, want %q", tc.words, got, tc.want)
		}
	}
}

// TestScalingKnown checks the scaling-law section on models whose final MLP gain follows y = 0.002·x^0.5 exactly:
// the exponent is 0.5, the fitted values are the measured ones, and the prediction at x = 64e6 is 16.
func TestScalingKnown(t *testing.T) {
	var ms []fixtureModel
	for i, x := range []int64{1e6, 4e6, 16e6} {
		final := 0.002 * math.Sqrt(float64(x))
		ms = append(ms, fixtureModel{name: fmt.Sprintf("law-%d", i), params: x, nonemb: x / 2, layers: 3, hidden: 8, nseq: 3,
			attn: func(float64) float64 { return 0.5 },
			mlp: func(u float64) float64 {
				if u == 1 {
					return final
				}
				return 0.9
			}})
	}
	r, err := Build(profiles(t, ms), Options{Resamples: 50, Predict: []string{"64e6"}})
	if err != nil {
		t.Fatal(err)
	}
	md := r.Markdown()
	for _, want := range []string{
		"| law-0 | 1,000,000 | 2.00 | 0 | 2.00 | ",
		"| law-2 | 16,000,000 | 8.00 | 0 | 8.00 | ",
		"**Exponent b = 0.500**, 95 % CI [0.500, 0.500] (Student t, 1 df",
		"R² = 1.00; n = 3.",
		"| 64e6 | 64,000,000 | 16.0 | [16.0, 16.0] | [16.0, 16.0] |",
		"| law-1 | 4.00 | 4.00 | 0.0 % |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if f := r.Scaling.Fit; math.Abs(f.Exponent-0.5) > 1e-12 || math.Abs(f.Prefactor-0.002) > 1e-14 {
		t.Errorf("fit gives y = %v·x^%v, want 0.002·x^0.5", f.Prefactor, f.Exponent)
	}
}

// TestPhasesNone checks that --phases none leaves the phases out of the report, as it does in compare.
func TestPhasesNone(t *testing.T) {
	r, err := Build(profiles(t, seedLike()[:2]), Options{Resamples: 50, Phases: layers.PhaseOptions{Component: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if md := r.Markdown(); strings.Contains(md, "## Phases") || len(r.Phases) != 0 {
		t.Errorf("report with --phases none has phases:\n%s", md)
	}
}

// TestOrderIsTheCallers checks that Build keeps the order it is given (the commands order runs by size first), so
// the change columns compare the neighbours the caller chose.
func TestOrderIsTheCallers(t *testing.T) {
	ms := seedLike()
	r, err := Build(profiles(t, []fixtureModel{ms[1], ms[0]}), Options{Resamples: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Markdown(), "| Metric | fixture-1.4b | fixture-410m | Change |") {
		t.Error("Build reordered the models")
	}
}
