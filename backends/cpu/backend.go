package cpu

import (
	"context"
	"runtime"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/cpu/kernels"
	"github.com/scalefit/scalefit/backends/measure"
)

// Name and Version identify the backend in backends.Info, in the rows' backend column and in run-file metadata.
const (
	Name    = "cpu"
	Version = "0.2.0"
)

// Backend is the native Go CPU backend. It is stateless between runs and safe for concurrent use.
type Backend struct{}

// New returns the CPU backend.
func New() *Backend { return &Backend{} }

var _ backends.Backend = (*Backend)(nil)

// Info describes the backend and the CPU it runs on, with its float32 peak and current speed as measured now (see
// kernels.DetectMachine and kernels.MeasureSpeed), e.g. "CPU: AMD EPYC 9B45 (Zen 5), 2 cores, AVX2 AVX-512; fp32
// peak 464 GFLOP/s measured (2 × 232, 512-bit FMA)".
func (b *Backend) Info(ctx context.Context) (backends.Info, error) {
	m := kernels.DetectMachine()
	if m.Brand == "" {
		m.Brand = cpuModelName()
	}
	return backends.Info{
		Name:       Name,
		Version:    Version,
		Devices:    []string{"CPU: " + m.String()},
		Protocol:   backends.ProtocolVersion,
		PeakFLOPS:  m.PeakFLOPS,
		SpeedFLOPS: kernels.MeasureSpeed(threadCount(0)),
	}, nil
}

// Run measures req on the CPU: package measure runs the model, layer by layer, on this package's ops (see there for
// what a run does and refuses). req.Threads goroutines compute each op, all cores when it is 0.
func (b *Backend) Run(ctx context.Context, req *backends.Request, sink backends.Sink) (backends.Result, error) {
	return measure.Run(ctx, req, sink, measure.Backend{
		Name:    Name,
		Version: Version,
		Open: func(ck *checkpoint.Checkpoint, _ arch.Model, threads int) (measure.Ops, error) {
			return newOps(ck, threadCount(threads)), nil
		},
	})
}

// threadCount resolves a requested thread count: 0 or less means every core.
func threadCount(requested int) int {
	if requested <= 0 {
		return runtime.NumCPU()
	}
	return requested
}
