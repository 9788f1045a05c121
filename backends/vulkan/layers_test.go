package vulkan

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// layerSpecs are the two weights of layer l of a toy model: an f16 matrix and a bf16 bias.
func layerSpecs(l, d int) []arch.WeightSpec {
	return []arch.WeightSpec{
		{Name: fmt.Sprintf("l%d.w", l), Key: "w", Shape: []int{d, d}},
		{Name: fmt.Sprintf("l%d.b", l), Key: "b", Shape: []int{d}},
	}
}

// TestLayerLoop runs the loop of package measure over a deep toy model (h ← h + (h·Wᵀ + b) per layer) on a device
// whose memory is capped below the model's size: with Prefetch staging the next layer while the current one
// computes, the results equal a host computation, and device memory stays at one layer plus the activations.
func TestLayerLoop(t *testing.T) {
	const L, d, T = 8, 96, 40
	rng := rand.New(rand.NewPCG(21, 22))
	src := memSource{}
	ws, bs := make([][]float32, L), make([][]float32, L)
	for l := range L {
		ws[l], bs[l] = randn(rng, d*d, 0.05), randn(rng, d, 0.1)
		src.add(fmt.Sprintf("l%d.w", l), checkpoint.F16, []int{d, d}, ws[l])
		src.add(fmt.Sprintf("l%d.b", l), checkpoint.BF16, []int{d}, bs[l])
		for i, v := range ws[l] {
			ws[l][i] = checkpoint.F16ToFloat32(checkpoint.Float32ToF16(v))
		}
		for i, v := range bs[l] {
			bs[l][i] = checkpoint.BF16ToFloat32(checkpoint.Float32ToBF16(v))
		}
	}
	h0 := randn(rng, T*d, 1)
	o := openTestOps(t, src)
	layerBytes := uint64(d*d+d) * 4
	heap := o.g.heapBytes
	defer func() { o.g.heapBytes = heap }()
	h := upload(t, o, h0, T, d)
	defer o.freeOwned(h)
	// Room for the hidden states, the activation arena's first block and three layers, not for all eight.
	base := o.g.usedBytes
	o.g.heapBytes = base + o.act.minBlock + 3*layerBytes
	var peak uint64

	want := f64(h0)
	norms := make([]float64, T)
	w, err := o.Load(layerSpecs(0, d))
	if err != nil {
		t.Fatal(err)
	}
	for l := range L {
		if l+1 < L {
			o.Prefetch(layerSpecs(l+1, d))
		}
		m := o.Mark()
		o.Add(h, h, o.Linear(h, w["w"], w["b"]))
		o.RowNorms(h, norms)
		if err := o.Sync(); err != nil {
			t.Fatalf("layer %d: %v", l, err)
		}
		o.Reset(m)
		peak = max(peak, o.g.usedBytes)
		o.Unload(w)
		if l+1 < L {
			if w, err = o.Load(layerSpecs(l+1, d)); err != nil {
				t.Fatalf("layer %d: %v", l+1, err)
			}
		}
		// The host's h ← h + h·Wᵀ + b in float64.
		y := refLinear(f32s(want), ws[l], bs[l], T, d, d, true)
		for i := range want {
			want[i] += y[i]
		}
	}
	closeTo(t, "h", download(t, o, h), want, 1e-4, 1)
	if limit := base + o.act.bytes() + layerBytes; peak > limit {
		t.Errorf("device memory peaked at %d bytes, more than the hidden states, the arena and one layer (%d)", peak, limit)
	}
	t.Logf("%d layers of %d KiB ran in a device capped at %d KiB (peak %d KiB)", L, layerBytes>>10, o.g.heapBytes>>10, peak>>10)
}

// TestPrefetchMismatch checks that a Load of other weights than the ones prefetched loads what it is asked for.
func TestPrefetchMismatch(t *testing.T) {
	src := memSource{}
	src.add("a", checkpoint.F32, []int{2}, []float32{1, 2})
	src.add("b", checkpoint.F32, []int{2}, []float32{3, 4})
	o := openTestOps(t, src)
	o.Prefetch([]arch.WeightSpec{{Name: "a", Key: "x", Shape: []int{2}}})
	w, err := o.Load([]arch.WeightSpec{{Name: "b", Key: "x", Shape: []int{2}}})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "b", download(t, o, dev(w["x"])), []float64{3, 4}, 0, 1)
	o.Prefetch([]arch.WeightSpec{{Name: "nope", Key: "x", Shape: []int{2}}})
	if _, err := o.Load([]arch.WeightSpec{{Name: "nope", Key: "x", Shape: []int{2}}}); err == nil {
		t.Error("a prefetched tensor that does not exist loaded")
	}
}
