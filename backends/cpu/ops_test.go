package cpu

import (
	"fmt"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/arch/opstest"
	"github.com/scalefit/scalefit/backends/checkpoint"
)

// TestOps runs the op-set conformance table (package opstest: every op against a naive float64 implementation) on
// the CPU ops, on one thread and on three.
func TestOps(t *testing.T) {
	for _, threads := range []int{1, 3} {
		t.Run(fmt.Sprintf("threads%d", threads), func(t *testing.T) {
			opstest.Run(t, func(t *testing.T, dir string) arch.Ops {
				ck, err := checkpoint.Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				o := newOps(ck, threads)
				t.Cleanup(func() { o.Close(); ck.Close() })
				return o
			})
		})
	}
}
