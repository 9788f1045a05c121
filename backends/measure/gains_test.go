package cpu

import (
	"math"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// TestSummarize checks the gain statistics on norms chosen by hand. Token 0 is skipped. For the counted tokens 1 and
// 2:
//
//	attn     = aOut/aIn  = 2/1, 4/1           mean 3, std 1, min 2, max 4
//	mlp      = mOut/mIn  = 1/2, 3/2           mean 1, std 0.5
//	combined = attn·mlp  = 1, 6               mean 3.5, std 2.5
//	attn_res = aOut/h    = 2/4, 4/2           mean 1.25, std 0.75
//	mlp_res  = mOut/mRes = 1/1, 3/3           mean 1, std 0
//	block    = hOut/h    = 8/4, 1/2           mean 1.25, std 0.75
func TestSummarize(t *testing.T) {
	n := newTokenNorms(3)
	copy(n.h, []float64{100, 4, 2})
	copy(n.aIn, []float64{100, 1, 1})
	copy(n.aOut, []float64{100, 2, 4})
	copy(n.mIn, []float64{100, 2, 2})
	copy(n.mOut, []float64{100, 1, 3})
	copy(n.mRes, []float64{100, 1, 3})
	copy(n.hOut, []float64{100, 8, 1})
	want := map[string]gainStats{
		"attn":       {2, 3, 1, 2, 4, 1, 3},
		"mlp":        {2, 1, 0.5, 0.5, 1.5, 2, 2},
		"combined":   {2, 3.5, 2.5, 1, 6, 1, 2},
		"attn_resid": {2, 1.25, 0.75, 0.5, 2, 3, 3},
		"mlp_resid":  {2, 1, 0, 1, 1, 2, 2},
		"block":      {2, 1.25, 0.75, 0.5, 2, 3, 4.5},
	}
	got := n.summarize(1)
	if len(got) != len(schema.Components) {
		t.Fatalf("got %d components, want %d", len(got), len(schema.Components))
	}
	for c, name := range schema.Components {
		g, w := got[c], want[name]
		vals := [][2]float64{{g.Mean, w.Mean}, {g.Std, w.Std}, {g.Min, w.Min}, {g.Max, w.Max},
			{g.NormInMean, w.NormInMean}, {g.NormOutMean, w.NormOutMean}}
		for i, v := range vals {
			if math.Abs(v[0]-v[1]) > 1e-12 {
				t.Errorf("%s: field %d = %g, want %g", name, i, v[0], v[1])
			}
		}
		if g.N != w.N {
			t.Errorf("%s: N = %d, want %d", name, g.N, w.N)
		}
	}
}
