package vulkan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/scalefit/scalefit/backends/checkpoint"
)

// requireVulkan reports whether a missing Vulkan device fails the tests instead of skipping them. scripts/test sets
// it, so CI, which installs lavapipe, cannot pass by skipping.
func requireVulkan() bool { return os.Getenv("SCALEFIT_REQUIRE_VULKAN") == "1" }

// testDevice is the device the tests run on: SCALEFIT_VULKAN_DEVICE, or 0.
func testDevice() int {
	var d int
	if _, err := fmt.Sscan(os.Getenv("SCALEFIT_VULKAN_DEVICE"), &d); err == nil {
		return d
	}
	return 0
}

// openTestOps opens the test device with src, skipping (or failing, under SCALEFIT_REQUIRE_VULKAN=1) where Vulkan is
// unavailable.
func openTestOps(t testing.TB, src Source) *Ops {
	t.Helper()
	o, err := NewOps(testDevice(), src)
	if errors.Is(err, ErrUnavailable) && !requireVulkan() {
		t.Skipf("no Vulkan device (set SCALEFIT_REQUIRE_VULKAN=1 to fail instead): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

// memSource is a Source of tensors held in memory.
type memSource map[string]checkpoint.RawTensor

func (m memSource) Raw(name string) (checkpoint.RawTensor, error) {
	r, ok := m[name]
	if !ok {
		return checkpoint.RawTensor{}, fmt.Errorf("no tensor %q", name)
	}
	return r, nil
}

// add stores vals under name with shape, encoded as dtype.
func (m memSource) add(name, dtype string, shape []int, vals []float32) {
	var data []byte
	switch dtype {
	case checkpoint.F32:
		data = make([]byte, 4*len(vals))
		putFloat32s(data, vals)
	case checkpoint.F16, checkpoint.BF16:
		data = make([]byte, 2*len(vals))
		for i, v := range vals {
			h := checkpoint.Float32ToF16(v)
			if dtype == checkpoint.BF16 {
				h = checkpoint.Float32ToBF16(v)
			}
			binary.LittleEndian.PutUint16(data[2*i:], h)
		}
	}
	m[name] = checkpoint.RawTensor{DType: dtype, Shape: shape, Data: data}
}

// randn returns n normal values of standard deviation std.
func randn(rng *rand.Rand, n int, std float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * std)
	}
	return v
}

// upload places vals on the device as a rows × cols tensor.
func upload(t testing.TB, o *Ops, vals []float32, rows, cols int) *tensor {
	t.Helper()
	x, err := o.uploadF32(vals, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// download reads a device tensor back, failing the test on an error.
func download(t testing.TB, o *Ops, x *tensor) []float32 {
	t.Helper()
	v, err := o.Read(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// closeTo checks got against want elementwise: |got − want| ≤ tol·max(|want|, floor).
func closeTo(t testing.TB, what string, got []float32, want []float64, tol, floor float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		g, w := float64(got[i]), want[i]
		if math.IsNaN(g) || math.Abs(g-w) > tol*math.Max(math.Abs(w), floor) {
			if bad < 5 {
				t.Errorf("%s[%d] = %.9g, want %.9g (relative %.3g)", what, i, g, w, math.Abs(g-w)/math.Max(math.Abs(w), floor))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values off", what, bad, len(got))
	}
}
