package vulkan

import (
	"math/rand/v2"
	"testing"
)

func TestSmoke(t *testing.T) {
	o := openTestOps(t, memSource{})
	t.Logf("device: %v", o.Device())
	rng := rand.New(rand.NewPCG(1, 2))
	v := randn(rng, 7*5, 1)
	x := upload(t, o, v, 7, 5)
	got := download(t, o, x)
	want := make([]float64, len(v))
	for i := range v {
		want[i] = float64(v[i])
	}
	closeTo(t, "roundtrip", got, want, 0, 1)
}
