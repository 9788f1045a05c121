package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/scalefit/scalefit/internal/resample"
)

// Interval is the layer-level gain of one component at one layer with its layer-bootstrap percentile interval.
//
// Gain is the token-weighted mean over the run's sequences (Profile.LayerGain). Lo and Hi bound the interval at the
// requested confidence; both are NaN when the run holds a single sequence, because a resample of one sequence is that
// sequence again and says nothing about sampling variability. Tokens is the number of counted tokens behind Gain.
type Interval struct {
	Layer  int     `json:"layer"`
	Gain   float64 `json:"gain"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	Tokens float64 `json:"tokens"`
}

// Below reports whether the whole interval lies below x (Hi < x): the layer gain is significantly smaller than x.
// It is false when the interval is undefined.
func (iv Interval) Below(x float64) bool { return iv.Hi < x }

// Above reports whether the whole interval lies above x (Lo > x). It is false when the interval is undefined.
func (iv Interval) Above(x float64) bool { return iv.Lo > x }

// Defined reports whether Lo and Hi are numbers.
func (iv Interval) Defined() bool { return !math.IsNaN(iv.Lo) && !math.IsNaN(iv.Hi) }

// MarshalJSON writes undefined bounds as null, since JSON has no NaN.
func (iv Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Layer  int      `json:"layer"`
		Gain   *float64 `json:"gain"`
		Lo     *float64 `json:"lo"`
		Hi     *float64 `json:"hi"`
		Tokens float64  `json:"tokens"`
	}{iv.Layer, vdNum(iv.Gain), vdNum(iv.Lo), vdNum(iv.Hi), iv.Tokens})
}

// BootConfig configures the sequence-level bootstrap of layer gains.
type BootConfig struct {
	Resamples  int     // number of bootstrap resamples B, at least 1 (2000 is plenty for 95 % percentile bounds)
	Confidence float64 // two-sided confidence level, in (0, 1)
	Seed       uint64  // the resamples are a deterministic function of Seed
	Workers    int     // goroutines; 0 means GOMAXPROCS. The result does not depend on it.
}

// Bands holds the layer-bootstrap intervals of several components of one model, all from the same resamples.
type Bands struct {
	Model      string                `json:"model"`
	Resamples  int                   `json:"resamples"`
	Confidence float64               `json:"confidence"`
	Seed       uint64                `json:"seed"`
	NSeq       int                   `json:"n_seq"`
	Components map[string][]Interval `json:"components"` // component → one Interval per layer
}

// Get returns the intervals of component, or nil when it was not bootstrapped.
func (b *Bands) Get(component string) []Interval {
	if b == nil {
		return nil
	}
	return b.Components[component]
}

// Intervals bootstraps the layer gains of one component of p and returns one percentile interval per layer.
// It is Bootstrap for a single component with the default worker count; it returns nil when p lacks the
// component or the arguments are invalid (resamples < 1, confidence outside (0, 1)). Use Bootstrap to learn
// why, or to bootstrap several components from the same resamples at once.
func Intervals(p *Profile, component string, resamples int, confidence float64, seed uint64) []Interval {
	b, err := Bootstrap(p, []string{component}, BootConfig{Resamples: resamples, Confidence: confidence, Seed: seed})
	if err != nil {
		return nil
	}
	return b.Components[component]
}

// Bootstrap computes percentile intervals for the layer gains of every listed component of p.
//
// The resampling unit is the input sequence: the per-token gains within a sequence are correlated, so sequences, not
// tokens, are the independent draws. Resample b draws S sequences with replacement from the run's S sequences,
// giving counts c_s with Σ c_s = S, and recomputes every layer gain as the token-weighted mean
//
//	g*_ℓ = Σ_s c_s · n_s · ḡ_{ℓ,s} / Σ_s c_s · n_s
//
// (Profile.LayerGain with weights c_s). The same draw serves every layer and every component, so joint statements
// across layers see consistent resamples, and the cost is one pass over the drawn sequences per resample.
//
// The interval at confidence 1 − α is the percentile interval [q(α/2), q(1 − α/2)] of the B resampled values, where q is
// the empirical quantile with linear interpolation between order statistics (type 7 of Hyndman and Fan, NumPy's
// default): q(p) = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)) with h = (B − 1)·p on the sorted values, 0-based.
//
// Resample b uses its own PCG generator seeded from (Seed, b), so the result is a function of Seed alone and does not
// depend on Workers or scheduling. With a single sequence every Lo and Hi is NaN.
func Bootstrap(p *Profile, components []string, cfg BootConfig) (*Bands, error) {
	if p == nil {
		return nil, fmt.Errorf("layer bootstrap: no profile")
	}
	if cfg.Resamples < 1 {
		return nil, fmt.Errorf("layer bootstrap of %s: resamples must be at least 1, got %d", p.Name(), cfg.Resamples)
	}
	if !(cfg.Confidence > 0 && cfg.Confidence < 1) {
		return nil, fmt.Errorf("layer bootstrap of %s: confidence must be in (0, 1), got %v", p.Name(), cfg.Confidence)
	}
	if len(components) == 0 {
		return nil, fmt.Errorf("layer bootstrap of %s: no components", p.Name())
	}
	for i, c := range components {
		if !p.Has(c) {
			return nil, fmt.Errorf("layer bootstrap of %s: the run has no %q rows", p.Name(), c)
		}
		if slices.Contains(components[:i], c) {
			return nil, fmt.Errorf("layer bootstrap of %s: component %q listed twice", p.Name(), c)
		}
	}
	L, S, C := p.NLayers, p.NSeq(), len(components)
	K := C * L
	total := p.TotalTokens()
	out := &Bands{
		Model: p.Name(), Resamples: cfg.Resamples, Confidence: cfg.Confidence, Seed: cfg.Seed, NSeq: S,
		Components: make(map[string][]Interval, C),
	}
	for _, c := range components {
		ivs := make([]Interval, L)
		for l := range ivs {
			ivs[l] = Interval{Layer: l, Gain: p.LayerGain(c, l, nil), Lo: math.NaN(), Hi: math.NaN(), Tokens: total}
		}
		out.Components[c] = ivs
	}
	if S < 2 {
		return out, nil
	}

	// x[s·K + c·L + ℓ] = n_s · ḡ_{ℓ,s} for component c: one contiguous row per sequence, so a resample adds S rows.
	x := make([]float64, S*K)
	for ci, c := range components {
		for l := 0; l < L; l++ {
			for s, g := range p.SeqGains(c, l) {
				x[s*K+ci*L+l] = p.Tokens[s] * g
			}
		}
	}

	B := cfg.Resamples
	reps := make([]float64, K*B) // reps[j·B + b]: resample b of quantity j, so each column sorts in place
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, B)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			src := &rand.PCG{}
			rng := rand.New(src)
			acc := make([]float64, K)
			for b := w; b < B; b += workers {
				src.Seed(resample.StreamSeed(cfg.Seed, uint64(b)))
				clear(acc)
				var den float64
				for range S {
					s := rng.IntN(S)
					row := x[s*K : s*K+K]
					row = row[:len(acc)]
					for j, v := range row {
						acc[j] += v
					}
					den += p.Tokens[s]
				}
				for j, a := range acc {
					reps[j*B+b] = a / den
				}
			}
		}(w)
	}
	wg.Wait()

	alpha := 1 - cfg.Confidence
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := w; j < K; j += workers {
				col := reps[j*B : (j+1)*B]
				slices.Sort(col)
				iv := &out.Components[components[j/L]][j%L]
				iv.Lo = resample.Percentile(col, alpha/2)
				iv.Hi = resample.Percentile(col, 1-alpha/2)
			}
		}(w)
	}
	wg.Wait()
	return out, nil
}
