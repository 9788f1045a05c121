package fit

import (
	"math"
	"testing"
)

func TestLOOText(t *testing.T) {
	yes, no := true, false
	loo := []LOOPrediction{
		{RelError: 0.0769, Covered: &no},
		{RelError: -0.0004, Covered: &yes},
		{RelError: 0.0004, Covered: &yes},
		{RelError: math.NaN()},
	}
	wantErr := []string{"+7.7 %", "0.0 %", "0.0 %", "—"}
	wantCov := []string{"no", "yes", "yes", "—"}
	for i, l := range loo {
		if got := l.ErrorText(); got != wantErr[i] {
			t.Errorf("loo[%d].ErrorText() = %q, want %q", i, got, wantErr[i])
		}
		if got := l.CoveredText(); got != wantCov[i] {
			t.Errorf("loo[%d].CoveredText() = %q, want %q", i, got, wantCov[i])
		}
	}
	if cov, def := LOOCoverage(loo); cov != 2 || def != 3 {
		t.Errorf("LOOCoverage = %d of %d, want 2 of 3", cov, def)
	}
}
