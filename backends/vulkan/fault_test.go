package vulkan

import (
	"errors"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// TestLayerTooLarge checks that a layer larger than the device's memory is refused with one line saying so, before
// anything is allocated, and that activations that do not fit fail at Sync with an out-of-memory error.
func TestLayerTooLarge(t *testing.T) {
	src := memSource{}
	src.add("w", checkpoint.F16, []int{512, 512}, make([]float32, 512*512))
	o := openTestOps(t, src)
	heap := o.g.heapBytes
	defer func() { o.g.heapBytes = heap }()
	o.g.heapBytes = 512 << 10 // 512 KiB: the 1 MiB float32 weight cannot fit
	_, err := o.Load([]arch.WeightSpec{{Name: "w", Key: "w", Shape: []int{512, 512}}})
	if err == nil || !strings.Contains(err.Error(), "even one layer does not fit") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Load of a layer larger than the device: %v", err)
	}
	t.Log(err)

	o.g.heapBytes = o.g.usedBytes + 64<<10
	x := o.newTensor(4096, 1024) // 16 MiB of activations
	o.Scale(x, 2)
	err = o.Sync()
	if !errors.Is(err, errOutOfMemory) {
		t.Fatalf("activations beyond the device's memory: Sync = %v, want an out-of-memory error", err)
	}
	t.Log(err)
}

// TestDeviceFaults injects a lost device and a failed submission and checks that Sync, and everything after it,
// reports the fault in words.
func TestDeviceFaults(t *testing.T) {
	for _, c := range []struct {
		fault string
		want  error
		words string
	}{
		{"device-lost", errDeviceLost, "device was lost"},
		{"out-of-memory", errOutOfMemory, "out of device memory"},
	} {
		t.Run(c.fault, func(t *testing.T) {
			src := memSource{}
			src.add("w", checkpoint.F32, []int{2, 2}, []float32{1, 2, 3, 4})
			o := openTestOps(t, src)
			o.g.fault = c.fault
			w, err := o.Load([]arch.WeightSpec{{Name: "w", Key: "w", Shape: []int{2, 2}}})
			if err != nil {
				t.Fatal(err)
			}
			norms := make([]float64, 2)
			o.RowNorms(w["w"], norms)
			err = o.Sync()
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("Sync = %v, want %v", err, c.want)
			}
			t.Log(err)
			if norms[0] != 0 {
				t.Errorf("a failed Sync filled the norms: %v", norms)
			}
			if err2 := o.Sync(); !errors.Is(err2, c.want) {
				t.Errorf("the next Sync = %v, want the same fault", err2)
			}
			if _, err := o.Load([]arch.WeightSpec{{Name: "w", Key: "v", Shape: []int{2, 2}}}); !errors.Is(err, c.want) {
				t.Errorf("Load after the fault = %v, want the same fault", err)
			}
		})
	}
}
