package layers

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/layers/layerstest"
)

// stepLevels builds a profile of the given (gain, length) levels with multiplicative noise exp(sd·z), z standard normal.
func stepLevels(sd float64, seed uint64, levels ...[2]float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	var g []float64
	for _, lv := range levels {
		for range int(lv[1]) {
			g = append(g, lv[0]*math.Exp(sd*rng.NormFloat64()))
		}
	}
	return g
}

func segmentBounds(s *Segmentation) [][2]int {
	var out [][2]int
	for _, ph := range s.Phases {
		out = append(out, [2]int{ph.Start, ph.End})
	}
	return out
}

func sameBounds(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSegmentGainsKnownBreakpoints(t *testing.T) {
	tests := []struct {
		name   string
		gains  []float64
		opt    PhaseOptions
		bounds [][2]int
		labels []string
	}{
		{
			name: "four levels, 2 % noise",
			// 1.5 for L0–4, 1.0 for L5–14, 0.6 for L15–22, 5.0 at L23.
			gains:  stepLevels(0.02, 1, [2]float64{1.5, 5}, [2]float64{1.0, 10}, [2]float64{0.6, 8}, [2]float64{5.0, 1}),
			bounds: [][2]int{{0, 4}, {5, 14}, {15, 22}, {23, 23}},
			labels: []string{PhaseExpanding, PhaseNeutral, PhaseContracting, PhaseExpanding},
		},
		{
			// RSS is exactly 0 for three phases: the floor keeps BIC finite and picks three, not one per layer.
			name:   "exact steps",
			gains:  stepLevels(0, 1, [2]float64{0.5, 4}, [2]float64{1.1, 4}, [2]float64{2, 4}),
			bounds: [][2]int{{0, 3}, {4, 7}, {8, 11}},
			labels: []string{PhaseContracting, PhaseNeutral, PhaseExpanding},
		},
		{
			name:   "flat",
			gains:  stepLevels(0.01, 3, [2]float64{0.9, 12}),
			bounds: [][2]int{{0, 11}},
			labels: []string{PhaseNeutral},
		},
		{
			// With a minimum length of 1 the two top layers are phases of their own: a perfect fit at the floor.
			name:   "min length 1",
			gains:  stepLevels(0, 1, [2]float64{1, 6}, [2]float64{3, 1}, [2]float64{4, 1}),
			bounds: [][2]int{{0, 5}, {6, 6}, {7, 7}},
			labels: []string{PhaseNeutral, PhaseExpanding, PhaseExpanding},
		},
		{
			// With a minimum length of 2 they must share a phase.
			name:   "min length 2",
			gains:  stepLevels(0, 1, [2]float64{1, 6}, [2]float64{3, 1}, [2]float64{4, 1}),
			opt:    PhaseOptions{MinLength: 2},
			bounds: [][2]int{{0, 5}, {6, 7}},
			labels: []string{PhaseNeutral, PhaseExpanding},
		},
		{
			// Labels follow the thresholds: with expansion above 1.05, the 1.1 level expands.
			name:   "thresholds",
			gains:  stepLevels(0, 1, [2]float64{0.5, 4}, [2]float64{1.1, 4}),
			opt:    PhaseOptions{ExpandAbove: 1.05, ContractBelow: 0.4},
			bounds: [][2]int{{0, 3}, {4, 7}},
			labels: []string{PhaseNeutral, PhaseExpanding},
		},
	}
	for _, tt := range tests {
		s, err := SegmentGains(tt.gains, tt.opt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := segmentBounds(s); !sameBounds(got, tt.bounds) {
			t.Errorf("%s: phases %v, want %v: %+v", tt.name, got, tt.bounds, s.Phases)
			continue
		}
		for i, ph := range s.Phases {
			if ph.Label != tt.labels[i] {
				t.Errorf("%s: phase %d labelled %s, want %s", tt.name, i, ph.Label, tt.labels[i])
			}
			// The phase level is the mean log gain of its layers.
			var sum float64
			for l := ph.Start; l <= ph.End; l++ {
				sum += math.Log(tt.gains[l])
			}
			if mu := sum / float64(ph.Len()); math.Abs(ph.MeanLog-mu) > 1e-12 || math.Abs(ph.Gain-math.Exp(mu)) > 1e-12 {
				t.Errorf("%s: phase %d level %v, want %v", tt.name, i, ph.MeanLog, mu)
			}
		}
	}
}

// bestRSS is the least RSS of ln g over every partition into m contiguous phases of at least minLen layers, by
// exhaustive search: an independent check of the dynamic programme.
func bestRSS(y []float64, m, minLen int) float64 {
	best := math.Inf(1)
	var rec func(start, left int, acc float64)
	rec = func(start, left int, acc float64) {
		if left == 1 {
			if len(y)-start >= minLen {
				best = min(best, acc+sse(y[start:]))
			}
			return
		}
		for end := start + minLen; end <= len(y)-minLen*(left-1); end++ {
			rec(end, left-1, acc+sse(y[start:end]))
		}
	}
	rec(0, m, 0)
	return best
}

func sse(y []float64) float64 {
	var mu float64
	for _, v := range y {
		mu += v
	}
	mu /= float64(len(y))
	var s float64
	for _, v := range y {
		s += (v - mu) * (v - mu)
	}
	return s
}

func TestSegmentGainsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 5 {
		g := make([]float64, 11)
		for l := range g {
			g[l] = math.Exp(rng.NormFloat64())
		}
		y := make([]float64, len(g))
		for l := range g {
			y[l] = math.Log(g[l])
		}
		for _, minLen := range []int{1, 2, 3} {
			s, err := SegmentGains(g, PhaseOptions{MinLength: minLen})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.RSSByPhases) != len(g)/minLen {
				t.Fatalf("min length %d: %d phase counts considered, want %d", minLen, len(s.RSSByPhases), len(g)/minLen)
			}
			for m := 1; m <= len(s.RSSByPhases); m++ {
				want := bestRSS(y, m, minLen)
				if got := s.RSSByPhases[m-1]; math.Abs(got-want) > 1e-9*(1+want) {
					t.Errorf("trial %d, min length %d, %d phases: RSS %v, exhaustive %v", trial, minLen, m, got, want)
				}
				n := float64(len(g))
				bic := n*math.Log(max(s.RSSByPhases[m-1], n*0.05*0.05)/n) + float64(2*m-1)*math.Log(n)
				if math.Abs(s.BICByPhases[m-1]-bic) > 1e-9*math.Abs(bic) {
					t.Errorf("trial %d, %d phases: BIC %v, want %v", trial, m, s.BICByPhases[m-1], bic)
				}
			}
			for _, ph := range s.Phases {
				if ph.Len() < minLen {
					t.Errorf("min length %d: phase %+v", minLen, ph)
				}
			}
		}
	}
}

// TestSegmentSeedProfile segments the assumed full MLP profile of Pythia-6.9B (seed69MLP: the note's layers 0, 4, …,
// 28, 31, interpolated in log gain, L29–30 held at L28's 0.87). The note describes early expansion (L0–6), a neutral
// plateau (L7–20), a late decline (L21–30) and a final explosion at L31 alone. The interpolated profile also has the
// dip to 0.70 at L8 that the note glosses over, so we check the shape, not the note's exact layer ranges:
// expanding phases cover L0–5 and end by L6; a neutral plateau at ~1.0 covers L12–20; a lower decline phase follows
// and runs to L30; L31 is a phase of its own.
func TestSegmentSeedProfile(t *testing.T) {
	g := layerstest.Seed69MLP()
	s, err := SegmentGains(g, PhaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ph := s.Phases
	t.Logf("%+v", s.Phases)
	last := ph[len(ph)-1]
	if last.Start != 31 || last.End != 31 || last.Label != PhaseExpanding || math.Abs(last.Gain-6.24) > 1e-12 {
		t.Errorf("final phase %+v, want L31 alone at 6.24", last)
	}
	decline := ph[len(ph)-2]
	if decline.End != 30 || decline.Start < 21 || decline.Start > 24 || decline.Gain < 0.85 || decline.Gain > 0.92 {
		t.Errorf("decline phase %+v, want L21–24 … L30 at about 0.87–0.90", decline)
	}
	plateau := ph[len(ph)-3]
	if plateau.Start > 12 || plateau.End < 20 || plateau.End != decline.Start-1 || math.Abs(plateau.Gain-1) > 0.05 || plateau.Label != PhaseNeutral {
		t.Errorf("plateau phase %+v, want L≤12 … L≥20 at about 1.0", plateau)
	}
	if plateau.Gain <= decline.Gain {
		t.Errorf("plateau %v is not above the decline %v", plateau.Gain, decline.Gain)
	}
	endExp := -1
	for _, p := range ph {
		if p.Label == PhaseExpanding && p.Start < 31 {
			if p.Start != endExp+1 {
				t.Errorf("expanding phase %+v does not continue the early expansion", p)
			}
			endExp = p.End
		}
	}
	if endExp < 5 || endExp > 6 {
		t.Errorf("early expansion ends at L%d, want L5 or L6", endExp)
	}
	if labels := strings.Join(s.Labels(), " → "); !strings.HasPrefix(labels, "expanding → neutral") || !strings.HasSuffix(labels, "neutral → expanding") {
		t.Errorf("labels %s", labels)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestSegmentPhasesProfile(t *testing.T) {
	ps := seedProfiles(t)
	s, err := SegmentPhases(ps[1], PhaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != "pythia-6.9b" || s.Component != "mlp" || s.Phases[len(s.Phases)-1].Start != 31 {
		t.Errorf("segmentation %+v", s)
	}
	a, err := SegmentPhases(ps[1], PhaseOptions{Component: "attn"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range a.Phases[1:] {
		if p.Label != PhaseContracting {
			t.Errorf("attention phase %+v is not contracting", p)
		}
	}
	if _, err := SegmentPhases(ps[1], PhaseOptions{Component: "block"}); err == nil {
		t.Error("segmented a missing component")
	}
}

func TestSegmentGainsErrors(t *testing.T) {
	tests := []struct {
		gains []float64
		opt   PhaseOptions
		want  string
	}{
		{nil, PhaseOptions{}, "empty profile"},
		{[]float64{1, 0, 2}, PhaseOptions{}, "layer 1 has gain 0"},
		{[]float64{1, math.NaN()}, PhaseOptions{}, "layer 1 has gain NaN"},
		{[]float64{1, math.Inf(1)}, PhaseOptions{}, "layer 1 has gain +Inf"},
		{[]float64{1, 2}, PhaseOptions{MinLength: 3}, "minimum phase length 3 exceeds the 2 layers"},
		{[]float64{1, 2}, PhaseOptions{ExpandAbove: 0.5, ContractBelow: 0.9}, "contract threshold"},
		{[]float64{1, 2}, PhaseOptions{MinScatter: -1}, "minimum scatter"},
	}
	for _, tt := range tests {
		_, err := SegmentGains(tt.gains, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %+v: error %v, want %q", tt.gains, tt.opt, err, tt.want)
		}
	}
}
