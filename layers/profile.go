// Package layers is the seed note's analysis of each run's layer profile: a run reorganised as a Profile of per-layer,
// per-sequence gains; the model-level metrics read from it (the y variables of package fit); the sequence bootstrap of
// the layer gains; the comparison tables; the verdicts on the note's five predictions; and the segmentation of a
// profile into phases. Analyze wires them once, in that order, for every command that shows them.
//
// Nothing here renders text: package report turns these results into tables and prose.
package layers

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/schema"
)

// Profile is one model's run reorganised for statistics: for every component, the per-sequence mean gains as a
// [layer][sequence] grid, and the number of counted tokens of each sequence.
//
// The layer-level gain (docs/run-file.md) is the token-weighted mean over sequences,
//
//	g_ℓ = Σ_s n_s · ḡ_{ℓ,s} / Σ_s n_s,
//
// where n_s is the token count of sequence s and ḡ_{ℓ,s} its mean gain at layer ℓ. Bootstraps reweight sequences:
// with resample counts c_s the weight of sequence s becomes c_s · n_s.
type Profile struct {
	Model           string
	Revision        string
	Architecture    string
	Backend         string
	NParams         int64
	NParamsNonembed int64
	NLayers         int
	HiddenSize      int
	Meta            map[string]string

	Tokens []float64            // [seq] counted tokens of each sequence
	gain   map[string][]float64 // component → gain_mean at [layer·nseq + seq]
}

// NewProfile checks that run holds exactly one model with a complete (layer, component, sequence) grid and arranges it
// as a Profile. Components missing from the run are simply absent from the profile.
//
// A run file is untrusted: its n_layers and seq columns are only numbers in a file. The grid is allocated only after
// the rows have been counted, so a 16 KB file that declares n_layers = 1e9 is refused instead of allocating gigabytes.
// Every gain must be a finite number: a NaN or an infinity, which a forward pass that overflowed writes, is reported
// with its place rather than skipped (a NaN would otherwise drop out of every comparison in the metrics).
func NewProfile(run *schema.Run) (*Profile, error) {
	if len(run.Rows) == 0 {
		return nil, fmt.Errorf("run has no rows")
	}
	first := run.Rows[0]
	p := &Profile{
		Model: first.Model, Revision: first.Revision, Architecture: first.Architecture, Backend: first.Backend,
		NParams: first.NParams, NParamsNonembed: first.NParamsNonembed,
		NLayers: int(first.NLayers), HiddenSize: int(first.HiddenSize),
		Meta: run.Meta, gain: map[string][]float64{},
	}
	if p.NLayers <= 0 {
		return nil, fmt.Errorf("model %q: n_layers is %d", p.Model, p.NLayers)
	}
	nseq := 0
	for _, r := range run.Rows {
		if r.Model != p.Model || r.Revision != p.Revision {
			return nil, fmt.Errorf("run mixes models %q and %q: one model per run file", p.Model+revSuffix(p.Revision), r.Model+revSuffix(r.Revision))
		}
		if r.Seq < 0 || r.Layer < 0 || int(r.Layer) >= p.NLayers {
			return nil, fmt.Errorf("model %q: row with layer %d, seq %d is out of range", p.Model, r.Layer, r.Seq)
		}
		nseq = max(nseq, int(r.Seq)+1)
	}
	// Every component present needs n_layers × sequences rows: count before allocating grids of that size.
	if need := int64(p.NLayers) * int64(nseq); need > int64(len(run.Rows)) {
		return nil, firstMissing(run.Rows, p.Model, p.NLayers, nseq)
	}
	p.Tokens = make([]float64, nseq)
	tokSeen := make([]bool, nseq)
	seen := map[string][]bool{}
	for _, r := range run.Rows {
		g, ok := p.gain[r.Component]
		if !ok {
			if !slices.Contains(schema.Components, r.Component) {
				return nil, fmt.Errorf("model %q: unknown component %q", p.Model, r.Component)
			}
			g = make([]float64, p.NLayers*nseq)
			p.gain[r.Component] = g
			seen[r.Component] = make([]bool, len(g))
		}
		i := int(r.Layer)*nseq + int(r.Seq)
		if seen[r.Component][i] {
			return nil, fmt.Errorf("model %q: duplicate row for layer %d, %s, seq %d", p.Model, r.Layer, r.Component, r.Seq)
		}
		seen[r.Component][i] = true
		if v := r.GainMean; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("model %q: layer %d, %s, seq %d: gain_mean is %v, not a number a statistic can use; the backend's forward pass may have overflowed",
				p.Model, r.Layer, r.Component, r.Seq, v)
		}
		g[i] = r.GainMean
		if !tokSeen[r.Seq] {
			p.Tokens[r.Seq], tokSeen[r.Seq] = float64(r.NTokens), true
		} else if p.Tokens[r.Seq] != float64(r.NTokens) {
			return nil, fmt.Errorf("model %q: seq %d has n_tokens %d and %v in different rows", p.Model, r.Seq, r.NTokens, p.Tokens[r.Seq])
		}
	}
	for c, s := range seen {
		for i, ok := range s {
			if !ok {
				return nil, fmt.Errorf("model %q: no row for layer %d, %s, seq %d", p.Model, i/nseq, c, i%nseq)
			}
		}
	}
	for s, n := range p.Tokens {
		if n <= 0 {
			return nil, fmt.Errorf("model %q: seq %d counts no tokens", p.Model, s)
		}
	}
	return p, nil
}

// firstMissing names the first (layer, sequence) of the first row's component that has no row, for a run whose rows
// cannot fill an n_layers × nseq grid. It needs memory for the rows only: among the first len(rows)+1 cells of the
// grid at least one is missing.
func firstMissing(rows []schema.Row, model string, nLayers, nseq int) error {
	comp := rows[0].Component
	have := make(map[int64]bool, len(rows))
	for _, r := range rows {
		if r.Component == comp {
			have[int64(r.Layer)*int64(nseq)+int64(r.Seq)] = true
		}
	}
	i := int64(0)
	for have[i] {
		i++
	}
	return fmt.Errorf("model %q: no row for layer %d, %s, seq %d (the run declares %d layers and %d sequences, %d rows for %d cells)",
		model, i/int64(nseq), comp, i%int64(nseq), nLayers, nseq, len(rows), int64(nLayers)*int64(nseq))
}

func revSuffix(rev string) string {
	if rev == "" {
		return ""
	}
	return "@" + rev
}

// Name is the model id with its revision, as "pythia-160m@step1000", or the bare id when there is no revision.
func (p *Profile) Name() string { return p.Model + revSuffix(p.Revision) }

// NSeq is the number of sequences in the run.
func (p *Profile) NSeq() int { return len(p.Tokens) }

// Has reports whether the run holds component.
func (p *Profile) Has(component string) bool { _, ok := p.gain[component]; return ok }

// Grid returns every per-sequence mean gain of component as one [layer][sequence] grid laid out row by row, at
// layer·NSeq() + seq, or nil when the run lacks the component. The slice aliases the profile; do not modify it.
func (p *Profile) Grid(component string) []float64 { return p.gain[component] }

// SetGrid sets component's per-sequence mean gains to grid, laid out as Grid returns it, for profiles built in
// memory (simulations, tests) rather than read from a run file. It needs len(p.Tokens) sequences and NLayers layers.
func (p *Profile) SetGrid(component string, grid []float64) error {
	if !slices.Contains(schema.Components, component) {
		return fmt.Errorf("model %q: unknown component %q", p.Model, component)
	}
	if p.NLayers <= 0 || len(grid) != p.NLayers*len(p.Tokens) {
		return fmt.Errorf("model %q: %s grid of %d values for %d layers × %d sequences", p.Model, component, len(grid), p.NLayers, len(p.Tokens))
	}
	if p.gain == nil {
		p.gain = map[string][]float64{}
	}
	p.gain[component] = grid
	return nil
}

// SeqGains returns the per-sequence mean gains of component at layer. The slice aliases the profile; do not modify it.
func (p *Profile) SeqGains(component string, layer int) []float64 {
	g := p.gain[component]
	if g == nil {
		return nil
	}
	n := p.NSeq()
	return g[layer*n : (layer+1)*n]
}

// LayerGain returns the layer-level gain of component at layer, the token-weighted mean over sequences. With w non-nil
// each sequence's weight is multiplied by w[s] (bootstrap resample counts); w == nil means every w[s] = 1.
// It returns NaN when the component is absent or every weight is zero.
func (p *Profile) LayerGain(component string, layer int, w []float64) float64 {
	g := p.SeqGains(component, layer)
	if g == nil {
		return math.NaN()
	}
	var num, den float64
	for s, gs := range g {
		ws := p.Tokens[s]
		if w != nil {
			ws *= w[s]
		}
		num += ws * gs
		den += ws
	}
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// LayerGains returns LayerGain for every layer.
func (p *Profile) LayerGains(component string, w []float64) []float64 {
	out := make([]float64, p.NLayers)
	for l := range out {
		out[l] = p.LayerGain(component, l, w)
	}
	return out
}

// Depth is layer / (NLayers − 1), the normalised depth of docs/run-file.md (0 for a one-layer model).
func (p *Profile) Depth(layer int) float64 {
	if p.NLayers <= 1 {
		return 0
	}
	return float64(layer) / float64(p.NLayers-1)
}

// TotalTokens is the number of counted tokens over all sequences.
func (p *Profile) TotalTokens() float64 {
	var t float64
	for _, n := range p.Tokens {
		t += n
	}
	return t
}
