package vulkan

import (
	"fmt"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
)

// BenchmarkGEMM reports the GEMM's GFLOP/s on square products; scripts/bench-gpu prints the same against the peak.
func BenchmarkGEMM(b *testing.B) {
	o := openTestOps(b, memSource{})
	for _, n := range []int{512, 1024} {
		for _, tile := range []int{64, 128} {
			for _, l := range []arch.Layout{arch.OutIn, arch.InOut} {
				b.Run(fmt.Sprintf("%s-%d-tile%d", map[arch.Layout]string{arch.OutIn: "OutIn", arch.InOut: "InOut"}[l], n, tile), func(b *testing.B) {
					gemmTile = tile
					defer func() { gemmTile = 0 }()
					var s float64
					for range b.N {
						var err error
						if s, err = o.GEMMSeconds(n, n, n, 2, l); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(2*float64(n)*float64(n)*float64(n)/s/1e9, "GFLOP/s")
				})
			}
		}
	}
}

func BenchmarkPeak(b *testing.B) {
	o := openTestOps(b, memSource{})
	var f float64
	for range b.N {
		var err error
		if f, err = o.PeakFLOPS(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(f/1e9, "GFLOP/s")
}
