package fit

import (
	"math"
	"testing"
)

func TestLOOCoverage(t *testing.T) {
	yes, no := true, false
	loo := []LOOPrediction{
		{RelError: 0.0769, Covered: &no},
		{RelError: -0.0004, Covered: &yes},
		{RelError: 0.0004, Covered: &yes},
		{RelError: math.NaN()},
	}
	if cov, def := LOOCoverage(loo); cov != 2 || def != 3 {
		t.Errorf("LOOCoverage = %d of %d, want 2 of 3", cov, def)
	}
}
