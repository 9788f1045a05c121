package measure

import (
	"math"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/schema"
)

// TestSummarize checks the gain statistics on norms chosen by hand. The sequence sits at offset 1 of its batch
// (token 0 belongs to another sequence), and its own token 0 is skipped. For its counted tokens 1 and 2:
//
//	attn     = aOut/aIn   = 2/1, 4/1    mean 3, std 1, min 2, max 4
//	mlp      = mOut/mIn   = 1/2, 3/2    mean 1, std 0.5
//	combined = attn·mlp   = 1, 6        mean 3.5, std 2.5
//	attn_res = aAdd/h     = 2/4, 4/2    mean 1.25, std 0.75    (a_add untapped: a_out)
//	mlp_res  = mAdd/mRes  = 2/1, 6/3    mean 2, std 0          (m_add tapped: 2·m_out, a post-norm)
//	block    = hOut/h     = 8/4, 1/2    mean 1.25, std 0.75
func TestSummarize(t *testing.T) {
	var p pointNorms
	p.reset(4)
	set := func(pt arch.Point, v ...float64) { copy(p.n[pt], v); p.tapped[pt] = true }
	set(arch.PointH, -1, 100, 4, 2)
	set(arch.PointAttnIn, -1, 100, 1, 1)
	set(arch.PointAttnOut, -1, 100, 2, 4)
	set(arch.PointMLPIn, -1, 100, 2, 2)
	set(arch.PointMLPOut, -1, 100, 1, 3)
	set(arch.PointMLPAdd, -1, 100, 2, 6)
	set(arch.PointMLPRes, -1, 100, 1, 3)
	set(arch.PointHOut, -1, 100, 8, 1)
	if err := p.complete(); err != nil {
		t.Fatal(err)
	}
	want := map[schema.Component]gainStats{
		schema.ComponentAttn:      {2, 3, 1, 2, 4, 1, 3},
		schema.ComponentMLP:       {2, 1, 0.5, 0.5, 1.5, 2, 2},
		schema.ComponentCombined:  {2, 3.5, 2.5, 1, 6, 1, 2},
		schema.ComponentAttnResid: {2, 1.25, 0.75, 0.5, 2, 3, 3},
		schema.ComponentMLPResid:  {2, 2, 0, 2, 2, 2, 4},
		schema.ComponentBlock:     {2, 1.25, 0.75, 0.5, 2, 3, 4.5},
	}
	got := p.summarize(1, 3, 1)
	if len(got) != len(schema.Components) {
		t.Fatalf("got %d components, want %d", len(got), len(schema.Components))
	}
	for c, name := range schema.Components {
		g, w := got[c], want[schema.Component(name)]
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

// TestCompleteMissingPoint: a block that forgets a point is a bug reported as an error, not a silent zero.
func TestCompleteMissingPoint(t *testing.T) {
	var p pointNorms
	p.reset(2)
	for pt := range arch.NumPoints {
		if pt != arch.PointMLPIn {
			p.tapped[pt] = true
		}
	}
	if err := p.complete(); err == nil {
		t.Error("no error for an untapped point")
	}
}

// TestBatches: whole sequences, in order, up to the budget; a longer sequence alone.
func TestBatches(t *testing.T) {
	seq := func(n int) []int32 { return make([]int32, n) }
	got := Batches([][]int32{seq(3), seq(4), seq(2), seq(9), seq(1), seq(5)}, 8)
	want := [][]int{{3, 4}, {2}, {9}, {1, 5}}
	wantSeqs := [][]int{{0, 1}, {2}, {3}, {4, 5}}
	if len(got) != len(want) {
		t.Fatalf("%d batches, want %d: %+v", len(got), len(want), got)
	}
	for i, b := range got {
		if len(b.Lens) != len(want[i]) || b.Tokens() != len(b.IDs) {
			t.Fatalf("batch %d: %+v, want lengths %v", i, b, want[i])
		}
		for k := range b.Lens {
			if b.Lens[k] != want[i][k] || b.Seqs[k] != wantSeqs[i][k] {
				t.Errorf("batch %d: lens %v seqs %v, want %v %v", i, b.Lens, b.Seqs, want[i], wantSeqs[i])
			}
		}
	}
	if n := len(Batches([][]int32{seq(512), seq(512), seq(512), seq(512), seq(1)}, 0)); n != 2 {
		t.Errorf("4×512 + 1 tokens in %d batches with the default budget, want 2", n)
	}
}
