package vulkan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/scalefit/scalefit/backends/arch"
)

// PeakFLOPS measures the device's float32 throughput in FLOP/s with an FMA-bound kernel (shaders/fmapeak.comp):
// enough workgroups to fill any device, each invocation running independent FMA chains, timed by the wall clock
// around one submission after a warm-up. It is the device's achievable FMA rate, which on GPUs is close to the rate
// on the data sheet (cores × 2 × clock) and on a CPU device is what its compiler gets from the SIMD units.
func (o *Ops) PeakFLOPS() (float64, error) {
	const wg = 256
	groups := uint32(min(o.g.info.MaxWorkGroupCount[0], 4096))
	out, _ := o.hostResult(int(groups) * wg)
	if out.buf == nil {
		return 0, o.Sync()
	}
	p := o.g.pipeline("fmapeak", 1)
	run := func(iters uint32) (time.Duration, error) {
		o.g.dispatch(p, []binding{out}, []uint32{iters, math.Float32bits(0.999), math.Float32bits(0.001)}, groups, 1, 1)
		start := time.Now()
		err := o.Sync()
		return time.Since(start), err
	}
	// Grow the work until one submission takes at least half a second, so that submission overheads vanish.
	iters := uint32(16)
	for {
		el, err := run(iters)
		if err != nil {
			return 0, err
		}
		if el > 500*time.Millisecond || iters >= 1<<24 {
			return float64(groups) * wg * float64(iters) * 64 / el.Seconds(), nil
		}
		iters *= 4
		if el > 10*time.Millisecond {
			iters = uint32(float64(iters) / 4 * 0.6 / el.Seconds())
		}
		out, _ = o.hostResult(int(groups) * wg)
		if out.buf == nil {
			return 0, o.Sync()
		}
	}
}

// GEMMSeconds times y = x·Wᵀ (layout OutIn) or y = x·W (InOut) for x [m, k] and W of n outputs: reps products in
// one submission, after a warm-up, by the wall clock. It returns the seconds per product.
func (o *Ops) GEMMSeconds(m, n, k, reps int, layout arch.Layout) (float64, error) {
	rng := rand.New(rand.NewPCG(1, uint64(m*n*k)))
	rnd := func(count int) []float32 {
		v := make([]float32, count)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	x, err := o.uploadF32(rnd(m*k), m, k)
	if err != nil {
		return 0, err
	}
	defer o.freeOwned(x)
	wr, wc := n, k
	if layout == arch.InOut {
		wr, wc = k, n
	}
	w, err := o.uploadF32(rnd(n*k), wr, wc)
	if err != nil {
		return 0, err
	}
	defer o.freeOwned(w)
	if layout == arch.InOut {
		w.layout = layoutInOut
	}
	mark := o.Mark()
	defer o.Reset(mark)
	o.Linear(x, w, nil)
	if err := o.Sync(); err != nil {
		return 0, err
	}
	o.Reset(mark)
	for range reps {
		o.Reset(mark)
		o.Linear(x, w, nil)
	}
	start := time.Now()
	if err := o.Sync(); err != nil {
		return 0, fmt.Errorf("GEMM %d×%d×%d: %w", m, n, k, err)
	}
	return time.Since(start).Seconds() / float64(reps), nil
}
