package vulkan

import (
	"context"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/measure"
)

// Name and Version identify the backend in backends.Info, in the rows' backend column and in run-file metadata.
const (
	Name    = "vulkan"
	Version = "0.1.0"
)

// Backend is the Vulkan compute backend. It opens the device a request names for the length of one run.
type Backend struct{}

// New returns the Vulkan backend.
func New() *Backend { return &Backend{} }

var _ backends.Backend = (*Backend)(nil)

// Info lists the machine's Vulkan devices, one line each, as `scalefit backends` shows them. Where Vulkan cannot run
// (no loader, no driver, no device), the one device entry says "unavailable:" and why; Info itself does not fail.
func (b *Backend) Info(ctx context.Context) (backends.Info, error) {
	info := backends.Info{Name: Name, Version: Version, Protocol: backends.ProtocolVersion}
	devs, err := Probe()
	if err != nil {
		info.Devices = []string{err.Error()} // "unavailable: …"
		return info, nil
	}
	for _, d := range devs {
		info.Devices = append(info.Devices, d.String())
	}
	return info, nil
}

// Run measures req on device req.Device: package measure runs the model, layer by layer, on this package's ops (see
// there for what a run does and refuses). Where the device cannot be opened, Run fails with one line saying why.
func (b *Backend) Run(ctx context.Context, req *backends.Request, sink backends.Sink) (backends.Result, error) {
	device := 0
	if req != nil {
		device = req.Device
	}
	return measure.Run(ctx, req, sink, measure.Backend{
		Name:    Name,
		Version: Version,
		Open: func(ck *checkpoint.Checkpoint, _ arch.Model, _ int) (measure.Ops, error) {
			return NewOps(device, ck)
		},
	})
}
