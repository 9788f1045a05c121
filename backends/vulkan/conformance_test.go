package vulkan

import (
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/opstest"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// TestOpsConformance runs the op-set conformance table that every backend passes: as the device comes, and on the
// paths of devices without subgroup arithmetic and without float64 in shaders.
func TestOpsConformance(t *testing.T) {
	for _, c := range []struct {
		name       string
		sub, noF64 bool
	}{{"device", false, false}, {"nosubgroups", true, false}, {"nofloat64", false, true}} {
		t.Run(c.name, func(t *testing.T) {
			noSubgroups, noFloat64 = c.sub, c.noF64
			defer func() { noSubgroups, noFloat64 = false, false }()
			opstest.Run(t, func(t *testing.T, dir string) arch.Ops {
				ck, err := checkpoint.Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ck.Close() })
				return openTestOps(t, ck)
			})
		})
	}
}
