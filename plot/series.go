package plot

import (
	"fmt"
	"math"
)

// Series is one model's layer profile in a layer panel: the gains Y at positions X, and optionally a band [Lo, Hi]
// around them, such as a bootstrap percentile interval of each layer's gain.
//
// X holds layer indices 0 … L−1, or normalised depths ℓ/(L−1) in [0, 1] when the figure's Depth is set. Gains are
// drawn on a log axis, so Y, Lo and Hi must be finite and positive. Lo and Hi are both nil (no band) or both as long
// as X.
type Series struct {
	Label  string
	X, Y   []float64
	Lo, Hi []float64
}

// HasBand reports whether s carries a band.
func (s *Series) HasBand() bool { return s.Lo != nil || s.Hi != nil }

func (s *Series) validate() error {
	if len(s.X) == 0 {
		return fmt.Errorf("series %q has no points", s.Label)
	}
	if len(s.Y) != len(s.X) {
		return fmt.Errorf("series %q has %d x values and %d y values", s.Label, len(s.X), len(s.Y))
	}
	if s.HasBand() && (len(s.Lo) != len(s.X) || len(s.Hi) != len(s.X)) {
		return fmt.Errorf("series %q has %d points but a band of %d lower and %d upper values", s.Label, len(s.X), len(s.Lo), len(s.Hi))
	}
	for i := range s.X {
		if !finite(s.X[i]) {
			return fmt.Errorf("series %q: x[%d] is %v", s.Label, i, s.X[i])
		}
		if !positive(s.Y[i]) {
			return fmt.Errorf("series %q: gain at x = %g is %v; a log axis needs finite gains > 0", s.Label, s.X[i], s.Y[i])
		}
		if s.HasBand() {
			if !positive(s.Lo[i]) || !positive(s.Hi[i]) || s.Lo[i] > s.Hi[i] {
				return fmt.Errorf("series %q: band at x = %g is [%v, %v]; want finite 0 < lo ≤ hi", s.Label, s.X[i], s.Lo[i], s.Hi[i])
			}
		}
	}
	return nil
}

func finite(v float64) bool   { return !math.IsNaN(v) && !math.IsInf(v, 0) }
func positive(v float64) bool { return finite(v) && v > 0 }
