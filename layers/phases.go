package layers

import (
	"fmt"
	"math"
)

// Phase labels, by the phase's mean level (see PhaseOptions).
const (
	PhaseExpanding   = "expanding"
	PhaseNeutral     = "neutral"
	PhaseContracting = "contracting"
)

// PhaseOptions configures the segmentation of a layer profile into phases. The zero value selects every default.
type PhaseOptions struct {
	// Component is the component whose profile is segmented; default "mlp".
	Component string `json:"component"`
	// MinLength is the fewest layers a phase may hold; default 1, so a single final layer can be its own phase.
	MinLength int `json:"min_length"`
	// MaxPhases caps the number of phases considered; default (and upper bound) ⌊L / MinLength⌋.
	MaxPhases int `json:"max_phases"`
	// ExpandAbove and ContractBelow are the gain thresholds of the labels: a phase whose mean level exp(μ) is above
	// ExpandAbove expands, below ContractBelow contracts, and is neutral in between (bounds included). Defaults 1.25
	// and 0.8, symmetric in log: ln 1.25 = −ln 0.8 ≈ 0.223.
	ExpandAbove   float64 `json:"expand_above"`
	ContractBelow float64 `json:"contract_below"`
	// MinScatter r is the root-mean-square scatter of ln g within a phase that is accepted as one level. The RSS in the
	// BIC is floored at n·r², so a profile that varies smoothly but is measured precisely is not cut into a phase per
	// layer, and a perfect fit (RSS = 0) does not send ln RSS to −∞. Default 0.05, about a 5 % change in gain.
	MinScatter float64 `json:"min_scatter"`
}

func (o PhaseOptions) withDefaults(n int) PhaseOptions {
	if o.Component == "" {
		o.Component = "mlp"
	}
	if o.MinLength <= 0 {
		o.MinLength = 1
	}
	if maxK := n / o.MinLength; o.MaxPhases <= 0 || o.MaxPhases > maxK {
		o.MaxPhases = maxK
	}
	if o.ExpandAbove == 0 {
		o.ExpandAbove = 1.25
	}
	if o.ContractBelow == 0 {
		o.ContractBelow = 0.8
	}
	if o.MinScatter == 0 {
		o.MinScatter = 0.05
	}
	return o
}

// Phase is a run of contiguous layers [Start, End] (inclusive) with one mean level.
type Phase struct {
	Start      int     `json:"start"`
	End        int     `json:"end"`
	StartDepth float64 `json:"start_depth"` // Start / (L − 1)
	EndDepth   float64 `json:"end_depth"`
	MeanLog    float64 `json:"mean_log"` // μ, the mean of ln g over the phase's layers
	Gain       float64 `json:"gain"`     // exp(μ), the geometric mean gain of the phase
	Label      string  `json:"label"`    // expanding, neutral or contracting
}

// Len is the number of layers in the phase.
func (ph Phase) Len() int { return ph.End - ph.Start + 1 }

// Segmentation is the BIC-optimal partition of a log-gain profile into phases.
type Segmentation struct {
	Model     string  `json:"model,omitempty"`
	Component string  `json:"component"`
	Phases    []Phase `json:"phases"`
	RSS       float64 `json:"rss"` // Σ (ln g_ℓ − μ_phase(ℓ))² of the chosen partition
	BIC       float64 `json:"bic"`
	// RSSByPhases[m−1] and BICByPhases[m−1] are the RSS and BIC of the best partition into m phases, m = 1 … MaxPhases.
	RSSByPhases []float64    `json:"rss_by_phases"`
	BICByPhases []float64    `json:"bic_by_phases"`
	Options     PhaseOptions `json:"options"`
}

// SegmentPhases segments p's layer profile of opt.Component (default mlp); see SegmentGains.
func SegmentPhases(p *Profile, opt PhaseOptions) (*Segmentation, error) {
	opt = opt.withDefaults(p.NLayers)
	if !p.Has(opt.Component) {
		return nil, fmt.Errorf("phases of %s: the run has no %q rows", p.Name(), opt.Component)
	}
	seg, err := SegmentGains(p.LayerGains(opt.Component, nil), opt)
	if err != nil {
		return nil, fmt.Errorf("phases of %s: %w", p.Name(), err)
	}
	seg.Model = p.Name()
	return seg, nil
}

// SegmentGains partitions the layer gains g_0 … g_{n−1} into contiguous phases of constant level in log space.
//
// With y_ℓ = ln g_ℓ, the best partition into m phases minimises the residual sum of squares
//
//	RSS_m = Σ_phases Σ_{ℓ ∈ phase} (y_ℓ − ȳ_phase)²,
//
// found exactly by dynamic programming over the last breakpoint, D_m(j) = min_i D_{m−1}(i) + cost(i, j), in O(M·n²)
// time for M candidate phase counts, with each segment's cost in O(1) from prefix sums of y and y². Every phase holds
// at least MinLength layers.
//
// The number of phases is the m that minimises the Bayesian information criterion
//
//	BIC_m = n · ln(max(RSS_m, n·r²) / n) + k_m · ln n,   k_m = 2m − 1,
//
// the Gaussian BIC up to a constant, with k counting the m phase means and the m − 1 breakpoints. Counting each
// breakpoint as a parameter is the usual choice for change-point models (a breakpoint is estimated from the data, and
// penalising it like a mean keeps BIC from splitting at every wiggle). r is MinScatter: without a floor, a profile
// measured with little noise would have its smooth within-phase variation cut into ever more phases, since then
// RSS_m/n, not sampling noise, is the only variance the criterion sees. Ties go to fewer phases.
//
// Each phase is labelled by its geometric mean gain exp(ȳ): expanding above ExpandAbove, contracting below
// ContractBelow, neutral otherwise. Gains must be positive and finite.
func SegmentGains(gains []float64, opt PhaseOptions) (*Segmentation, error) {
	n := len(gains)
	opt = opt.withDefaults(n)
	if n == 0 {
		return nil, fmt.Errorf("segment phases: empty profile")
	}
	if opt.MinLength > n {
		return nil, fmt.Errorf("segment phases: minimum phase length %d exceeds the %d layers", opt.MinLength, n)
	}
	if !(opt.ContractBelow > 0 && opt.ContractBelow <= opt.ExpandAbove) {
		return nil, fmt.Errorf("segment phases: need 0 < contract threshold ≤ expand threshold, got %v and %v", opt.ContractBelow, opt.ExpandAbove)
	}
	if !(opt.MinScatter > 0) || math.IsInf(opt.MinScatter, 0) {
		return nil, fmt.Errorf("segment phases: minimum scatter must be positive and finite, got %v", opt.MinScatter)
	}
	y := make([]float64, n)
	for l, g := range gains {
		if !(g > 0) || math.IsInf(g, 0) {
			return nil, fmt.Errorf("segment phases: layer %d has gain %v; need a positive finite gain to take its log", l, g)
		}
		y[l] = math.Log(g)
	}

	// Prefix sums for the within-segment sum of squares of y[i:j] (half-open): S2 − S1²/len.
	s1 := make([]float64, n+1)
	s2 := make([]float64, n+1)
	for l, v := range y {
		s1[l+1] = s1[l] + v
		s2[l+1] = s2[l] + v*v
	}
	cost := func(i, j int) float64 {
		d := s1[j] - s1[i]
		c := s2[j] - s2[i] - d*d/float64(j-i)
		return max(c, 0) // rounding can leave a tiny negative
	}

	M, minLen := opt.MaxPhases, opt.MinLength
	inf := math.Inf(1)
	// D[m][j]: the least RSS of y[0:j] in m+1 phases; from[m][j]: where its last phase starts.
	D := make([][]float64, M)
	from := make([][]int, M)
	for m := range D {
		D[m] = make([]float64, n+1)
		from[m] = make([]int, n+1)
		for j := range D[m] {
			D[m][j] = inf
		}
	}
	for j := minLen; j <= n; j++ {
		D[0][j] = cost(0, j)
	}
	for m := 1; m < M; m++ {
		for j := (m + 1) * minLen; j <= n; j++ {
			best, at := inf, -1
			for i := m * minLen; i <= j-minLen; i++ {
				if D[m-1][i] == inf {
					continue
				}
				if c := D[m-1][i] + cost(i, j); c < best {
					best, at = c, i
				}
			}
			D[m][j], from[m][j] = best, at
		}
	}

	nf := float64(n)
	floor := nf * opt.MinScatter * opt.MinScatter
	seg := &Segmentation{Component: opt.Component, Options: opt, RSSByPhases: make([]float64, M), BICByPhases: make([]float64, M)}
	bestM, bestBIC := 0, inf
	for m := 0; m < M; m++ {
		rss := D[m][n]
		seg.RSSByPhases[m] = rss
		if rss == inf {
			seg.BICByPhases[m] = inf
			continue
		}
		k := float64(2*(m+1) - 1)
		bic := nf*math.Log(max(rss, floor)/nf) + k*math.Log(nf)
		seg.BICByPhases[m] = bic
		if bic < bestBIC {
			bestM, bestBIC = m, bic
		}
	}
	seg.RSS, seg.BIC = D[bestM][n], bestBIC

	// Walk the breakpoints back from the end.
	bounds := make([]int, bestM+2)
	bounds[bestM+1] = n
	for m, j := bestM, n; m > 0; m-- {
		j = from[m][j]
		bounds[m] = j
	}
	depth := func(l int) float64 {
		if n <= 1 {
			return 0
		}
		return float64(l) / float64(n-1)
	}
	for m := 0; m <= bestM; m++ {
		i, j := bounds[m], bounds[m+1]
		mu := (s1[j] - s1[i]) / float64(j-i)
		g := math.Exp(mu)
		seg.Phases = append(seg.Phases, Phase{
			Start: i, End: j - 1, StartDepth: depth(i), EndDepth: depth(j - 1),
			MeanLog: mu, Gain: g, Label: phaseLabel(g, opt),
		})
	}
	return seg, nil
}

func phaseLabel(g float64, opt PhaseOptions) string {
	switch {
	case g > opt.ExpandAbove:
		return PhaseExpanding
	case g < opt.ContractBelow:
		return PhaseContracting
	}
	return PhaseNeutral
}

// Labels returns the phase labels in order, with adjacent equal labels merged: the coarse shape of the profile, as
// "expanding → neutral → expanding".
func (s *Segmentation) Labels() []string {
	var out []string
	for _, ph := range s.Phases {
		if len(out) == 0 || out[len(out)-1] != ph.Label {
			out = append(out, ph.Label)
		}
	}
	return out
}
