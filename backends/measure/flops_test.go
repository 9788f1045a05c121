package measure_test

import (
	"math"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/measure"
)

// TestFLOPs counts the forward pass of the Pythia-160M shape by hand: per layer and token 2·(3d² + d² + 2·d·ff)
// multiply-adds' operations, d = 768 and ff = 3072, that is 14,155,776; per layer and sequence of n tokens
// 4·d·n(n+1)/2 for attention; with the loss, 2·V·d per predicted position, V = 50304.
func TestFLOPs(t *testing.T) {
	fam, ok := arch.Lookup("gpt_neox")
	if !ok {
		t.Fatal("gpt_neox is not registered")
	}
	var shape arch.Shape
	for _, p := range fam.Presets {
		if p.Name == "pythia-160m" {
			shape = p.Shape
		}
	}
	js, err := fam.SynthConfig(shape, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := arch.New(js, arch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const d, ff, V, L = 768.0, 3072.0, 50304.0, 12.0
	lens := []int{512, 512, 3}
	perToken := 2 * (4*d*d + 2*d*ff)
	pairs := 2*512.0*513/2 + 3*4/2
	want := L * (perToken*1027 + 4*d*pairs)
	for _, tt := range []struct {
		loss bool
		want float64
	}{{false, want}, {true, want + 2*V*d*(511+511+2)}} {
		if got := measure.FLOPs(m, lens, tt.loss); math.Abs(got-tt.want) > 1e-12*tt.want {
			t.Errorf("loss=%v: FLOPs = %.6g, want %.6g", tt.loss, got, tt.want)
		}
	}
	if perToken != 14155776 {
		t.Errorf("per layer and token %g, want 14155776", perToken)
	}
}
